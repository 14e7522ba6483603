import { binCentre, BINS_PER_LN } from './duration-stats.js';
import { inverseMills, normalCdf } from './normal.js';

/** A log-normal: μ and σ of ln(duration in ms). */
export interface LogNormal {
  readonly mu: number;
  readonly sigma: number;
}

/** What one job type's durations are fitted from. */
export interface FitData {
  /** Finished jobs: (age-weighted) count per bin. */
  readonly finished: Float64Array;
  /** Running jobs: count per bin of the age each was last seen running at. */
  readonly running: Float64Array;
}

/** The fitted model, and whether the data contradicted the prior (which then kept only its spread). */
export interface Fit extends LogNormal {
  readonly contradicted: boolean;
}

/** Bounds on σ: never certain, never absurd. */
export const MIN_SIGMA = 0.08;
export const MAX_SIGMA = 2.5;
/**
 * The prior's median counts as one finished job: real ones move it at once. Its
 * spread counts as four: job types differ in how long they take far more than
 * in how much they vary, and jobs seen only running must not inflate σ.
 */
const MEDIAN_WEIGHT = 1;
const SPREAD_WEIGHT = 4;
/** Medians further apart than this (ln 4: ×/÷ 4, less for a narrow prior) contradict the prior… */
const CONTRADICTION = Math.log(4);
/** Spread of one bin's durations around its centre (uniform over a bin). */
const BIN_VARIANCE = 1 / (12 * BINS_PER_LN * BINS_PER_LN);

/** The non-empty bins of a fit, with ln(ms) relative to a shift that keeps the numbers small. */
interface Points {
  readonly shift: number;
  /** Finished: x (ln ms − shift) and weight. */
  readonly fx: number[];
  readonly fw: number[];
  /** Running: the lower edge of the bin (it ran at least that long) and count. */
  readonly cx: number[];
  readonly cw: number[];
  readonly finishedWeight: number;
}

/**
 * The maximum a posteriori log-normal of a job type: finished jobs are exact
 * durations, running ones right-censored at the age they were last seen
 * running, and the prior a normal-inverse-gamma belief (its median weighs
 * {@link MEDIAN_WEIGHT} job, its spread {@link SPREAD_WEIGHT}). A function of the counts
 * alone, so the order jobs were seen in cannot change it. When the finished
 * jobs' own fit puts the median more than ×/÷ 4 from the prior's (scaled by the
 * evidence), the prior is contradicted: it keeps its spread but moves to the data.
 */
export function fitLogNormal(data: FitData, prior: LogNormal): Fit {
  const points = collect(data, prior.mu);
  const withPrior = maximize(points, { mu: prior.mu - points.shift, sigma: prior.sigma, median: MEDIAN_WEIGHT, spread: SPREAD_WEIGHT });
  if (points.finishedWeight < 1) return result(withPrior, points.shift, false);
  const own = maximize(points, { mu: 0, sigma: 1, median: 0, spread: 0 });
  const limit = Math.min(2 * prior.sigma, CONTRADICTION) * Math.sqrt(1 + 1 / points.finishedWeight);
  if (Math.abs(own.mu - (prior.mu - points.shift)) <= limit) return result(withPrior, points.shift, false);
  return result(maximize(points, { mu: own.mu, sigma: prior.sigma, median: MEDIAN_WEIGHT, spread: SPREAD_WEIGHT }), points.shift, true);
}

function result(fit: LogNormal, shift: number, contradicted: boolean): Fit {
  return { mu: fit.mu + shift, sigma: fit.sigma, contradicted };
}

function collect(data: FitData, shift: number): Points {
  const points = { shift, fx: [] as number[], fw: [] as number[], cx: [] as number[], cw: [] as number[], finishedWeight: 0 };
  for (let bin = 0; bin < data.finished.length; bin++) {
    const weight = data.finished[bin]!;
    if (weight <= 0) continue;
    points.fx.push(binCentre(bin) - shift);
    points.fw.push(weight);
    points.finishedWeight += weight;
  }
  for (let bin = 0; bin < data.running.length; bin++) {
    const count = data.running[bin]!;
    if (count <= 0) continue;
    points.cx.push(binCentre(bin) - 0.5 / BINS_PER_LN - shift);
    points.cw.push(count);
  }
  return points;
}

/** A prior in the fit: median and spread (relative to the shift), and how many jobs each counts as. */
interface Belief {
  readonly mu: number;
  readonly sigma: number;
  readonly median: number;
  readonly spread: number;
}

/** Golden-section steps on ln σ: the bracket [0.08, 2.5] shrinks to 10⁻⁸ of its width. */
const SIGMA_STEPS = 40;
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * The maximum of the log-posterior: for each σ the best μ is found by Newton's
 * method (the censored normal likelihood and the prior are concave in μ), and σ
 * by golden-section search on ln σ over [{@link MIN_SIGMA}, {@link MAX_SIGMA}].
 * The prior's belief about the median does not widen with σ (a normal on μ
 * apart from the inverse-gamma on σ²), so jobs seen only running move the
 * median, not the spread.
 */
function maximize(points: Points, prior: Belief): LogNormal {
  let mu = startingMu(points, prior);
  const profile = (logSigma: number): number => {
    mu = bestMu(points, prior, Math.exp(logSigma), mu);
    return logPosterior(points, prior, mu, Math.exp(logSigma));
  };
  // Jobs seen only running cannot tell the spread (they always prefer a narrow one): until finished jobs
  // outweigh the prior's spread, σ stays near it.
  const floor = prior.sigma * Math.sqrt(prior.spread / (prior.spread + points.finishedWeight));
  let low = Math.log(Math.min(MAX_SIGMA, Math.max(MIN_SIGMA, floor)));
  let high = Math.log(MAX_SIGMA);
  let left = high - GOLDEN * (high - low);
  let right = low + GOLDEN * (high - low);
  let atLeft = profile(left);
  let atRight = profile(right);
  for (let step = 0; step < SIGMA_STEPS; step++) {
    if (atLeft >= atRight) {
      high = right;
      right = left;
      atRight = atLeft;
      left = high - GOLDEN * (high - low);
      atLeft = profile(left);
    } else {
      low = left;
      left = right;
      atLeft = atRight;
      right = low + GOLDEN * (high - low);
      atRight = profile(right);
    }
  }
  const sigma = Math.exp((low + high) / 2);
  return { mu: bestMu(points, prior, sigma, mu), sigma };
}

/** The weighted mean of the finished jobs and the prior's median: where the search for μ starts. */
function startingMu(points: Points, prior: Belief): number {
  let weight = prior.median;
  let sum = prior.median * prior.mu;
  for (let i = 0; i < points.fx.length; i++) {
    weight += points.fw[i]!;
    sum += points.fw[i]! * points.fx[i]!;
  }
  return weight > 0 ? sum / weight : prior.mu;
}

/** The μ that maximizes the log-posterior at spread `sigma`: Newton's method on a concave function, steps capped at 2σ. */
function bestMu(points: Points, prior: Belief, sigma: number, start: number): number {
  const priorPrecision = prior.median / (prior.sigma * prior.sigma);
  let mu = start;
  for (let step = 0; step < 50; step++) {
    let gradient = priorPrecision * (prior.mu - mu);
    let curvature = -priorPrecision;
    for (let i = 0; i < points.fx.length; i++) {
      gradient += (points.fw[i]! * (points.fx[i]! - mu)) / (sigma * sigma);
      curvature -= points.fw[i]! / (sigma * sigma);
    }
    for (let j = 0; j < points.cx.length; j++) {
      const z = (points.cx[j]! - mu) / sigma;
      const lambda = inverseMills(z);
      gradient += (points.cw[j]! * lambda) / sigma;
      curvature -= (points.cw[j]! * lambda * (lambda - z)) / (sigma * sigma);
    }
    // Only running jobs and no prior: the likelihood keeps rising with μ; the cap keeps the step finite.
    const move = curvature < 0 ? Math.max(-2 * sigma, Math.min(2 * sigma, -gradient / curvature)) : 2 * sigma;
    mu += move;
    if (Math.abs(move) < 1e-10) break;
  }
  return mu;
}

function logPosterior(points: Points, prior: Belief, mu: number, sigma: number): number {
  const logSigma = Math.log(sigma);
  let sum = (-prior.median * (mu - prior.mu) ** 2) / (2 * prior.sigma * prior.sigma) - prior.spread * (logSigma + (prior.sigma * prior.sigma) / (2 * sigma * sigma));
  for (let i = 0; i < points.fx.length; i++) {
    sum -= points.fw[i]! * (logSigma + ((points.fx[i]! - mu) ** 2 + BIN_VARIANCE) / (2 * sigma * sigma));
  }
  for (let j = 0; j < points.cx.length; j++) sum += points.cw[j]! * logSurvival((points.cx[j]! - mu) / sigma);
  return sum;
}

/** ln(1 − Φ(u)), accurate far into the tail. */
function logSurvival(u: number): number {
  if (u > 30) return (-u * u) / 2 - Math.log(u) - 0.5 * Math.log(2 * Math.PI);
  return Math.log(Math.max(1e-300, normalCdf(-u)));
}
