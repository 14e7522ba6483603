/** An HTTP answer: status and JSON (or deliberately broken) body text. */
export interface Answer {
  readonly kind: 'answer';
  readonly status: number;
  readonly body: string;
  /** `Retry-After`, in seconds. */
  readonly retryAfter?: number;
}

/** Destroy the socket without answering. */
export interface Reset {
  readonly kind: 'reset';
}

export type Reply = Answer | Reset;

export const RESET: Reset = { kind: 'reset' };

/** Common.0011 is what EVS answers for a job it does not know (yet). */
const JOB_NOT_FOUND_CODE = 'Common.0011';

export function json(status: number, value: unknown): Answer {
  return { kind: 'answer', status, body: JSON.stringify(value) };
}

/** The EVS service's error shape: `{"error":{"message","code"}}`. */
export function evsError(status: number, code: string, message: string): Answer {
  return json(status, { error: { message, code } });
}

/** The API gateway's error shape: `{"error_msg","error_code","request_id"}`. */
export function gatewayError(status: number, code: string, message: string, requestId: string): Answer {
  return json(status, { error_msg: message, error_code: code, request_id: requestId });
}

export function jobNotFound(): Answer {
  return evsError(400, JOB_NOT_FOUND_CODE, 'query job fail.');
}

export function apiNotFound(requestId: string): Answer {
  return gatewayError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment', requestId);
}

/** HTTP 429 as the gateway sends it; `limit` is in requests per minute. */
export function throttled(limit: number, retryAfter: number | undefined, requestId: string): Answer {
  const message = `The throttling threshold has been reached: policy user over ratelimit,limit:${limit},time:1 minute`;
  const answer = gatewayError(429, 'APIGW.0308', message, requestId);
  return retryAfter === undefined ? answer : { ...answer, retryAfter };
}

/** `Date` header value: an HTTP-date. */
export function httpDate(time: number): string {
  return new Date(time).toUTCString();
}
