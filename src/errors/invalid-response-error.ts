import { EvsError, type EvsErrorOptions } from './evs-error.js';

export interface InvalidResponseErrorOptions extends EvsErrorOptions {
  /** Path of the offending field in the wire body, e.g. `entities.sub_jobs[2].status`; `$` for the whole body. */
  readonly field: string;
}

/** The service answered 2xx with a body that is not a valid job. Retryable: it may be a truncated read. */
export class InvalidResponseError extends EvsError {
  /** Path of the offending field in the wire body; `$` for the whole body. */
  readonly field: string;

  constructor(message: string, options: InvalidResponseErrorOptions, code = 'EVS_INVALID_RESPONSE') {
    super(code, `invalid response: ${options.field === '$' ? '' : `${options.field}: `}${message}`, options);
    this.field = options.field;
  }
}

/** The response body exceeded the client's `maxResponseSize`; reading stopped there. */
export class ResponseTooLargeError extends InvalidResponseError {
  /** The cap that was exceeded, in bytes. */
  readonly limit: number;

  constructor(limit: number, options: EvsErrorOptions = {}) {
    super(`body larger than ${limit} bytes`, { ...options, field: '$' }, 'EVS_RESPONSE_TOO_LARGE');
    this.limit = limit;
  }
}
