import { EvsError, type EvsErrorOptions } from './evs-error.js';

export interface HttpErrorOptions extends EvsErrorOptions {
  readonly status: number;
  /** Service error code from the body, e.g. `APIGW.0308` or `Common.0011`. */
  readonly serviceCode?: string;
  /** Service error message from the body. */
  readonly serviceMessage?: string;
}

/** The service answered with a non-2xx status. */
export class HttpError extends EvsError {
  declare readonly status: number;
  /** Service error code from the body (`error.code` or `error_code`). */
  declare readonly serviceCode?: string;
  /** Service error message from the body (`error.message` or `error_msg`). */
  declare readonly serviceMessage?: string;
  /** Whether repeating the same request later may succeed (5xx, 408, 429). */
  readonly retryable: boolean;

  constructor(options: HttpErrorOptions, code = 'EVS_HTTP_ERROR', message?: string) {
    super(code, message ?? describe(options), options);
    if (options.serviceCode !== undefined) this.serviceCode = options.serviceCode;
    if (options.serviceMessage !== undefined) this.serviceMessage = options.serviceMessage;
    this.retryable = isRetryableStatus(options.status);
  }
}

/** 5xx, 408 (request timeout) and 429 (throttled) are worth retrying; other 4xx are not. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function describe({ status, serviceCode, serviceMessage, requestId }: HttpErrorOptions): string {
  const service = serviceCode === undefined ? '' : ` ${serviceCode}`;
  const detail = serviceMessage === undefined ? '' : `: ${serviceMessage}`;
  const id = requestId === undefined ? '' : ` (request id ${requestId})`;
  return `HTTP ${status}${service}${detail}${id}`;
}
