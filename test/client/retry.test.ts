import { describe, expect, it } from 'vitest';
import { isTransient, retryDelay } from '../../src/client/retry.js';
import { AuthError } from '../../src/errors/auth-error.js';
import { HttpError } from '../../src/errors/http-error.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import { JobNotFoundError } from '../../src/errors/job-not-found-error.js';
import { AbortError, NetworkError, RequestTimeoutError } from '../../src/errors/request-errors.js';
import { ThrottledError } from '../../src/errors/throttled-error.js';

describe('isTransient: what a lone getJob retries', () => {
  it.each<[string, unknown]>([
    ['a network error', new NetworkError('ECONNRESET: socket hang up')],
    ['a timeout', new RequestTimeoutError(10_000)],
    ['a 500', new HttpError({ status: 500 })],
    ['a 503', new HttpError({ status: 503 })],
    ['a 429', new ThrottledError({ status: 429, serviceCode: 'APIGW.0308' })],
  ])('retries %s', (_what, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a 401 (five lock the key)', new AuthError({ status: 401, serviceCode: 'APIGW.0301' })],
    ['a 403', new AuthError({ status: 403 })],
    ['Common.0011', new JobNotFoundError('a', { status: 400, serviceCode: 'Common.0011' })],
    ['a 404', new JobNotFoundError('a', { status: 404 })],
    ['another 4xx', new HttpError({ status: 400 })],
    ['a malformed body', new InvalidResponseError('not JSON', { field: '$' })],
    ['an abort', new AbortError('the request was aborted')],
    ['a TypeError', new TypeError('bad input')],
  ])('never retries %s', (_what, error) => {
    expect(isTransient(error)).toBe(false);
  });
});

describe('retryDelay', () => {
  const error = new HttpError({ status: 503 });

  it('waits random(500, min(10 000, 500·2^(retry−1))) ms, like the AWS waiter', () => {
    expect([1, 2, 3, 6, 9].map((retry) => retryDelay(error, retry, () => 0))).toEqual([500, 500, 500, 500, 500]);
    expect([1, 2, 3, 6, 9].map((retry) => retryDelay(error, retry, () => 0.999_999))).toEqual([500, 1_000, 2_000, 10_000, 10_000]);
  });

  it('honours Retry-After exactly, never jittered, up to 60 s', () => {
    expect(retryDelay(new ThrottledError({ status: 429, retryAfter: 3_000 }), 1, () => 0.5)).toBe(3_000);
    expect(retryDelay(new ThrottledError({ status: 429, retryAfter: 60_000 }), 1, () => 0.5)).toBe(60_000);
    expect(retryDelay(new ThrottledError({ status: 429, retryAfter: 60_001 }), 1, () => 0.5)).toBeUndefined();
  });

  it('backs off as usual after a 429 without Retry-After, and gives none for a permanent error', () => {
    expect(retryDelay(new ThrottledError({ status: 429 }), 2, () => 0.5)).toBe(750);
    expect(retryDelay(new AuthError({ status: 401 }), 1, () => 0.5)).toBeUndefined();
  });
});
