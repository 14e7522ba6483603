import { describeFailure } from '../model/fail-reason.js';
import type { Job } from '../model/job.js';
import { EvsError } from './evs-error.js';

/** A watched job ended with `FAIL` and the watch asked for `throwOnFail`. */
export class JobFailedError extends EvsError {
  /** The final job, as the service returned it. */
  readonly job: Job;
  /** The job's `error_code`, e.g. `EVS.2024`. */
  declare readonly errorCode?: string;
  /** The job's `fail_reason`. */
  declare readonly failReason?: string;

  constructor(job: Job) {
    const reason = describeFailure(job);
    super('EVS_JOB_FAILED', `job ${job.jobId} (${job.jobType || 'unknown type'}) failed${reason === undefined ? '' : `: ${reason}`}`);
    this.job = job;
    if (job.errorCode !== undefined) this.errorCode = job.errorCode;
    if (job.failReason !== undefined) this.failReason = job.failReason;
  }
}

/** A watch's `timeout` elapsed before its job finished. The job itself may still finish later. */
export class WatchTimeoutError extends EvsError {
  /** The job that did not finish in time. */
  readonly jobId: string;
  /** The timeout that elapsed, in ms. */
  readonly timeout: number;
  /**
   * The job as read by the last poll before the deadline, when that poll
   * succeeded (the watcher keeps a job only then, to stay small); else absent —
   * {@link lastStatus} is always there once any poll succeeded.
   */
  declare readonly job?: Job;

  /** The job's last status seen, if any poll succeeded. */
  declare readonly lastStatus?: string;

  constructor(jobId: string, timeout: number, job: Job | undefined, lastStatus: string | undefined = job?.status) {
    const last = lastStatus === undefined ? 'never seen' : `last seen ${lastStatus}`;
    super('EVS_WATCH_TIMEOUT', `job ${jobId} did not finish within ${timeout} ms (${last})`);
    this.jobId = jobId;
    this.timeout = timeout;
    if (job !== undefined) this.job = job;
    if (lastStatus !== undefined) this.lastStatus = lastStatus;
  }
}
