import { isFinalStatus } from '../model/job.js';
import { FAULT_KINDS } from './faults.js';
import type { FaultKind } from './options.js';
import { ROUTE_NAMES, type RouteName } from './routes.js';

/** A fault counter key: an injected fault, or a request over the gateway's rate limit. */
export type FaultCounter = FaultKind | 'rateLimit';

/** One request, as kept when `recordRequests` is on. */
export interface RequestRecord {
  /** HTTP method. */
  readonly method: string;
  /** The path as received, without the query. */
  readonly rawPath: string;
  /** Which API it reached (`unknown` for none). */
  readonly route: RouteName;
  /** HTTP status sent; 0 when the socket was destroyed without an answer. */
  readonly status: number;
  /** The job asked for, on `showJob`. */
  readonly jobId?: string;
  /** When the request arrived, in clock ms. */
  readonly time: number;
}

/** A snapshot of the simulator's counters since start or the last `resetStats()`. */
export interface SimulatorStats {
  /** Requests received. */
  readonly requests: number;
  /** Requests received and not answered yet (now, not at reset). */
  readonly inFlight: number;
  /** Most requests in flight at once. */
  readonly maxInFlight: number;
  /** Requests by API route. */
  readonly byRoute: Readonly<Record<RouteName, number>>;
  /** Answers by HTTP status (`'200'`, `'429'`, …); destroyed sockets are counted in `faults.reset` only. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Faults injected, by kind; `rateLimit` counts requests refused by the rate limit. */
  readonly faults: Readonly<Record<FaultCounter, number>>;
  /** Job GETs per job id, whatever the answer. */
  readonly requestsPerJob: ReadonlyMap<string, number>;
  /** Job GETs answered with a final status after the same job had already been answered final once: wasted polls. */
  readonly pollsAfterFinal: number;
  /** Job GETs that arrived while another GET of the same job was still unanswered (one watcher, or one fleet, should send none). */
  readonly overlappingPolls: number;
  /** Requests refused with 401. */
  readonly authFailures: number;
  /** Every request, oldest first; empty unless `recordRequests` is on. */
  readonly log: readonly RequestRecord[];
}

/** Mutable counters behind {@link SimulatorStats}. */
export class StatsRecorder {
  readonly #record: boolean;
  #inFlight = 0;
  #counters = emptyCounters(0);
  #finalSeen = new Set<string>();
  /** GETs of each job in flight now. */
  readonly #jobsInFlight = new Map<string, number>();

  constructor(recordRequests: boolean) {
    this.#record = recordRequests;
  }

  /** A request arrived; `jobId` for a job GET. */
  begin(route: RouteName, jobId: string | undefined): void {
    const counters = this.#counters;
    counters.requests++;
    counters.byRoute[route]++;
    this.#inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, this.#inFlight);
    if (jobId === undefined) return;
    const polls = this.#jobsInFlight.get(jobId) ?? 0;
    if (polls > 0) counters.overlappingPolls++;
    this.#jobsInFlight.set(jobId, polls + 1);
  }

  /** A request was answered (or its socket destroyed). */
  end(record: RequestRecord): void {
    this.#inFlight--;
    if (record.jobId !== undefined) {
      const polls = this.#jobsInFlight.get(record.jobId) ?? 1;
      if (polls <= 1) this.#jobsInFlight.delete(record.jobId);
      else this.#jobsInFlight.set(record.jobId, polls - 1);
    }
    const { byStatus, log } = this.#counters;
    if (record.status !== 0) byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
    if (this.#record) log.push(record);
  }

  fault(kind: FaultCounter): void {
    this.#counters.faults[kind]++;
  }

  authFailure(): void {
    this.#counters.authFailures++;
  }

  /** A job GET for `jobId` arrived. */
  jobRequested(jobId: string): void {
    const perJob = this.#counters.requestsPerJob;
    perJob.set(jobId, (perJob.get(jobId) ?? 0) + 1);
  }

  /** `jobId` was answered with `status` in a readable 200. */
  jobAnswered(jobId: string, status: string): void {
    if (!isFinalStatus(status)) return;
    if (this.#finalSeen.has(jobId)) this.#counters.pollsAfterFinal++;
    else this.#finalSeen.add(jobId);
  }

  snapshot(): SimulatorStats {
    const counters = this.#counters;
    return {
      ...counters,
      inFlight: this.#inFlight,
      byRoute: { ...counters.byRoute },
      byStatus: { ...counters.byStatus },
      faults: { ...counters.faults },
      requestsPerJob: new Map(counters.requestsPerJob),
      log: [...counters.log],
    };
  }

  /** Zeroes every counter and forgets which jobs were seen final; requests in flight stay counted. */
  reset(): void {
    this.#counters = emptyCounters(this.#inFlight);
    this.#finalSeen = new Set();
  }
}

interface Counters {
  requests: number;
  maxInFlight: number;
  byRoute: Record<RouteName, number>;
  byStatus: Record<string, number>;
  faults: Record<FaultCounter, number>;
  requestsPerJob: Map<string, number>;
  pollsAfterFinal: number;
  overlappingPolls: number;
  authFailures: number;
  log: RequestRecord[];
}

function emptyCounters(inFlight: number): Counters {
  return {
    requests: 0,
    maxInFlight: inFlight,
    byRoute: zeroes(ROUTE_NAMES),
    byStatus: {},
    faults: zeroes<FaultCounter>([...FAULT_KINDS, 'rateLimit']),
    requestsPerJob: new Map(),
    pollsAfterFinal: 0,
    overlappingPolls: 0,
    authFailures: 0,
    log: [],
  };
}

function zeroes<Key extends string>(keys: readonly Key[]): Record<Key, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<Key, number>;
}
