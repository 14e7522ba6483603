import { parseJob, type Clock, type FetchJob, type Job } from '../lib/library.js';
import type { Fleet, FleetJob } from './fleet.js';

/**
 * The in-memory stand-in for `GET /v1/{project_id}/jobs/{job_id}`: each job's
 * wire body is computed from the virtual clock, then parsed with the library's
 * own `parseJob`, so every strategy gets exactly what the watcher would get
 * over HTTP. It counts every poll, per job and per virtual second.
 */
export class FleetTransport {
  readonly #byId = new Map<string, FleetJob>();
  readonly #clock: Clock;
  readonly #start: number;
  readonly polls: Uint32Array;
  readonly #perSecond = new Map<number, number>();
  readonly #perSecondByClass = [new Map<number, number>(), new Map<number, number>()];
  readonly #isLong: (job: FleetJob) => boolean;

  constructor(fleet: Fleet, clock: Clock, isLong: (job: FleetJob) => boolean) {
    for (const job of fleet.jobs) this.#byId.set(job.id, job);
    this.#clock = clock;
    this.#start = fleet.start;
    this.#isLong = isLong;
    this.polls = new Uint32Array(fleet.jobs.length);
  }

  readonly fetchJob: FetchJob = (jobId) => {
    const job = this.#byId.get(jobId);
    if (job === undefined) return Promise.reject(new Error(`unknown job ${jobId}`));
    const now = this.#clock.wallNow();
    if (now < job.beginAt) return Promise.reject(new Error(`job ${jobId} polled before it began`));
    this.polls[job.index]! += 1;
    const second = Math.floor((now - this.#start) / 1000);
    bump(this.#perSecond, second);
    bump(this.#perSecondByClass[this.#isLong(job) ? 1 : 0]!, second);
    return Promise.resolve(parseJob(wire(job, now)));
  };

  /** Most polls in any one virtual second: all jobs, short ones, long ones. */
  peaks(): { all: number; short: number; long: number } {
    const peak = (counts: Map<number, number>): number => Math.max(0, ...counts.values());
    return { all: peak(this.#perSecond), short: peak(this.#perSecondByClass[0]!), long: peak(this.#perSecondByClass[1]!) };
  }
}

function bump(counts: Map<number, number>, key: number): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The wire body at `now`, as EVS sends it (see the API reference). */
export function wire(job: FleetJob, now: number): Record<string, unknown> {
  const status = now < job.endAt ? 'RUNNING' : job.outcome;
  const failed = status === 'FAIL';
  return {
    status,
    entities: job.subJobs.length === 0 ? { volume_id: `${job.id.slice(0, 8)}-4000-8000-0000-${job.id.slice(20)}` } : { sub_jobs: job.subJobs.map((sub) => wire(sub, now)) },
    job_id: job.id,
    job_type: job.type,
    begin_time: new Date(job.beginAt).toISOString(),
    end_time: status === 'RUNNING' ? '' : new Date(job.endAt).toISOString(),
    error_code: failed ? 'EVS.2024' : null,
    fail_reason: failed ? 'volume quota exceeded' : null,
  };
}

export type { Job };
