import type { Clock } from '../clock/clock.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import type { Job } from '../model/job.js';

/**
 * Reads one job; the watcher calls it for every poll. It must resolve a parsed
 * {@link Job} (`parseJob` makes one from the wire body). `signal` belongs to
 * this poll alone: it aborts when the watcher gives up on the poll (its watch
 * ended, the poll ran past `pollTimeout`, or the watcher was destroyed).
 */
export type FetchJob = (jobId: string, options: { readonly signal: AbortSignal }) => Promise<Job> | Job;

/** What the watcher needs from a client; `EvsClient` is one. */
export interface JobSource {
  /** Reads one job. The watcher retries through its own schedule, so it passes `retries: 0`. */
  getJob(jobId: string, options?: { readonly signal?: AbortSignal | undefined; readonly retries?: number | undefined }): Promise<Job>;
  /** The server's current wall-clock time, in ms since the epoch; used to measure how long jobs have run. */
  serverNow?(): number;
  /** The client's clock; the watcher uses it unless given its own. */
  readonly clock?: Clock;
  /**
   * Names the credentials requests are signed with, without revealing them (a hash of the AK): a fleet
   * stops every process polling with credentials the service refused, and only those.
   */
  readonly credentialKey?: string | undefined;
}

/**
 * Calls `fetchJob` as one poll: a synchronous throw becomes a rejection and a
 * plain value a resolved one (what it resolves is checked by {@link checkJob}).
 */
export function fetchAnswer(fetchJob: FetchJob, jobId: string, options: { readonly signal: AbortSignal }): Promise<unknown> {
  try {
    return Promise.resolve(fetchJob(jobId, options));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** @throws {InvalidResponseError} unless `value` has the shape `parseJob` gives (it is then retried like any malformed answer). */
export function checkJob(value: unknown): Job {
  const job = value as Partial<Job> | null;
  if (
    typeof job === 'object' &&
    job !== null &&
    typeof job.jobId === 'string' &&
    typeof job.status === 'string' &&
    typeof job.jobType === 'string' &&
    Array.isArray(job.entities?.subJobs)
  ) {
    return job as Job;
  }
  const wire = typeof job === 'object' && job !== null && 'job_id' in job;
  throw new InvalidResponseError(
    wire
      ? '`fetchJob` resolved a wire (snake_case) body: it must resolve a parsed `Job`; pass the body through `parseJob`'
      : `\`fetchJob\` must resolve a parsed \`Job\` (\`parseJob\` makes one), got ${job === null ? 'null' : Array.isArray(job) ? 'an array' : typeof job}`,
    { field: '$' },
  );
}
