import type { DurationEstimate } from './duration-learner.js';
import { inverseMills } from './normal.js';

/**
 * What a group of related jobs (siblings, e.g. the sub-jobs of one batch) says
 * so far: how many finished and their log-duration residuals, and how many are
 * still running and for how long.
 */
export interface SiblingEvidence {
  /** Siblings that finished. */
  readonly finished: number;
  /** Sum of their residuals, ln(duration) − μ of their type. */
  readonly residualSum: number;
  /** Siblings still running (not counting the job being planned). */
  readonly running: number;
  /** How long those have run, on average, in ms. */
  readonly runningElapsed: number;
}

/** Pooled spread of one sub-job type: sum of squared deviations and degrees of freedom. */
export interface SpreadStats {
  /** Sum of squared log-duration deviations from each batch's own mean. */
  readonly ss: number;
  /** Degrees of freedom (sub-jobs minus one, summed over batches). */
  readonly dof: number;
}

/** The learned within-batch spread of sub-job durations, by sub-job type (serializable). */
export type SiblingState = Readonly<Record<string, SpreadStats>>;

/** Within-group spread is trusted after this many degrees of freedom. */
const MIN_DOF = 20;
/** Below this share of the total variance, what siblings share is treated as nothing. */
const MIN_SHARED = 0.1;
/** Distinct keys tracked; stray job types must not grow memory. */
const MAX_KEYS = 128;

/**
 * Learns how much durations spread WITHIN a group of siblings (the sub-jobs of
 * one batch), pooled over finished groups, per key. Compared with the total
 * spread of the type, it says how much siblings share: nothing, when they are
 * independent, and then estimates pass through {@link withSiblings} unchanged.
 */
export class WithinSpread {
  readonly #within = new Map<string, { ss: number; dof: number }>();

  /** Adds a group's sum of squared log-duration deviations from its own mean, with `dof` = members − 1. */
  add(key: string, ss: number, dof: number): void {
    if (!Number.isFinite(ss) || ss < 0 || !(dof > 0)) return;
    const stats = this.#within.get(key);
    if (stats === undefined) {
      if (this.#within.size < MAX_KEYS) this.#within.set(key, { ss, dof });
      return;
    }
    stats.ss += ss;
    stats.dof += dof;
  }

  /** The pooled within-group variance of log-durations for `key`, once trusted. */
  variance(key: string): number | undefined {
    const stats = this.#within.get(key);
    return stats === undefined || stats.dof < MIN_DOF ? undefined : stats.ss / stats.dof;
  }

  state(): SiblingState {
    return Object.fromEntries(Array.from(this.#within, ([key, { ss, dof }]) => [key, { ss, dof }]));
  }

  /**
   * Adds saved sums (they add up across processes: no cap, no fading).
   * @throws {TypeError} naming the first malformed entry of `path` (nothing is loaded then).
   */
  load(state: SiblingState, path: string): void {
    const entries = Object.entries(state);
    for (const [key, stats] of entries) {
      const { ss, dof } = (stats ?? {}) as Partial<SpreadStats>;
      if (typeof ss !== 'number' || typeof dof !== 'number' || !(ss >= 0) || !(dof > 0) || !Number.isFinite(ss + dof)) {
        throw new TypeError(`Expected \`${path}.${key}\` to be { ss ≥ 0, dof > 0 } of finite numbers`);
      }
    }
    for (const [key, { ss, dof }] of entries) this.add(key, ss, dof);
  }
}

/**
 * A job's duration estimate given its siblings: the shared factor g of the
 * group is estimated (MAP, with the finished siblings' residuals and the
 * still-running ones as censored observations): the estimate is the
 * within-group spread around μ + g, with the uncertainty left about g as its shared part.
 */
export function withSiblings(estimate: DurationEstimate, withinVariance: number | undefined, evidence: SiblingEvidence): DurationEstimate {
  if (withinVariance === undefined || (evidence.finished === 0 && evidence.running === 0)) return estimate;
  const total = estimate.sigma * estimate.sigma;
  const within = Math.min(withinVariance, total);
  const shared = total - within;
  if (shared < MIN_SHARED * total || within <= 0) return estimate;
  const sigmaW = Math.sqrt(within);
  const censoredAt = Math.log(evidence.runningElapsed) - estimate.mu;
  // d/dg of the log-posterior is decreasing in g: bisect for its zero.
  const slope = (g: number): number =>
    -g / shared + (evidence.residualSum - evidence.finished * g) / within + (evidence.running * inverseMills((censoredAt - g) / sigmaW)) / sigmaW;
  let low = -4 * Math.sqrt(shared) - 4 * sigmaW;
  let high = -low;
  for (let step = 0; step < 32; step++) {
    const mid = (low + high) / 2;
    if (slope(mid) > 0) low = mid;
    else high = mid;
  }
  const g = (low + high) / 2;
  const remaining = 1 / (1 / shared + evidence.finished / within);
  return { mu: estimate.mu + g, sigma: sigmaW, samples: estimate.samples, shared: Math.sqrt(remaining) };
}
