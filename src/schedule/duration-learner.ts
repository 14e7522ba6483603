import { binOf, hourOf, MAX_TYPES, readStats, type DurationStats, type SumCount, type TypeStats } from './duration-stats.js';
import { normalCdf, normalQuantile } from './normal.js';
import { TypeModel, type DurationEstimate } from './type-model.js';

export type { DurationEstimate } from './type-model.js';

/** A belief about a job type's running time: log-normal, given by its median and the σ of its logarithm. */
export interface DurationPrior {
  /** Median duration, in ms. */
  readonly median: number;
  /** Standard deviation of ln(duration); 0.5 means the middle 68 % lie within ×/÷ 1.65 of the median. */
  readonly spread: number;
}

/** What the learner counts: the per-type part of {@link DurationStats}. */
export type LearnerStats = Pick<DurationStats, 'types' | 'overheads'>;

/** Key of the model of every watched job, used before a job's type is known. */
export const ANY_TYPE = '*';
/** Prior for the gap between a batch job's last sub-job ending and the batch itself ending (6 s in the API reference's sample); it counts as one sample. */
const DEFAULT_OVERHEAD = 5_000;
/** A running job's slot in the learner: type index × this + bin. */
const CODE_STRIDE = 256;

/**
 * Learns per job type how long jobs run: from the exact `end_time − begin_time`
 * of every finished job and sub-job, from the jobs still running (each seen
 * running at its age: a right-censored duration), and from priors. Everything
 * it holds is counts (see {@link DurationStats}), so the model does not depend
 * on the order jobs finish in, and two learners' counts add up. Pure state: no clock.
 */
export class DurationLearner {
  readonly #priors: ReadonlyMap<string, DurationPrior>;
  readonly #fallback: DurationPrior;
  readonly #models = new Map<string, TypeModel>();
  /** Models by index, for the codes of running jobs. */
  readonly #indexed: TypeModel[] = [];
  readonly #overheads = new Map<string, { sum: number; count: number }>();

  constructor(priors: Readonly<Record<string, DurationPrior>>, fallback: DurationPrior) {
    this.#priors = new Map(Object.entries(priors));
    this.#fallback = fallback;
  }

  /** Records that a job of `jobType` ran for `duration` ms and ended at `endedAt` (ms since the epoch, server clock). */
  observe(jobType: string, duration: number, endedAt = 0): void {
    if (!(duration >= 0) || !Number.isFinite(duration)) return;
    this.#model(jobType)?.addFinished(binOf(duration), hourOf(endedAt));
  }

  /**
   * Moves `count` running jobs of `jobType` from the slot `previous` (−1 for
   * none) to the age `elapsed` ms; returns their new slot (−1 if untracked).
   * A `watched` job (not a sub-job) also counts for the any-job model.
   */
  running(previous: number, jobType: string, elapsed: number, count = 1, watched = false): number {
    this.release(previous, count);
    const model = this.#model(jobType);
    if (model === undefined) return -1;
    const bin = binOf(elapsed);
    model.addRunning(bin, count);
    const alsoAny = watched && jobType !== ANY_TYPE;
    if (alsoAny) this.#model(ANY_TYPE)!.addRunning(bin, count);
    return (model.index * CODE_STRIDE + bin) * 2 + (alsoAny ? 1 : 0);
  }

  /** `count` running jobs in slot `code` are no longer running (finished, or nobody watches them). */
  release(code: number, count = 1): void {
    if (code < 0) return;
    const slot = Math.floor(code / 2);
    const bin = slot % CODE_STRIDE;
    this.#indexed[Math.floor(slot / CODE_STRIDE)]?.addRunning(bin, -count);
    if (code % 2 === 1) this.#model(ANY_TYPE)!.addRunning(bin, -count);
  }

  /** Records the gap between a batch job's last sub-job end and its own end, in ms. */
  observeOverhead(jobType: string, overhead: number): void {
    if (!(overhead >= 0) || !Number.isFinite(overhead)) return;
    this.#addOverhead(jobType, overhead, 1);
  }

  /** The current log-normal estimate for `jobType` (the any-type model for a type beyond the tracked ones). */
  estimate(jobType: string): DurationEstimate {
    return (this.#model(jobType) ?? this.#model(ANY_TYPE)!).estimate();
  }

  /** Whether the model of `jobType` is backed by what was seen, not by its prior alone (see {@link TypeModel.confirmed}). */
  confirmed(jobType: string): boolean {
    return (this.#model(jobType) ?? this.#model(ANY_TYPE)!).confirmed;
  }

  /** A number that changes whenever the model of `jobType` was refitted. */
  revision(jobType: string): number {
    return (this.#model(jobType) ?? this.#model(ANY_TYPE)!).revision;
  }

  /** Expected gap after a batch's last sub-job before the batch ends, in ms. */
  overhead(jobType: string): number {
    const seen = this.#overheads.get(jobType);
    return seen === undefined ? DEFAULT_OVERHEAD : (DEFAULT_OVERHEAD + seen.sum) / (1 + seen.count);
  }

  /** Every count, as plain JSON: finished jobs (merged ones included) and, unless `running` is false, this learner's own running jobs. */
  stats(running = true): LearnerStats {
    const types: Record<string, TypeStats> = {};
    for (const [type, model] of this.#models) {
      const stats = model.stats();
      types[type] = running ? stats : { finished: stats.finished, running: {} };
    }
    return { types, overheads: Object.fromEntries(Array.from(this.#overheads, ([type, { sum, count }]) => [type, { sum, count }])) };
  }

  /**
   * Adds another learner's finished counts and overheads to this one's. With
   * `gauge`, its running jobs replace the other processes' running jobs given
   * before (they are a gauge); without, they are ignored (a snapshot's). Checked
   * first: nothing is merged from malformed stats.
   * @throws {TypeError} naming the first malformed field.
   */
  merge(stats: LearnerStats, path: string, gauge: boolean): void {
    const checked = readStats({ format: 'evs-job-watcher/stats', version: 1, siblings: {}, ...stats }, path);
    for (const [type, { finished }] of Object.entries(checked.types)) {
      const model = this.#model(type);
      if (model !== undefined) for (const [hour, bins] of Object.entries(finished)) for (const [bin, count] of Object.entries(bins)) model.addFinished(Number(bin), Number(hour), count);
    }
    if (gauge) for (const [type, model] of this.#models) model.setRemoteRunning(checked.types[type]?.running);
    for (const [type, { sum, count }] of Object.entries<SumCount>(checked.overheads)) this.#addOverhead(type, sum, count);
  }

  #addOverhead(jobType: string, sum: number, count: number): void {
    const seen = this.#overheads.get(jobType);
    if (seen !== undefined) {
      seen.sum += sum;
      seen.count += count;
    } else if (this.#overheads.size < MAX_TYPES) {
      this.#overheads.set(jobType, { sum, count });
    }
  }

  #model(jobType: string): TypeModel | undefined {
    let model = this.#models.get(jobType);
    if (model === undefined && (this.#models.size < MAX_TYPES || jobType === ANY_TYPE)) {
      const prior = this.#priors.get(jobType) ?? this.#fallback;
      model = new TypeModel({ mu: Math.log(prior.median), sigma: prior.spread }, jobType === ANY_TYPE, this.#indexed.length);
      this.#models.set(jobType, model);
      this.#indexed.push(model);
    }
    return model;
  }
}

/** The p-quantile of a duration, given that it exceeds `elapsed` ms. */
export function conditionalQuantile(estimate: DurationEstimate, p: number, elapsed: number): number {
  return quantileBeyond(estimate, p, elapsed, survival(estimate, elapsed));
}

/** P(duration > `elapsed`), accurate far into the tail. */
export function survival(estimate: DurationEstimate, elapsed: number): number {
  return elapsed > 0 ? normalCdf((estimate.mu - Math.log(elapsed)) / estimate.sigma) : 1;
}

/** {@link conditionalQuantile} with `left` = {@link survival} at `elapsed` already computed. */
export function quantileBeyond(estimate: DurationEstimate, p: number, elapsed: number, left: number): number {
  // On the survival side, so a job far past its likely end keeps a finite, growing residual life.
  const z = left * (1 - p) > 0.5 ? normalQuantile(1 - left * (1 - p)) : -normalQuantile(left * (1 - p));
  return Math.max(elapsed, Math.exp(estimate.mu + estimate.sigma * z));
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
  const leftAtT = normalCdf((mu - Math.log(t)) / sigma);
  let sum = 0;
  for (const e of elapsed) {
    const leftAtE = e > 0 ? normalCdf((mu - Math.log(e)) / sigma) : 1;
    sum += Math.log(Math.max(1e-300, 1 - leftAtT / Math.max(1e-300, leftAtE)));
  }
  return sum;
}
