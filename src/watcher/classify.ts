import { AuthError } from '../errors/auth-error.js';
import { ClosedError } from '../errors/closed-error.js';
import { EvsError } from '../errors/evs-error.js';
import { HttpError } from '../errors/http-error.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import { JobNotFoundError } from '../errors/job-not-found-error.js';
import { NetworkError, RequestTimeoutError } from '../errors/request-errors.js';
import { ThrottledError } from '../errors/throttled-error.js';
import type { PollErrorKind } from './stats.js';

/** What the watcher does about a failed poll. */
export type PollFailure =
  | { readonly action: 'stop-all'; readonly kind: PollErrorKind; readonly error: AuthError }
  | { readonly action: 'pause-all'; readonly kind: PollErrorKind; readonly error: ThrottledError }
  | { readonly action: 'not-found'; readonly kind: PollErrorKind; readonly error: JobNotFoundError }
  | { readonly action: 'retry'; readonly kind: PollErrorKind; readonly error: EvsError }
  | { readonly action: 'reject'; readonly kind: PollErrorKind; readonly error: unknown };

/**
 * Sorts a poll's error: credentials refused stop everything (repeated bad
 * signatures lock the key); throttling pauses everything; a missing job is
 * checked a few times; transient trouble is retried until the deadline; the
 * rest (a 4xx that will not change, a bug in a custom `fetchJob`) rejects that watch only.
 */
export function classifyPollError(error: unknown): PollFailure {
  if (error instanceof AuthError) return { action: 'stop-all', kind: 'auth', error };
  if (error instanceof ThrottledError) return { action: 'pause-all', kind: 'throttled', error };
  if (error instanceof JobNotFoundError) return { action: 'not-found', kind: 'notFound', error };
  if (error instanceof RequestTimeoutError) return { action: 'retry', kind: 'timeout', error };
  if (error instanceof NetworkError) return { action: 'retry', kind: 'network', error };
  if (error instanceof InvalidResponseError) return { action: 'retry', kind: 'invalidResponse', error };
  if (error instanceof HttpError) return error.retryable ? { action: 'retry', kind: 'http', error } : { action: 'reject', kind: 'http', error };
  if (error instanceof ClosedError) return { action: 'reject', kind: 'other', error };
  if (error instanceof EvsError) return { action: 'retry', kind: 'other', error };
  if (error instanceof TypeError) return { action: 'reject', kind: 'other', error };
  const wrapped = new EvsError('EVS_POLL_FAILED', `poll failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  return { action: 'retry', kind: 'other', error: wrapped };
}
