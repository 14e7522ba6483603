import { HttpError, type HttpErrorOptions } from './http-error.js';

export interface ThrottledErrorOptions extends HttpErrorOptions {
  /** Delay the server asked for in `Retry-After`, in ms; absent when it gave none. */
  readonly retryAfter?: number;
}

/** HTTP 429: the API gateway throttled this account (usually `APIGW.0308`). */
export class ThrottledError extends HttpError {
  /** Delay the server asked for, in ms (from `Retry-After`); absent when it gave none. */
  declare readonly retryAfter?: number;

  constructor(options: ThrottledErrorOptions) {
    super(options, 'EVS_THROTTLED');
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}
