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
  return { mu: fit.mu + shift, sigma: Math.min(MAX_SIGMA, Math.max(MIN_SIGMA, fit.sigma)), contradicted };
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

/**
 * Newton's method on the log-posterior in Olsen's parameters a = μ/σ, b = 1/σ,
 * where it is concave (censored normal likelihood, normal-inverse-gamma prior):
 * one maximum, reached in a few steps from anywhere.
 */
function maximize(points: Points, prior: Belief): LogNormal {
  const objective = (a: number, b: number): number => logPosterior(points, prior, a, b);
  const start = startingPoint(points, prior);
  let b = 1 / start.sigma;
  let a = start.mu * b;
  let value = objective(a, b);
  for (let step = 0; step < 100; step++) {
    const { ga, gb, haa, hab, hbb } = derivatives(points, prior, a, b);
    const det = haa * hbb - hab * hab;
    // The Hessian is negative definite; if rounding says otherwise, climb the gradient instead.
    let da = det > 0 && haa < 0 ? (-hbb * ga + hab * gb) / det : ga * 1e-3;
    let db = det > 0 && haa < 0 ? (hab * ga - haa * gb) / det : gb * 1e-3;
    let improved = false;
    for (let halving = 0; halving < 40; halving++) {
      const nextB = b + db;
      if (nextB > 0) {
        const next = objective(a + da, nextB);
        if (next >= value) {
          a += da;
          b = nextB;
          improved = next - value > 1e-12 * Math.max(1, Math.abs(value));
          value = next;
          break;
        }
      }
      da /= 2;
      db /= 2;
    }
    if (!improved) break;
  }
  return { mu: a / b, sigma: 1 / b };
}

/** Moments of the finished jobs and the prior: close to the maximum whenever few jobs are still running. */
function startingPoint(points: Points, prior: Belief): LogNormal {
  let weight = prior.median;
  let sum = prior.median * prior.mu;
  for (let i = 0; i < points.fx.length; i++) {
    weight += points.fw[i]!;
    sum += points.fw[i]! * points.fx[i]!;
  }
  const mu = sum / weight;
  let squares = prior.spread * prior.sigma * prior.sigma;
  for (let i = 0; i < points.fx.length; i++) squares += points.fw[i]! * (points.fx[i]! - mu) ** 2;
  const sigma = Math.sqrt(squares / Math.max(1e-9, prior.spread + points.finishedWeight));
  return { mu, sigma: Math.min(MAX_SIGMA, Math.max(MIN_SIGMA, sigma)) };
}

function logPosterior(points: Points, prior: Belief, a: number, b: number): number {
  const logB = Math.log(b);
  let sum = (-prior.median * (b * prior.mu - a) ** 2) / 2 + prior.spread * (logB - (b * b * prior.sigma * prior.sigma) / 2);
  for (let i = 0; i < points.fx.length; i++) {
    const r = b * points.fx[i]! - a;
    sum += points.fw[i]! * (logB - (r * r + b * b * BIN_VARIANCE) / 2);
  }
  for (let j = 0; j < points.cx.length; j++) sum += points.cw[j]! * logSurvival(b * points.cx[j]! - a);
  return sum;
}

/** Gradient and Hessian of {@link logPosterior} in (a, b). */
function derivatives(points: Points, prior: Belief, a: number, b: number) {
  const r0 = b * prior.mu - a;
  const s2 = prior.sigma * prior.sigma;
  let ga = prior.median * r0;
  let gb = -prior.median * r0 * prior.mu + prior.spread * (1 / b - b * s2);
  let haa = -prior.median;
  let hab = prior.median * prior.mu;
  let hbb = -prior.median * prior.mu * prior.mu - prior.spread * (1 / (b * b) + s2);
  for (let i = 0; i < points.fx.length; i++) {
    const w = points.fw[i]!;
    const x = points.fx[i]!;
    const r = b * x - a;
    ga += w * r;
    gb += w * (1 / b - r * x - b * BIN_VARIANCE);
    haa -= w;
    hab += w * x;
    hbb -= w * (1 / (b * b) + x * x + BIN_VARIANCE);
  }
  for (let j = 0; j < points.cx.length; j++) {
    const n = points.cw[j]!;
    const c = points.cx[j]!;
    const u = b * c - a;
    const lambda = inverseMills(u);
    const curvature = lambda * (lambda - u);
    ga += n * lambda;
    gb -= n * lambda * c;
    haa -= n * curvature;
    hab += n * curvature * c;
    hbb -= n * curvature * c * c;
  }
  return { ga, gb, haa, hab, hbb };
}

/** ln(1 − Φ(u)), accurate far into the tail. */
function logSurvival(u: number): number {
  if (u > 30) return (-u * u) / 2 - Math.log(u) - 0.5 * Math.log(2 * Math.PI);
  return Math.log(Math.max(1e-300, normalCdf(-u)));
}
