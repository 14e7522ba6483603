import { assertNumber } from '../validation/numbers.js';
import { assertOptions } from '../validation/options.js';
import type { DurationDistribution } from './options.js';

/** Spread of the default duration's logarithm: most jobs take 15–45 s, like real volume jobs. */
const DEFAULT_SIGMA = 0.35;

/** The RUNNING time of API-created jobs unless `apiJobs.duration` says otherwise. */
export const DEFAULT_API_DURATION: DurationDistribution = { median: 25_000, sigma: DEFAULT_SIGMA };

/** A span on a simulated timeline, in ms: any number from 0 (no timer waits on it, so 2³¹−1 does not bound it). */
export function assertTimeSpan(name: string, value: unknown): asserts value is number {
  assertNumber(name, value, 0, Number.MAX_SAFE_INTEGER);
}

/** Throws a `TypeError` unless `value` is a valid {@link DurationDistribution}. */
export function assertDistribution(name: string, value: DurationDistribution): void {
  // Anything but an object is read as a fixed duration, so a bad one is named as such.
  if (typeof value !== 'object' || value === null) {
    assertTimeSpan(name, value);
    return;
  }
  assertOptions(name, value, ['median', 'sigma']);
  assertTimeSpan(`${name}.median`, value.median);
  if (value.sigma !== undefined) assertNumber(`${name}.sigma`, value.sigma, 0, 10);
}

/** Draws a whole number of ms from `distribution`, using only `random`. */
export function sampleDuration(distribution: DurationDistribution, random: () => number): number {
  if (typeof distribution === 'number') return distribution;
  const sigma = distribution.sigma ?? DEFAULT_SIGMA;
  return Math.round(distribution.median * Math.exp(sigma * standardNormal(random)));
}

/** Box–Muller; `1 - random()` keeps the logarithm's argument in (0, 1]. */
function standardNormal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
