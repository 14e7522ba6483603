import { normalCdf, normalQuantile } from './normal.js';

/** A belief about a job type's running time: log-normal, given by its median and the σ of its logarithm. */
export interface DurationPrior {
  /** Median duration, in ms. */
  readonly median: number;
  /** Standard deviation of ln(duration); 0.5 means the middle 68 % lie within ×/÷ 1.65 of the median. */
  readonly spread: number;
}

/** Serializable learner state, part of a watcher snapshot. */
export interface LearnerState {
  /** The log-normal model of each job type. */
  readonly types: Readonly<Record<string, TypeModelState>>;
  /** Gap between a batch's last sub-job end and its own end, by batch type, in ms. */
  readonly overheads: Readonly<Record<string, number>>;
}

/** One job type's model: exponentially weighted statistics of ln(duration in ms). */
export interface TypeModelState {
  /** Mean of ln(duration). */
  readonly mean: number;
  /** Variance of ln(duration). */
  readonly variance: number;
  /** Effective number of samples behind the mean (prior included, capped). */
  readonly weight: number;
  /** Real durations observed. */
  readonly samples: number;
}

/** The learner's view of one type: log-normal parameters plus how many real samples back them. */
export interface DurationEstimate {
  readonly mu: number;
  readonly sigma: number;
  readonly samples: number;
}

/** Key of the model of every watched job, used before a job's type is known. */
export const ANY_TYPE = '*';
/** Past this many effective samples, old ones fade: EVS speed drifts over a day. */
const WINDOW = 200;
/** A prior counts as this many samples, so a few real ones move it quickly. */
const PRIOR_WEIGHT = 3;
/** Bounds on σ: never certain, never absurd. */
const MIN_SIGMA = 0.08;
const MAX_SIGMA = 2.5;
/** Distinct job types tracked; stray strings from a broken server must not grow memory. */
const MAX_TYPES = 128;
/** Prior for the gap between a batch job's last sub-job ending and the batch itself ending (6 s in the API reference's sample). */
const DEFAULT_OVERHEAD = 5_000;

class LogNormalModel {
  mean: number;
  variance: number;
  weight: number;
  samples: number;

  constructor(mean: number, variance: number, weight: number, samples: number) {
    this.mean = mean;
    this.variance = variance;
    this.weight = weight;
    this.samples = samples;
  }

  /** Exponentially weighted Welford update on ln(duration). */
  add(duration: number): void {
    const x = Math.log(Math.max(duration, 1));
    this.weight = Math.min(this.weight + 1, WINDOW);
    this.samples += 1;
    const alpha = 1 / this.weight;
    const delta = x - this.mean;
    this.mean += alpha * delta;
    this.variance = (1 - alpha) * (this.variance + alpha * delta * delta);
  }

  estimate(): DurationEstimate {
    const sigma = Math.min(MAX_SIGMA, Math.max(MIN_SIGMA, Math.sqrt(this.variance)));
    return { mu: this.mean, sigma, samples: this.samples };
  }
}

/**
 * Learns per job type how long jobs run, from the exact `end_time − begin_time`
 * of every finished job and sub-job, starting from priors. Pure state: no clock.
 */
export class DurationLearner {
  readonly #priors: ReadonlyMap<string, DurationPrior>;
  readonly #fallback: DurationPrior;
  readonly #models = new Map<string, LogNormalModel>();
  readonly #overheads = new Map<string, number>();
  readonly #mixture = new RecentQuantiles();

  constructor(priors: Readonly<Record<string, DurationPrior>>, fallback: DurationPrior) {
    this.#priors = new Map(Object.entries(priors));
    this.#fallback = fallback;
  }

  /** Records that a job of `jobType` ran for `duration` ms. */
  observe(jobType: string, duration: number): void {
    if (!(duration >= 0) || !Number.isFinite(duration)) return;
    this.#model(jobType)?.add(duration);
    if (jobType === ANY_TYPE) this.#mixture.add(duration);
  }

  /** Records the gap between a batch job's last sub-job end and its own end, in ms. */
  observeOverhead(jobType: string, overhead: number): void {
    if (!(overhead >= 0) || !Number.isFinite(overhead)) return;
    const previous = this.#overheads.get(jobType) ?? DEFAULT_OVERHEAD;
    if (this.#overheads.size < MAX_TYPES || this.#overheads.has(jobType)) this.#overheads.set(jobType, previous + (overhead - previous) / 4);
  }

  /** The current log-normal estimate for `jobType`. */
  estimate(jobType: string): DurationEstimate {
    if (jobType === ANY_TYPE) return this.#mixture.estimate() ?? this.#model(ANY_TYPE)!.estimate();
    return (this.#model(jobType) ?? this.#model(ANY_TYPE)!).estimate();
  }

  /** Expected gap after a batch's last sub-job before the batch ends, in ms. */
  overhead(jobType: string): number {
    return this.#overheads.get(jobType) ?? DEFAULT_OVERHEAD;
  }

  /** Serializable state, for snapshots. */
  state(): LearnerState {
    const types: Record<string, LearnerState['types'][string]> = {};
    for (const [type, { mean, variance, weight, samples }] of this.#models) types[type] = { mean, variance, weight, samples };
    return { types, overheads: Object.fromEntries(this.#overheads) };
  }

  /**
   * Loads state saved by {@link state}.
   * @throws {TypeError} naming the first malformed field (nothing is loaded then).
   */
  load(state: LearnerState): void {
    const types = plainObject(state, 'snapshot.learned.learner') && plainObject(state.types, 'snapshot.learned.learner.types') ? state.types : {};
    const overheads = plainObject(state.overheads, 'snapshot.learned.learner.overheads') ? state.overheads : {};
    const models: [string, LogNormalModel][] = [];
    for (const [type, saved] of Object.entries(types)) {
      const path = `snapshot.learned.learner.types.${type}`;
      plainObject(saved, path);
      const { mean, variance, weight, samples } = saved;
      if (![mean, variance, weight, samples].every(Number.isFinite) || variance < 0 || weight < 0 || samples < 0 || Math.abs(mean) > 50) {
        throw new TypeError(`Expected \`${path}\` to be { mean, variance ≥ 0, weight ≥ 0, samples ≥ 0 } of finite numbers`);
      }
      models.push([type, new LogNormalModel(mean, variance, Math.min(Math.max(1, weight), WINDOW), samples)]);
    }
    for (const [type, overhead] of Object.entries(overheads)) {
      if (!Number.isFinite(overhead) || overhead < 0) throw new TypeError(`Expected \`snapshot.learned.learner.overheads.${type}\` to be a finite number ≥ 0`);
    }
    for (const [type, model] of models) if (this.#models.size < MAX_TYPES || this.#models.has(type)) this.#models.set(type, model);
    for (const [type, overhead] of Object.entries(overheads)) this.observeOverhead(type, overhead);
  }

  #model(jobType: string): LogNormalModel | undefined {
    let model = this.#models.get(jobType);
    if (model === undefined && (this.#models.size < MAX_TYPES || jobType === ANY_TYPE)) {
      const prior = this.#priors.get(jobType) ?? this.#fallback;
      model = new LogNormalModel(Math.log(prior.median), prior.spread * prior.spread, PRIOR_WEIGHT, 0);
      this.#models.set(jobType, model);
    }
    return model;
  }
}

/** Recent durations kept for the "any job" model. */
const RECENT = 256;
/** Samples between two refits of the "any job" model. */
const REFIT = 16;
/** Real samples needed before the "any job" model trusts them over its mean and variance. */
const MIN_RECENT = 32;

/**
 * The "any job" model (used before a job's type is known) is a MIXTURE: mostly
 * short creates, a few hour-long retypes. A mean-and-variance fit lets the few
 * long ones drag the early quantiles down (first polls come too soon); so this
 * one fits a log-normal through the EMPIRICAL median and head quantile of the
 * recent durations, which is what the first poll is planned from.
 */
class RecentQuantiles {
  readonly #values = new Float64Array(RECENT);
  #count = 0;
  #cached: DurationEstimate | undefined;

  add(duration: number): void {
    this.#values[this.#count % RECENT] = Math.log(Math.max(1, duration));
    this.#count += 1;
  }

  estimate(): DurationEstimate | undefined {
    if (this.#count < MIN_RECENT) return undefined;
    // Re-sorted every REFIT samples, not every one: the fit moves slowly and a sort costs ~10 µs.
    if (this.#cached !== undefined && this.#count - this.#cached.samples < REFIT) return this.#cached;
    const sorted = this.#values.slice(0, Math.min(this.#count, RECENT)).sort();
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    const mu = at(0.5);
    const sigma = Math.min(MAX_SIGMA, Math.max(MIN_SIGMA, (mu - at(HEAD)) / -normalQuantile(HEAD)));
    this.#cached = { mu, sigma, samples: this.#count };
    return this.#cached;
  }
}

function plainObject(value: unknown, path: string): true {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`Expected \`${path}\` to be an object`);
  return true;
}

/** The head quantile the mixture fit matches (the first poll skips about this much of the distribution). */
const HEAD = 0.05;

/** The p-quantile of a duration, given that it exceeds `elapsed` ms. */
export function conditionalQuantile(estimate: DurationEstimate, p: number, elapsed: number): number {
  const { mu, sigma } = estimate;
  const done = elapsed > 0 ? normalCdf((Math.log(elapsed) - mu) / sigma) : 0;
  const target = done + p * (1 - done);
  return Math.max(elapsed, Math.exp(mu + sigma * normalQuantile(target)));
}

/**
 * The p-quantile of the LAST of several running jobs to finish, each given it
 * has run `elapsed[i]` ms: a batch job ends when its slowest sub-job does.
 */
export function maxQuantile(estimate: DurationEstimate, p: number, elapsed: readonly number[]): number {
  if (elapsed.length === 0) return 0;
  if (elapsed.length === 1) return conditionalQuantile(estimate, p, elapsed[0]!);
  // Bisect on ln(t): P(max ≤ t) = Π P(Dᵢ ≤ t | Dᵢ > eᵢ) is increasing in t.
  const logP = Math.log(p);
  let longest = 1;
  for (const e of elapsed) longest = Math.max(longest, e);
  let low = Math.log(longest);
  // The bracket reaches past the bulk of the distribution as well as past the longest elapsed time.
  let high = Math.max(low, estimate.mu) + 12 * estimate.sigma + 1;
  for (let step = 0; step < 40; step++) {
    const mid = (low + high) / 2;
    if (logProbAllDone(estimate, Math.exp(mid), elapsed) < logP) low = mid;
    else high = mid;
  }
  return Math.exp(high);
}

function logProbAllDone(estimate: DurationEstimate, t: number, elapsed: readonly number[]): number {
  const { mu, sigma } = estimate;
  const atT = normalCdf((Math.log(t) - mu) / sigma);
  let sum = 0;
  for (const e of elapsed) {
    const atE = e > 0 ? normalCdf((Math.log(e) - mu) / sigma) : 0;
    sum += Math.log(Math.max(1e-300, (atT - atE) / Math.max(1e-300, 1 - atE)));
  }
  return sum;
}
