import { EvsError, type EvsErrorOptions } from './evs-error.js';

/** A request got no complete answer within the client's `timeout`. */
export class RequestTimeoutError extends EvsError {
  /** The timeout that elapsed, in ms. */
  readonly timeout: number;

  constructor(timeout: number, options: EvsErrorOptions = {}) {
    super('EVS_TIMEOUT', `request timed out after ${timeout} ms`, options);
    this.timeout = timeout;
  }
}

/** The connection failed (refused, reset, DNS, TLS) before a complete response arrived. */
export class NetworkError extends EvsError {
  constructor(message: string, options: EvsErrorOptions = {}) {
    super('EVS_NETWORK', message, options);
  }
}

/**
 * The operation was aborted by its `AbortSignal`, or by `close()`/`destroy()`.
 * `name` is `AbortError`, like the platform's, so `err.name === 'AbortError'` checks keep working.
 */
export class AbortError extends EvsError {
  constructor(message = 'the operation was aborted', options: EvsErrorOptions = {}) {
    super('EVS_ABORTED', message, options);
    this.name = 'AbortError';
  }
}
