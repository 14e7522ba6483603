/** Option checks shared by the simulator's modules; each throws a `TypeError` naming the option. */

/** Throws unless `value` is a number in `[min, max]` (and an integer when asked). */
export function checkRange(name: string, value: unknown, min: number, max: number, integer = false): number {
  const ok = typeof value === 'number' && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `between ${min} and ${max}`;
    throw new TypeError(`Expected \`${name}\` to be ${kind} ${range}, got \`${String(value)}\` (${typeof value})`);
  }
  return value;
}

/** A probability: a number in `[0, 1]`. */
export function checkProbability(name: string, value: unknown): number {
  return checkRange(name, value, 0, 1);
}

/** A duration or delay: a finite number of ms, ≥ 0. */
export function checkDuration(name: string, value: unknown): number {
  return checkRange(name, value, 0, Number.MAX_SAFE_INTEGER);
}

/** A non-empty string. */
export function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string, got \`${String(value)}\` (${typeof value})`);
  }
  return value;
}

/** A finite number > 0. */
export function checkPositive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`Expected \`${name}\` to be a finite number > 0, got \`${String(value)}\` (${typeof value})`);
  }
  return value;
}
