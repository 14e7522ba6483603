import { got } from '../validation/numbers.js';
import { assertOptions } from '../validation/options.js';

/**
 * The keys of an options type, as the list `assertOptions` takes; written as a
 * record so that the compiler insists on every key of `T` and no other.
 */
export function keysOf<T>(keys: { readonly [Key in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}

/**
 * `assertOptions` for a value already typed as its options type: the same
 * checks, without narrowing the caller's type to `Record<string, unknown>`.
 */
export function checkShape(name: string, options: unknown, known: readonly string[]): void {
  assertOptions(name, options, known);
}

/** Refuses anything but an array (without narrowing the caller's type either). */
export function checkList(name: string, value: unknown): void {
  if (!Array.isArray(value)) throw new TypeError(`Expected \`${name}\` to be an array, got ${got(value)}`);
}
