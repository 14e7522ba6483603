/**
 * The one public surface of evs-job-watcher. Everything users may import is
 * named here explicitly; anything else is internal and may change.
 * @module evs-job-watcher
 */

export { JobWatcher } from './watcher/job-watcher.js';
export type { FetchJob, JobSource } from './watcher/job-source.js';
export type { Fleet } from './watcher/engine.js';
export type { AddOptions, JobWatcherOptions, Logger, WatchAllOptions, WatcherSettings, WatchOptions } from './watcher/options.js';
export type {
  AuthFailedEvent,
  JobDoneEvent,
  PendingPaymentEvent,
  PollErrorEvent,
  ProgressEvent,
  StatusChangeEvent,
  SubJobCounts,
  SubJobDoneEvent,
  ThrottledEvent,
  TimeoutEvent,
  WatchErrorEvent,
  WatcherEvents,
} from './watcher/events.js';
export type { LearnedState, WatcherSnapshot, WatchSnapshot } from './watcher/snapshot.js';
export { CHANNELS } from './watcher/diagnostics.js';
export type { AuthStopMessage, PollEndMessage, PollOutcome, PollStartMessage, ThrottledMessage } from './watcher/diagnostics.js';
export type { PollErrorKind, WatcherStats } from './watcher/stats.js';
export type { DurationPrior } from './schedule/duration-learner.js';

export { EvsClient } from './client/evs-client.js';
export type { EvsClientOptions, GetJobOptions } from './client/options.js';
export { SERVICES } from './client/endpoint.js';
export type { Service } from './client/endpoint.js';
export type {
  AccessKeyCredentials,
  Credentials,
  Environment,
  TokenCredentials,
  TokenProvider,
  TokenRequest,
} from './client/auth/credentials.js';

export type { FinalJobStatus, Job, JobEntities, JobStatus, JobType, KnownJobType } from './model/job.js';
export { isFinalStatus, PENDING_PAYMENT } from './model/job.js';
export { parseJob, parseJobText } from './model/parse-job.js';
export type { ErrorBody } from './model/error-body.js';
export { parseErrorBody } from './model/error-body.js';

export { EvsError } from './errors/evs-error.js';
export type { EvsErrorOptions } from './errors/evs-error.js';
export { HttpError } from './errors/http-error.js';
export type { HttpErrorOptions } from './errors/http-error.js';
export { ThrottledError } from './errors/throttled-error.js';
export type { ThrottledErrorOptions } from './errors/throttled-error.js';
export { AuthError } from './errors/auth-error.js';
export { JobNotFoundError } from './errors/job-not-found-error.js';
export { InvalidResponseError, ResponseTooLargeError } from './errors/invalid-response-error.js';
export type { InvalidResponseErrorOptions } from './errors/invalid-response-error.js';
export { AbortError, NetworkError, RequestTimeoutError } from './errors/request-errors.js';
export { ClosedError } from './errors/closed-error.js';
export { JobFailedError, WatchTimeoutError } from './errors/watch-errors.js';
export { CredentialsError } from './errors/credentials-error.js';

export type { Clock, TimerHandle } from './clock/clock.js';
export { MAX_DELAY, systemClock } from './clock/clock.js';
export { scaledClock } from './clock/scaled-clock.js';
export { seededRandom } from './clock/seeded-random.js';
export { isSafeId } from './validation/ids.js';
