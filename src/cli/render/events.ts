/**
 * What the CLI reports while it watches: the renderers' input, and (as NDJSON,
 * with a `time` field added) the `--json` output. Field names are stable; a
 * field with no value is `null`, never missing.
 */

/** Why a job could not be watched. */
export type NotWatchedReason = 'auth' | 'notFound' | 'rejected';

/** Watching begins. */
export interface StartEvent {
  readonly type: 'start';
  /** Jobs to watch (the demo's planned total). */
  readonly jobs: number;
  readonly endpoint: string;
  readonly projectId: string;
  readonly service: string;
}

/** A job's status was first seen, or changed. */
export interface StatusEvent {
  readonly type: 'status';
  readonly jobId: string;
  readonly jobType: string;
  readonly status: string;
  readonly previous: string | null;
  /** Sub-jobs listed, for batch jobs; 0 for single jobs. */
  readonly subJobs: number;
}

/** A batch job's sub-job counts changed. */
export interface ProgressEvent {
  readonly type: 'progress';
  readonly jobId: string;
  readonly jobType: string;
  readonly done: number;
  readonly failed: number;
  readonly total: number;
}

/** A job ended in SUCCESS. */
export interface SucceededEvent {
  readonly type: 'succeeded';
  readonly jobId: string;
  readonly jobType: string;
  /** `end_time − begin_time`, in ms. */
  readonly durationMs: number | null;
}

/** A job ended in FAIL. */
export interface FailedEvent {
  readonly type: 'failed';
  readonly jobId: string;
  readonly jobType: string;
  readonly durationMs: number | null;
  readonly errorCode: string | null;
  readonly failReason: string | null;
  /** For batch jobs: sub-jobs that failed, and all sub-jobs (0 and 0 for single jobs). */
  readonly subJobsFailed: number;
  readonly subJobs: number;
}

/** A job did not finish within `--timeout`. */
export interface TimeoutEvent {
  readonly type: 'timeout';
  readonly jobId: string;
  readonly timeoutMs: number;
  readonly lastStatus: string | null;
}

/** A job could not be watched: credentials refused, no such job, or another answer that will not change. */
export interface NotWatchedEvent {
  readonly type: 'notWatched';
  readonly jobId: string;
  readonly reason: NotWatchedReason;
  /** The library's error code, e.g. `EVS_JOB_NOT_FOUND`. */
  readonly code: string;
  readonly message: string;
}

/** The API throttled us (HTTP 429): every poll pauses. */
export interface ThrottledEvent {
  readonly type: 'throttled';
  readonly pauseMs: number;
  readonly retryAfterMs: number | null;
  /** Requests per second allowed when polling resumes; `null` for unlimited. */
  readonly rate: number | null;
}

/** Credentials were refused: polling stopped for every job. */
export interface AuthFailedEvent {
  readonly type: 'authFailed';
  readonly status: number;
  readonly code: string | null;
  readonly message: string;
}

/** A poll failed and will be retried. */
export interface PollErrorEvent {
  readonly type: 'pollError';
  readonly jobId: string;
  /** The library's error code, e.g. `EVS_NETWORK`. */
  readonly code: string;
  /** HTTP status of the failed answer, when there was one. */
  readonly status: number | null;
  /** The system's code for a failed connection, e.g. `ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`. */
  readonly cause: string | null;
  readonly message: string;
  readonly attempt: number;
  readonly retryInMs: number;
}

/** A signal stopped the watch; unfinished jobs are reported in the summary. */
export interface InterruptedEvent {
  readonly type: 'interrupted';
  readonly signal: string;
  readonly unfinished: number;
}

/** Every event a renderer receives. */
export type CliEvent =
  | StartEvent
  | StatusEvent
  | ProgressEvent
  | SucceededEvent
  | FailedEvent
  | TimeoutEvent
  | NotWatchedEvent
  | ThrottledEvent
  | AuthFailedEvent
  | PollErrorEvent
  | InterruptedEvent;
