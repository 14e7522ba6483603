import { got } from './numbers.js';

/** Whether `value` is an `AbortSignal` (of this realm or another: checked by shape, not by class). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  const signal = value as Partial<AbortSignal> | null;
  return typeof signal === 'object' && signal !== null && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function' && typeof signal.removeEventListener === 'function';
}

/** @throws {TypeError} unless `signal` is undefined or an `AbortSignal`. */
export function assertSignal(name: string, signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !isAbortSignal(signal)) throw new TypeError(`Expected \`${name}\` to be an AbortSignal, got ${got(signal)}`);
}
