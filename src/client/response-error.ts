import { AuthError } from '../errors/auth-error.js';
import { HttpError } from '../errors/http-error.js';
import { JobNotFoundError } from '../errors/job-not-found-error.js';
import { ThrottledError } from '../errors/throttled-error.js';
import { parseErrorBody } from '../model/error-body.js';
import { parseRetryAfter } from './retry-after.js';

/** A non-2xx response, read and capped. */
export interface FailedResponse {
  readonly status: number;
  readonly text: string;
  readonly requestId: string | undefined;
  readonly retryAfter: string | undefined;
  /** The server's clock at the time of the response, in ms. */
  readonly serverNow: number;
}

/** EVS's "no such job" code; it comes with HTTP 400. */
const JOB_NOT_FOUND_CODE = 'Common.0011';

/** Maps a non-2xx response about `jobId` to the error class that says what to do about it. */
export function errorFromResponse(response: FailedResponse, jobId: string): HttpError {
  const body = parseErrorBody(response.text);
  const requestId = response.requestId ?? body.requestId;
  const options = {
    status: response.status,
    ...(body.code !== undefined && { serviceCode: body.code }),
    ...(body.message !== undefined && { serviceMessage: body.message }),
    ...(requestId !== undefined && { requestId }),
  };
  if (response.status === 429) {
    const retryAfter = parseRetryAfter(response.retryAfter, response.serverNow);
    return new ThrottledError({ ...options, ...(retryAfter !== undefined && { retryAfter }) });
  }
  if (response.status === 401 || response.status === 403) return new AuthError(options);
  if (isNotFound(response.status, body.code)) return new JobNotFoundError(jobId, options);
  return new HttpError(options);
}

/** 400 `Common.0011` from EVS; a 404 from a gateway, unless it says the API itself does not exist (`APIGW.*`). */
function isNotFound(status: number, code: string | undefined): boolean {
  if (status === 400) return code === JOB_NOT_FOUND_CODE;
  return status === 404 && !code?.startsWith('APIGW.');
}
