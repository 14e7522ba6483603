import { fitLogNormal, MAX_SIGMA, MIN_SIGMA, type LogNormal } from './censored-fit.js';
import { binCentre, binOf, HALF_LIFE_HOURS, KEEP_HOURS, MAX_BIN, type TypeStats } from './duration-stats.js';
import { normalQuantile } from './normal.js';

/** The learner's view of one type: log-normal parameters plus how many real samples back them. */
export interface DurationEstimate {
  readonly mu: number;
  readonly sigma: number;
  readonly samples: number;
  /**
   * For jobs that share a pace (siblings): the spread, in ln units, of the factor
   * they share that is still unknown; `sigma` is then their spread around it.
   * @default 0
   */
  readonly shared?: number;
}

/** Finished jobs, plus those seen running beyond the model's 2 % quantile, needed before a model counts as confirmed. */
const CONFIRMING_EVIDENCE = 4;
/** The head quantile past which a running job confirms a model. */
const CONFIRMING_QUANTILE = 0.02;
/** A refit waits until this share of the evidence is new (each of the first samples refits at once). */
const REFIT_SHARE = 0.05;
/** A running job seen older (out of one bin, into the next) is this much of a change: it moves the fit little. */
const RUNNING_CHANGE = 0.35;
/** Finished jobs needed before the mixture model trusts its empirical quantiles over the prior. */
const MIN_MIXTURE = 32;
/** The head quantile the mixture fit matches (the first poll skips about this much of the distribution). */
const HEAD = 0.05;
const BINS = MAX_BIN + 1;

/**
 * Everything known about one job type's durations: finished jobs counted per
 * hour they ended and per log-duration bin, the jobs now running by the age
 * last seen running, and the log-normal fitted to them (refitted once enough
 * is new). A MIXTURE model (every job, before its type is known: mostly short
 * creates, a few hour-long retypes) is fitted through its median and 5 %
 * quantile (Kaplan–Meier) instead, so the few long jobs cannot drag the early quantiles down.
 */
export class TypeModel {
  /** Bumped at every refit: a planner compares it to see the model may have moved. */
  revision = 0;
  /** Its position in the learner, part of the slot of its running jobs. */
  readonly index: number;
  readonly #prior: LogNormal;
  readonly #mixture: boolean;
  /** hour → bin → count. */
  readonly #hours = new Map<number, Map<number, number>>();
  #newest = Number.NEGATIVE_INFINITY;
  /** Finished counts weighted by age, relative to the newest hour. */
  readonly #finished = new Float64Array(BINS);
  #finishedWeight = 0;
  #samples = 0;
  readonly #running = new Float64Array(BINS);
  #remote: Float64Array | undefined;
  #changes = 0;
  #fitWeight = 0;
  #fit: (DurationEstimate & { readonly confirmed: boolean }) | undefined;

  constructor(prior: LogNormal, mixture: boolean, index: number) {
    this.index = index;
    this.#prior = prior;
    this.#mixture = mixture;
  }

  /** `count` jobs that ended in `hour` ran for durations in `bin`. */
  addFinished(bin: number, hour: number, count = 1): void {
    if (hour > this.#newest) {
      this.#newest = hour;
      for (const old of this.#hours.keys()) if (old < hour - KEEP_HOURS) this.#hours.delete(old);
      this.#rebuild();
    }
    if (hour < this.#newest - KEEP_HOURS || !(count > 0)) return;
    let bins = this.#hours.get(hour);
    if (bins === undefined) this.#hours.set(hour, (bins = new Map<number, number>()));
    bins.set(bin, (bins.get(bin) ?? 0) + count);
    const weight = count * 2 ** ((hour - this.#newest) / HALF_LIFE_HOURS);
    this.#finished[bin]! += weight;
    this.#finishedWeight += weight;
    this.#samples += count;
    this.#changes += count;
  }

  /** `delta` jobs more (or fewer, if negative) are running, last seen at an age in `bin`. */
  addRunning(bin: number, delta: number): void {
    this.#running[bin] = Math.max(0, this.#running[bin]! + delta);
    this.#changes += Math.abs(delta) * RUNNING_CHANGE;
  }

  /** Other processes' running jobs (a gauge: replaces what was given before). */
  setRemoteRunning(running: Readonly<Record<string, number>> | undefined): void {
    const entries = Object.entries(running ?? {});
    if (entries.length === 0 && this.#remote === undefined) return;
    this.#remote = entries.length === 0 ? undefined : new Float64Array(BINS);
    for (const [bin, count] of entries) this.#remote![Number(bin)] = count;
    this.#changes += 1;
  }

  /** The fitted model, refitted first when enough is new. */
  estimate(): DurationEstimate {
    return this.#current();
  }

  /** Whether what this watcher saw backs the model (finished jobs, or jobs that outlived its head), not the prior alone. */
  get confirmed(): boolean {
    return this.#current().confirmed;
  }

  /** Counts as plain JSON (finished: hour → bin → count; running: bin → count). */
  stats(): TypeStats {
    const finished: Record<string, Record<string, number>> = {};
    for (const [hour, bins] of this.#hours) finished[hour] = Object.fromEntries(bins);
    const running: Record<string, number> = {};
    for (let bin = 0; bin < BINS; bin++) if (this.#running[bin]! > 0) running[bin] = this.#running[bin]!;
    return { finished, running };
  }

  #current(): DurationEstimate & { readonly confirmed: boolean } {
    if (this.#fit !== undefined && this.#changes < Math.max(1, REFIT_SHARE * this.#fitWeight)) return this.#fit;
    const running = this.#censored();
    let runningWeight = 0;
    for (const count of running) runningWeight += count;
    const fit = (this.#mixture && this.#finishedWeight >= MIN_MIXTURE ? this.#quantileFit(running) : undefined) ?? fitLogNormal({ finished: this.#finished, running }, this.#prior);
    // Running jobs confirm the model once they outlive its head: the part a first poll skips.
    const head = binOf(Math.exp(fit.mu + fit.sigma * normalQuantile(CONFIRMING_QUANTILE)));
    let evidence = this.#finishedWeight;
    for (let bin = head; bin < BINS; bin++) evidence += running[bin]!;
    this.#fit = { mu: fit.mu, sigma: fit.sigma, samples: this.#samples, confirmed: evidence >= CONFIRMING_EVIDENCE };
    this.#fitWeight = this.#finishedWeight + runningWeight;
    this.#changes = 0;
    this.revision += 1;
    return this.#fit;
  }

  #censored(): Float64Array {
    if (this.#remote === undefined) return this.#running;
    const sum = new Float64Array(BINS);
    for (let bin = 0; bin < BINS; bin++) sum[bin] = this.#running[bin]! + this.#remote[bin]!;
    return sum;
  }

  /**
   * A log-normal through the median and {@link HEAD} quantile of the finished
   * and running jobs' Kaplan–Meier estimate (running jobs count as censored, so
   * early finishers do not pull it down); `undefined` while too few have
   * finished for a median.
   */
  #quantileFit(running: Float64Array): LogNormal | undefined {
    let atRisk = this.#finishedWeight;
    for (const count of running) atRisk += count;
    let survival = 1;
    let head: number | undefined;
    for (let bin = 0; bin < BINS; bin++) {
      if (atRisk <= 0) break;
      survival *= 1 - this.#finished[bin]! / atRisk;
      if (head === undefined && survival <= 1 - HEAD) head = binCentre(bin);
      if (survival <= 0.5) {
        const mu = binCentre(bin);
        return { mu, sigma: Math.min(MAX_SIGMA, Math.max(MIN_SIGMA, (mu - head!) / -normalQuantile(HEAD))) };
      }
      atRisk -= this.#finished[bin]! + running[bin]!;
    }
    return undefined;
  }

  /** Recomputes the age weights against the newest hour (a job that ended later arrived). */
  #rebuild(): void {
    this.#finished.fill(0);
    this.#finishedWeight = 0;
    this.#samples = 0;
    for (const [hour, bins] of this.#hours) {
      const weight = 2 ** ((hour - this.#newest) / HALF_LIFE_HOURS);
      for (const [bin, count] of bins) {
        this.#finished[bin]! += count * weight;
        this.#finishedWeight += count * weight;
        this.#samples += count;
      }
    }
    this.#changes += 1;
  }
}
