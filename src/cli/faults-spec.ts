import type { FaultOptions, Latency } from '../simulator/options.js';
import { UsageError } from './usage-error.js';

type Probability = 'error500' | 'error503' | 'throttle' | 'reset' | 'malformed' | 'truncated' | 'oversize' | 'notFound' | 'latencyProbability';

const PROBABILITIES: readonly Probability[] = [
  'error500', 'error503', 'throttle', 'reset', 'malformed', 'truncated', 'oversize', 'notFound', 'latencyProbability',
];

/** Keys `--faults` accepts, for the error message. */
const KEYS = [...PROBABILITIES, 'latency', 'retryAfter', 'rateLimit'].join(', ');

const NUMBER = /^\d+(?:\.\d+)?$/;

/**
 * Parses `--faults`, e.g. `throttle=0.05,error503=0.02,latency=200`, into the
 * simulator's {@link FaultOptions}. Probabilities are 0–1; `latency` is ms or
 * `min-max` ms; `retryAfter` is seconds; `rateLimit` is requests per second,
 * optionally `/burst` (`rateLimit=20/40`).
 * @throws {UsageError} naming the bad entry.
 */
export function parseFaults(spec: string): FaultOptions {
  const faults: { -readonly [Key in keyof FaultOptions]: FaultOptions[Key] } = {};
  for (const entry of spec.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [key = '', value = '', extra] = entry.split('=').map((part) => part.trim());
    if (extra !== undefined || value === '') throw bad(entry, 'expected key=value');
    if (isProbability(key)) faults[key] = probability(entry, value);
    else if (key === 'latency') faults.latency = latency(entry, value);
    else if (key === 'retryAfter') faults.throttleRetryAfter = integer(entry, value);
    else if (key === 'rateLimit') faults.rateLimit = rateLimit(entry, value);
    else throw bad(entry, `unknown fault "${key}" (known: ${KEYS})`);
  }
  const total = PROBABILITIES.filter((key) => key !== 'latencyProbability').reduce((sum, key) => sum + (faults[key] ?? 0), 0);
  if (total > 1 + 1e-9) throw new UsageError(`invalid --faults ${JSON.stringify(spec)}: the fault probabilities add up to more than 1`, 'simulate');
  return faults;
}

function isProbability(key: string): key is Probability {
  return (PROBABILITIES as readonly string[]).includes(key);
}

function probability(entry: string, value: string): number {
  const number = NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!(number >= 0 && number <= 1)) throw bad(entry, 'expected a probability from 0 to 1');
  return number;
}

function integer(entry: string, value: string): number {
  if (!/^\d{1,7}$/.test(value)) throw bad(entry, 'expected a whole number of seconds');
  return Number(value);
}

function latency(entry: string, value: string): Latency {
  const [min = '', max] = value.split('-');
  if (!NUMBER.test(min) || (max !== undefined && !NUMBER.test(max))) throw bad(entry, 'expected ms, or min-max ms');
  if (max === undefined) return Number(min);
  if (Number(max) < Number(min)) throw bad(entry, 'expected min <= max');
  return { min: Number(min), max: Number(max) };
}

function rateLimit(entry: string, value: string): { requestsPerSecond: number; burst?: number } {
  const [rate = '', burst] = value.split('/');
  if (!NUMBER.test(rate) || !(Number(rate) > 0) || (burst !== undefined && !/^[1-9]\d*$/.test(burst))) {
    throw bad(entry, 'expected requests per second, optionally /burst (e.g. 20/40)');
  }
  return burst === undefined ? { requestsPerSecond: Number(rate) } : { requestsPerSecond: Number(rate), burst: Number(burst) };
}

function bad(entry: string, why: string): UsageError {
  return new UsageError(`invalid --faults entry ${JSON.stringify(entry)}: ${why}`, 'simulate');
}
