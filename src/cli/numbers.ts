import { UsageError } from './usage-error.js';

/**
 * Parses an integer flag in `[min, max]`.
 * @throws {UsageError} naming the flag and the range.
 */
export function parseIntegerFlag(flag: string, text: string, min: number, max: number, command?: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new UsageError(`invalid --${flag} ${JSON.stringify(text)}: expected an integer from ${min} to ${max}`, command);
  }
  return value;
}

/**
 * Parses a number flag in `[min, max]` (decimals allowed).
 * @throws {UsageError} naming the flag and the range.
 */
export function parseNumberFlag(flag: string, text: string, min: number, max: number, command?: string): number {
  const value = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(`invalid --${flag} ${JSON.stringify(text)}: expected a number from ${min} to ${max}`, command);
  }
  return value;
}
