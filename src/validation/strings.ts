import { got } from './numbers.js';

/** A string with at least one character, in the message style of numbers.ts. */
export function assertNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string, got ${got(value)}`);
  }
}
