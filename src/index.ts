// The one public surface of evs-job-watcher. Everything users may import is
// named here explicitly; anything else is internal and may change.

export { EvsClient } from './client/evs-client.js';
export type { EvsClientOptions, GetJobOptions } from './client/options.js';
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
export { isFinalStatus } from './model/job.js';
export { parseJob, parseJobText } from './model/parse-job.js';
export type { ErrorBody } from './model/error-body.js';
export { parseErrorBody } from './model/error-body.js';

export { EvsError } from './errors/evs-error.js';
export type { EvsErrorOptions } from './errors/evs-error.js';
export { HttpError } from './errors/http-error.js';
export { ThrottledError } from './errors/throttled-error.js';
export { AuthError } from './errors/auth-error.js';
export { JobNotFoundError } from './errors/job-not-found-error.js';
export { InvalidResponseError, ResponseTooLargeError } from './errors/invalid-response-error.js';
export { AbortError, NetworkError, RequestTimeoutError } from './errors/request-errors.js';
export { ClosedError } from './errors/closed-error.js';
export { CredentialsError } from './errors/credentials-error.js';

export type { Clock, TimerHandle } from './clock/clock.js';
export { MAX_DELAY, systemClock } from './clock/clock.js';
export { scaledClock } from './clock/scaled-clock.js';
export { seededRandom } from './clock/seeded-random.js';
export { isSafeId } from './validation/ids.js';
