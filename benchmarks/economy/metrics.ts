import { max, mean, quantile, round } from '../lib/stats.js';
import { durationOf, type Fleet, type FleetJob } from './fleet.js';
import { isLong, type Run } from './simulate.js';

/** One strategy's numbers on one class of jobs. Lags in seconds. */
export interface ClassSummary {
  readonly jobs: number;
  readonly polls: number;
  /** Most polls any one job took. */
  readonly pollsMax: number;
  readonly lagMean: number;
  readonly lagP50: number;
  readonly lagP95: number;
  readonly lagMax: number;
  /** Lag as a fraction of the job's duration (reported for long jobs). */
  readonly lagFractionP95: number;
  readonly lagFractionMax: number;
  readonly peakRps: number;
}

export interface Summary {
  readonly strategy: string;
  readonly all: ClassSummary;
  readonly short: ClassSummary;
  readonly long: ClassSummary;
}

export function summarize(fleet: Fleet, run: Run): Summary {
  const pick = (filter: (job: FleetJob) => boolean, peak: number): ClassSummary => {
    const jobs = fleet.jobs.filter(filter);
    const lags = jobs.map((job) => run.lags[job.index]! / 1000);
    const fractions = jobs.map((job) => run.lags[job.index]! / durationOf(job));
    return {
      jobs: jobs.length,
      polls: round(mean(jobs.map((job) => run.polls[job.index]!)), 3),
      pollsMax: max(jobs.map((job) => run.polls[job.index]!)),
      lagMean: round(mean(lags)),
      lagP50: round(quantile(lags, 0.5)),
      lagP95: round(quantile(lags, 0.95)),
      lagMax: round(max(lags)),
      lagFractionP95: round(quantile(fractions, 0.95), 4),
      lagFractionMax: round(max(fractions), 4),
      peakRps: peak,
    };
  };
  return {
    strategy: run.strategy,
    all: pick(() => true, run.peaks.all),
    short: pick((job) => !isLong(job), run.peaks.short),
    long: pick(isLong, run.peaks.long),
  };
}
