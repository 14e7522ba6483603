import { HttpError, type HttpErrorOptions } from './http-error.js';

/**
 * HTTP 401/403: credentials were refused. Never retried automatically:
 * repeated bad AK/SK signatures lock the access key for minutes.
 */
export class AuthError extends HttpError {
  override readonly retryable = false;

  constructor(options: HttpErrorOptions) {
    super(options, 'EVS_AUTH');
  }
}
