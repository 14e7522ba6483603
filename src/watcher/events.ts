import type { AuthError } from '../errors/auth-error.js';
import type { EvsError } from '../errors/evs-error.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import type { Job } from '../model/job.js';

/** A watched job's status changed; the first observation counts (then `previous` is undefined). Sub-jobs do not emit it. */
export interface StatusChangeEvent {
  /** The watched job. */
  readonly jobId: string;
  /** The job as just read. */
  readonly job: Job;
  /** Its new status (`job.status`). */
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
  /** The sub-job that finished, as listed in its parent. */
  readonly subJob: Job;
  /** The batch job, as just read. */
  readonly parent: Job;
}

/** A batch job's sub-job counts changed (once per poll that changed them). */
export interface ProgressEvent extends SubJobCounts {
  /** The batch job, as just read. */
  readonly job: Job;
}

/** A watched job reported `PENDING_PAYMENT`: its order waits to be paid; it is polled every `pendingPaymentInterval` meanwhile. */
export interface PendingPaymentEvent {
  /** The watched job. */
  readonly jobId: string;
  /** The job as just read. */
  readonly job: Job;
}

/** A watched job finished (`succeeded`, `failed`, and `done` for either). */
export interface JobDoneEvent {
  /** The final job. */
  readonly job: Job;
}

/** A poll failed and will be retried (the watch itself is not affected). */
export interface PollErrorEvent {
  /** The job whose poll failed. */
  readonly jobId: string;
  /** Why the poll failed (network, timeout, HTTP status, bad body, not found yet). */
  readonly error: EvsError;
  /** Consecutive failed polls of this job, this one included. */
  readonly attempt: number;
  /** Delay before the next poll of this job, in ms. */
  readonly retryIn: number;
}

/** The API throttled us (HTTP 429): every poll of this watcher pauses. */
export interface ThrottledEvent {
  /** The 429 that started the pause. */
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
  /** The job that did not finish in time. */
  readonly jobId: string;
  /** The timeout that elapsed, in ms. */
  readonly timeout: number;
  /** The job read by the last poll before the deadline, when it succeeded (see `WatchTimeoutError.job`). */
  readonly job: Job | undefined;
}

/**
 * A watch ended with an error instead of a final status: the job is unknown
 * (`JobNotFoundError`), the service refused the request for good (a
 * non-retryable `HttpError`), or `fetchJob` has a bug (`TypeError`). Its
 * callers' promises reject with `error`; `add()` subscriptions learn it here.
 * Not emitted for timeouts (`timeout`), refused credentials (`authFailed`), nor aborts and `close()`.
 */
export interface WatchErrorEvent {
  /** The job whose watch ended. */
  readonly jobId: string;
  /** Why. */
  readonly error: unknown;
}

/** Credentials were refused: the watcher stopped polling and rejected every watch with `error`. */
export interface AuthFailedEvent {
  /** The 401/403 answer; every watch rejected with it. */
  readonly error: AuthError;
}

/** The watcher's typed event map (eventemitter3). Every payload is one object, so it can grow. */
export interface WatcherEvents {
  /** Every observed status transition of a watched job, the first observation included. */
  statusChange: [event: StatusChangeEvent];
  /** A sub-job of a batch job finished; exactly once per sub-job. */
  subJobDone: [event: SubJobDoneEvent];
  /** A batch job's sub-job counts changed. */
  progress: [event: ProgressEvent];
  /** A watched job's order waits to be paid (ECS/BMS `PENDING_PAYMENT`); emitted when it starts to. */
  pendingPayment: [event: PendingPaymentEvent];
  /** A watched job ended in SUCCESS. */
  succeeded: [event: JobDoneEvent];
  /** A watched job ended in FAIL. */
  failed: [event: JobDoneEvent];
  /** A watched job ended, either way. */
  done: [event: JobDoneEvent];
  /** A poll failed and will be retried. */
  pollError: [event: PollErrorEvent];
  /** The API throttled us: all polling pauses. */
  throttled: [event: ThrottledEvent];
  /** A watch's timeout elapsed. */
  timeout: [event: TimeoutEvent];
  /** A watch ended with an error (not found, refused, a bug in `fetchJob`). */
  watchError: [event: WatchErrorEvent];
  /** Credentials were refused: polling stopped. */
  authFailed: [event: AuthFailedEvent];
}
