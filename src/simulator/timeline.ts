import { isFinalStatus, type FinalJobStatus, type JobType } from '../model/job.js';

/**
 * One job's whole life, fixed when it is added. Nothing ticks: its state at any
 * moment is computed from these instants on request, so 100 000 jobs cost only memory.
 */
export interface JobRecord {
  readonly id: string;
  readonly type: JobType;
  /** Clock ms before which the job answers 400 `Common.0011`. */
  readonly visibleAt: number;
  /** `begin_time`, in clock ms. */
  readonly beginAt: number;
  /** End of INIT, start of RUNNING, in clock ms. */
  readonly runAt: number;
  /** `end_time`: when the job reaches its outcome, in clock ms. */
  readonly endAt: number;
  readonly outcome: FinalJobStatus;
  readonly errorCode: string;
  readonly failReason: string;
  /** A status reported instead of the timeline's, if any… */
  readonly forcedStatus: string | undefined;
  /** …until this clock ms (`Infinity`: forever). */
  readonly forcedUntil: number;
  /** `entities.volume_id`; absent for batch jobs. */
  readonly volumeId: string | undefined;
  /** Extra `entities` fields. */
  readonly extraEntities: Readonly<Record<string, unknown>> | undefined;
  /** Sub-jobs of a batch job; `undefined` for a single job. */
  readonly subJobs: readonly JobRecord[] | undefined;
}

/** A job as sent on the wire (snake_case keys). */
export interface WireJob {
  readonly status: string;
  readonly [field: string]: unknown;
}

/** The wire status at clock time `now`. */
function statusAt(job: JobRecord, now: number): string {
  if (job.forcedStatus !== undefined && now < job.forcedUntil) return job.forcedStatus;
  if (now < job.runAt) return 'INIT';
  if (now < job.endAt) return 'RUNNING';
  return job.outcome;
}

/**
 * The JSON body `GET /v1/{project_id}/jobs/{job_id}` returns at `now`, keys in the reference's order.
 * `begin_time`/`end_time` are written on the server's clock, `skew` ms from the injected one, as a
 * real server stamps jobs with the same clock as its `Date` header.
 */
export function wireJob(job: JobRecord, now: number, skew = 0): WireJob {
  const status = statusAt(job, now);
  const failed = status === 'FAIL';
  return {
    status,
    entities: wireEntities(job, now, skew),
    job_id: job.id,
    job_type: job.type,
    begin_time: formatTime(job.beginAt + skew),
    end_time: isFinalStatus(status) ? formatTime(job.endAt + skew) : '',
    error_code: failed ? job.errorCode : null,
    fail_reason: failed ? job.failReason : null,
  };
}

/** `YYYY-MM-DDTHH:MM:SS.SSSZ`, as EVS formats `begin_time` and `end_time`. */
function formatTime(time: number): string {
  return new Date(time).toISOString();
}

function wireEntities(job: JobRecord, now: number, skew: number): Record<string, unknown> {
  const own = job.subJobs === undefined
    ? { volume_id: job.volumeId }
    : { sub_jobs: job.subJobs.map((sub) => wireJob(sub, now, skew)) };
  return { ...own, ...job.extraEntities };
}
