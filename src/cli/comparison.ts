import type { FinishedJob } from './session.js';

/** Terraform's fixed poller: first poll this long after the job begins, in ms… */
export const FIXED_FIRST_POLL = 5_000;
/** …then one poll every this many ms. */
export const FIXED_INTERVAL = 10_000;

/** p50 and p95 of a set of values. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
}

/** Our polling against a fixed 10-second poller's, on the same jobs. */
export interface Comparison {
  readonly type: 'comparison';
  /** Jobs compared: those seen to finish, with both begin and end times. */
  readonly jobs: number;
  /** Polls sent: ours measured (retries included), the fixed poller's computed. */
  readonly polls: { readonly ours: number; readonly fixed: number };
  /** Detection lag (time from `end_time` to the answer that showed it), in ms. */
  readonly lagMs: { readonly ours: Percentiles; readonly fixed: Percentiles };
}

/** Polls a fixed poller (first after 5 s, then every 10 s) sends on a job that runs `duration` ms: 1 + ⌈max(0, d − 5 s) / 10 s⌉. */
export function fixedPollerPolls(duration: number): number {
  return 1 + Math.ceil(Math.max(0, duration - FIXED_FIRST_POLL) / FIXED_INTERVAL);
}

/** How late that poller notices a job that runs `duration` ms: its last poll's time minus the duration. */
export function fixedPollerLag(duration: number): number {
  return FIXED_FIRST_POLL + FIXED_INTERVAL * (fixedPollerPolls(duration) - 1) - Math.max(0, duration);
}

/** The nearest-rank percentile (`p` in 0–100) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Compares our run with what a fixed poller would have done on the same jobs:
 * its polls and lags computed exactly from each job's begin and end times; ours
 * are `ourPolls` and each job's measured settle time minus its `end_time`.
 */
export function compareWithFixedPoller(finished: readonly FinishedJob[], ourPolls: number): Comparison {
  const timed = finished.filter((job) => job.beginTime !== undefined && job.endTime !== undefined);
  const durations = timed.map((job) => job.endTime! - job.beginTime!);
  const ourLags = timed.map((job) => Math.max(0, job.settledAt - job.endTime!));
  const fixedLags = durations.map(fixedPollerLag);
  return {
    type: 'comparison',
    jobs: timed.length,
    polls: { ours: ourPolls, fixed: durations.reduce((sum, duration) => sum + fixedPollerPolls(duration), 0) },
    lagMs: {
      ours: { p50: percentile(ourLags, 50), p95: percentile(ourLags, 95) },
      fixed: { p50: percentile(fixedLags, 50), p95: percentile(fixedLags, 95) },
    },
  };
}
