import { MAX_DELAY } from '../clock/clock.js';

/**
 * Option checks shared by every constructor, with p-queue's exact messages:
 * ``Expected `timeout` to be an integer from 1 to 2147483647, got `0` (number)``.
 */
export function assertInteger(name: string, value: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got ${got(value)}`);
  }
}

/** A finite number in [min, max]. */
export function assertNumber(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new TypeError(`Expected \`${name}\` to be a number from ${min} to ${max}, got ${got(value)}`);
  }
}

/** A delay or duration in ms that a timer can honour: an integer from `min` to 2³¹−1. */
export function assertDelay(name: string, value: unknown, min = 0): asserts value is number {
  assertInteger(name, value, min, MAX_DELAY);
}

/** Describes a bad value for a message, without ever dumping an object. */
export function got(value: unknown): string {
  const shown = typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'array' : 'object') : String(value);
  return `\`${shown}\` (${typeof value})`;
}
