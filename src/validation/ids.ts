import { got } from './numbers.js';

/**
 * Ids go into the URL path: anything that could change the path on the wire
 * (`/`, `?`, `#`, `%`, `..`, whitespace, control characters) is refused before
 * any request. Real ids are 32 hex characters (jobs, projects) or UUIDs.
 */
const SAFE_ID = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_-])?$/;

/** Whether `id` is safe to place in a URL path segment. */
export function isSafeId(id: unknown): id is string {
  return typeof id === 'string' && SAFE_ID.test(id) && !id.includes('..');
}

/** @throws {TypeError} when `id` is not a safe path segment, naming the parameter and quoting the value. */
export function assertSafeId(name: string, id: unknown): asserts id is string {
  if (!isSafeId(id)) {
    throw new TypeError(
      `Expected \`${name}\` to be 1-128 characters of A-Z a-z 0-9 _ - . (no "..", not starting or ending with "."), got ${describe(id)}`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return got(value);
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}
