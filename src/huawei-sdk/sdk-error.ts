import { errorFromResponse } from '../client/response-error.js';
import { EvsError } from '../errors/evs-error.js';
import { NetworkError, RequestTimeoutError } from '../errors/request-errors.js';

/** axios's message for its own `timeout` option, which SDK clients accept through `axiosRequestConfig`. */
const AXIOS_TIMEOUT = /^timeout of (\d+)ms exceeded$/;

/**
 * Maps what an SDK call rejected with to the error class that says what to do
 * about it: the watcher stops on {@link AuthError}, pauses on {@link ThrottledError},
 * gives up on {@link JobNotFoundError}, and retries network trouble.
 *
 * The SDK's exceptions (`ClientRequestException` for 4xx, `ServerResponseException`
 * for 5xx, `ServiceResponseException` without a status for network failures) carry
 * `httpStatusCode`, `errorCode`, `errorMsg` and `requestId`; the snake_case spellings
 * are read too. They drop the response headers, so `Retry-After` is read only from an
 * error that kept them (`headers`). Anything else (a bug in the SDK, our own errors) passes unchanged.
 */
export function fromSdkError(error: unknown, jobId: string, serverNow: number): unknown {
  if (error instanceof EvsError || typeof error !== 'object' || error === null) return error;
  const fields = error as Record<string, unknown>;
  const status = numberField(fields['httpStatusCode']) ?? numberField(fields['status']);
  const code = stringField(fields['errorCode']) ?? stringField(fields['error_code']);
  const message = stringField(fields['errorMsg']) ?? stringField(fields['error_msg']);
  const requestId = stringField(fields['requestId']) ?? stringField(fields['request_id']);
  if (status !== undefined) {
    // One mapping from an answer to an error class, the client's: it reads the gateway's error body shape.
    const text = JSON.stringify({ error_code: code, error_msg: message, request_id: requestId });
    return errorFromResponse({ status, text, requestId, retryAfter: header(fields['headers'], 'retry-after'), serverNow }, jobId);
  }
  if (!('httpStatusCode' in fields) && code === undefined) return error;
  const timeout = AXIOS_TIMEOUT.exec(message ?? '');
  if (timeout !== null) return new RequestTimeoutError(Number(timeout[1]), { cause: error });
  return new NetworkError(message ?? 'the SDK request failed without a response', { cause: error });
}

function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A header from a plain headers object (axios lower-cases names; others may not). */
function header(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
  }
  return undefined;
}
