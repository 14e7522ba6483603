import type { AuthError } from '../errors/auth-error.js';
import type { EvsError } from '../errors/evs-error.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import type { Job } from '../model/job.js';

/** A watched job's status changed; the first observation counts (then `previous` is undefined). Sub-jobs do not emit it. */
export interface StatusChangeEvent {
  readonly jobId: string;
  readonly job: Job;
  readonly status: Job['status'];
  /** The status seen before, or `undefined` on the first observation. */
  readonly previous: Job['status'] | undefined;
}

/** Counts of a batch job's sub-jobs. */
export interface SubJobCounts {
  /** Sub-jobs that reached SUCCESS or FAIL. */
  readonly done: number;
  /** Of those, the ones that FAILed. */
  readonly failed: number;
  /** Sub-jobs listed so far. */
  readonly total: number;
}

/** A sub-job of a batch job reached SUCCESS or FAIL; emitted exactly once per sub-job. */
export interface SubJobDoneEvent extends SubJobCounts {
  readonly subJob: Job;
  readonly parent: Job;
}

/** A batch job's sub-job counts changed (once per poll that changed them). */
export interface ProgressEvent extends SubJobCounts {
  readonly job: Job;
}

/** A watched job finished (`succeeded`, `failed`, and `done` for either). */
export interface JobDoneEvent {
  readonly job: Job;
}

/** A poll failed and will be retried (the watch itself is not affected). */
export interface PollErrorEvent {
  readonly jobId: string;
  readonly error: EvsError;
  /** Consecutive failed polls of this job, this one included. */
  readonly attempt: number;
  /** Delay before the next poll of this job, in ms. */
  readonly retryIn: number;
}

/** The API throttled us (HTTP 429): every poll of this watcher pauses. */
export interface ThrottledEvent {
  readonly error: ThrottledError;
  /** How long all polling pauses, in ms. */
  readonly pause: number;
  /** The server's `Retry-After`, in ms, when it sent one (then `pause` equals it). */
  readonly retryAfter: number | undefined;
  /** Requests per second allowed when polling resumes. */
  readonly rate: number;
}

/** A watch's timeout elapsed; its promise rejects with `WatchTimeoutError`. */
export interface TimeoutEvent {
  readonly jobId: string;
  /** The timeout that elapsed, in ms. */
  readonly timeout: number;
  /** The last job seen, if any. */
  readonly job: Job | undefined;
}

/** Credentials were refused: the watcher stopped polling and rejected every watch with `error`. */
export interface AuthFailedEvent {
  readonly error: AuthError;
}

/** The watcher's typed event map (eventemitter3). Every payload is one object, so it can grow. */
export interface WatcherEvents {
  statusChange: [event: StatusChangeEvent];
  subJobDone: [event: SubJobDoneEvent];
  progress: [event: ProgressEvent];
  succeeded: [event: JobDoneEvent];
  failed: [event: JobDoneEvent];
  done: [event: JobDoneEvent];
  pollError: [event: PollErrorEvent];
  throttled: [event: ThrottledEvent];
  timeout: [event: TimeoutEvent];
  authFailed: [event: AuthFailedEvent];
}
