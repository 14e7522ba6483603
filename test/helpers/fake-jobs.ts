import type { Clock, TimerHandle } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/clock/seeded-random.js';
import { AuthError } from '../../src/errors/auth-error.js';
import { HttpError } from '../../src/errors/http-error.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import { JobNotFoundError } from '../../src/errors/job-not-found-error.js';
import { AbortError, NetworkError, RequestTimeoutError } from '../../src/errors/request-errors.js';
import { ThrottledError } from '../../src/errors/throttled-error.js';
import type { Job } from '../../src/model/job.js';
import { parseJob } from '../../src/model/parse-job.js';
import { JobStore } from '../../src/simulator/job-store.js';
import type { JobSpec } from '../../src/simulator/options.js';
import type { FetchJob } from '../../src/watcher/job-source.js';

/**
 * What one fetch can be made to do instead of reading the job:
 * HTTP failures, transport failures, bad answers, or a hang until aborted.
 */
export type FakeFault =
  | 'http500'
  | 'http503'
  | 'http400'
  | 'network'
  | 'timeout'
  | 'invalid'
  | 'notFound'
  | 'auth'
  | 'wrongId'
  | 'hang'
  | { readonly throttle: number | undefined };

/** One call of the fake `fetchJob`. */
export interface FetchCall {
  readonly jobId: string;
  /** Fake clock time the call was made. */
  readonly time: number;
  /** What it answered: a status, a fault, or `aborted`. Set when it settles. */
  outcome: string | undefined;
}

export interface FakeJobsOptions {
  /** Time each fetch takes, in fake ms: fixed, or a function of the call. @default 0 */
  readonly latency?: number | ((jobId: string) => number);
  /** Seed of the job ids and volume ids. @default 7 */
  readonly seed?: number;
}

/**
 * An in-memory EVS driven by the fake clock: jobs follow the simulator's own
 * timelines (the same `JobStore`), `fetchJob` reads them as parsed {@link Job}s,
 * and faults can be queued per job or for any job. Records every call.
 */
export class FakeJobs {
  readonly calls: FetchCall[] = [];
  readonly #clock: Clock;
  readonly #store: JobStore;
  readonly #faults = new Map<string, FakeFault[]>();
  #latency: number | ((jobId: string) => number);
  #inFlight = 0;
  #maxInFlight = 0;

  constructor(clock: Clock, options: FakeJobsOptions = {}) {
    this.#clock = clock;
    this.#store = new JobStore(seededRandom(options.seed ?? 7), { duration: 25_000, batchOverhead: 2_000 });
    this.#latency = options.latency ?? 0;
  }

  /** Adds a job that starts now (see the simulator's {@link JobSpec}); returns its id. */
  add(spec: JobSpec = {}): string {
    return this.#store.add(spec, this.#clock.wallNow());
  }

  /** The wire job as it is now, `undefined` while unknown or invisible. */
  wire(jobId: string): Record<string, unknown> | undefined {
    return this.#store.wire(jobId, this.#clock.wallNow());
  }

  /** Queues faults for the next fetches of `jobId` (`'*'`: of any job, after that job's own). */
  fail(jobId: string, ...faults: FakeFault[]): void {
    const queue = this.#faults.get(jobId) ?? [];
    queue.push(...faults);
    this.#faults.set(jobId, queue);
  }

  /** Drops every queued fault. */
  clearFaults(): void {
    this.#faults.clear();
  }

  setLatency(latency: number | ((jobId: string) => number)): void {
    this.#latency = latency;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** Calls for `jobId` (all calls without it). */
  callsFor(jobId?: string): FetchCall[] {
    return jobId === undefined ? [...this.calls] : this.calls.filter((call) => call.jobId === jobId);
  }

  /** The `fetchJob` to give the watcher. */
  readonly fetchJob = (jobId: string, { signal }: Parameters<FetchJob>[1]): Promise<Job> => {
    const call: FetchCall = { jobId, time: this.#clock.monotonicNow(), outcome: undefined };
    this.calls.push(call);
    this.#inFlight += 1;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    const fault = this.#nextFault(jobId);
    const latency = typeof this.#latency === 'function' ? this.#latency(jobId) : this.#latency;
    return new Promise<Job>((resolve, reject) => {
      let timer: TimerHandle;
      const finish = (outcome: string, settle: () => void): void => {
        if (call.outcome !== undefined) return;
        call.outcome = outcome;
        this.#inFlight -= 1;
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      const onAbort = (): void => {
        this.#clock.clearTimeout(timer);
        finish('aborted', () => reject(new AbortError('the request was aborted', { cause: signal.reason })));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      if (fault === 'hang') return;
      const answer = (): void => {
        try {
          const job = this.#answer(jobId, fault);
          finish(job.status, () => resolve(job));
        } catch (error) {
          finish(describeFault(fault ?? 'notFound'), () => reject(error instanceof Error ? error : new Error(String(error))));
        }
      };
      if (latency > 0) timer = this.#clock.setTimeout(answer, latency);
      else queueMicrotask(answer);
    });
  };

  #nextFault(jobId: string): FakeFault | undefined {
    return this.#faults.get(jobId)?.shift() ?? this.#faults.get('*')?.shift();
  }

  /** Reads the job now (after the latency), or throws the fault's error. */
  #answer(jobId: string, fault: FakeFault | undefined): Job {
    if (fault !== undefined) {
      if (fault === 'hang') throw new Error('a hanging fetch never answers');
      if (fault === 'wrongId') {
        const other = this.#store.wire(jobId, this.#clock.wallNow());
        return parseJob({ ...other, job_id: 'ffffffffffffffffffffffffffffffff' });
      }
      throw errorFor(jobId, fault);
    }
    const wire = this.#store.wire(jobId, this.#clock.wallNow());
    if (wire === undefined) throw errorFor(jobId, 'notFound');
    return parseJob(wire);
  }
}

/** The error class the real client throws for each fault. */
export function errorFor(jobId: string, fault: Exclude<FakeFault, 'wrongId' | 'hang'>): Error {
  if (typeof fault === 'object') {
    return new ThrottledError({ status: 429, serviceCode: 'APIGW.0308', ...(fault.throttle !== undefined && { retryAfter: fault.throttle }) });
  }
  switch (fault) {
    case 'http500':
      return new HttpError({ status: 500, serviceCode: 'EVS.5000' });
    case 'http503':
      return new HttpError({ status: 503, serviceCode: 'EVS.5030' });
    case 'http400':
      return new HttpError({ status: 400, serviceCode: 'EVS.0001', serviceMessage: 'bad request' });
    case 'network':
      return new NetworkError('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1');
    case 'timeout':
      return new RequestTimeoutError(10_000);
    case 'invalid':
      return new InvalidResponseError('body is not JSON', { field: '$', status: 200 });
    case 'notFound':
      return new JobNotFoundError(jobId, { status: 400, serviceCode: 'Common.0011' });
    case 'auth':
      return new AuthError({ status: 401, serviceCode: 'APIGW.0301' });
  }
}

function describeFault(fault: FakeFault): string {
  return typeof fault === 'object' ? 'throttle' : fault;
}
