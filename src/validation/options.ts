import { got } from './numbers.js';

/**
 * Checks an options object's shape before its values: it is a plain object,
 * every key is one the receiver knows, and no value is `null` (an explicit
 * `undefined` means "the default"; `null` is nearly always a bug upstream).
 * @param name how messages name the object, e.g. `options` or `spec`; keys are quoted as `name.key` unless `name` is empty.
 * @throws {TypeError} naming the first unknown key (and the closest known one) or `null` value.
 */
export function assertOptions(name: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Expected \`${name}\` to be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    const path = name === '' ? key : `${name}.${key}`;
    if (!known.includes(key)) {
      const closest = closestKey(key, known);
      throw new TypeError(`Unknown option \`${path}\`${closest === undefined ? '' : ` (did you mean \`${closest}\`?)`}; known: ${known.join(', ')}`);
    }
    if ((options as Record<string, unknown>)[key] === null) {
      throw new TypeError(`Expected \`${path}\` to be a value, got null: leave it out (or pass undefined) for the default`);
    }
  }
}

/**
 * The keys of an options type, as the list {@link assertOptions} takes; written as a
 * record so that the compiler insists on every key of `T` and no other.
 */
export function keysOf<T>(keys: { readonly [Key in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}

/** @throws {TypeError} unless `value` is an array. */
export function assertList(name: string, value: unknown): void {
  if (!Array.isArray(value)) throw new TypeError(`Expected \`${name}\` to be an array, got ${got(value)}`);
}

/** The known key nearest `key` by edit distance, when it is near enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = key.toLowerCase();
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Levenshtein distance, O(a·b) time and O(b) memory: option names are short. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
