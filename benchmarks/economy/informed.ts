import { remainingOf, type FleetJob } from './fleet.js';
import { scheduleStrategy, type Schedule } from './strategies/schedule-loop.js';
import type { Strategy } from './strategies/strategy.js';

/** A fixed-gap schedule: first poll at `first` ms after the job is watched (its begin, unless it is an old id), then every `gap` ms. */
export interface FixedGap {
  readonly first: number;
  readonly gap: number;
  readonly polls: number;
  readonly p95Lag: number;
}

/** Mean polls and p95 lag of a fixed-gap schedule on known durations (exact, no simulation). */
export function evaluate(durations: Float64Array, first: number, gap: number, lags: Float64Array): { polls: number; p95Lag: number } {
  let polls = 0;
  for (let i = 0; i < durations.length; i++) {
    const duration = durations[i]!;
    const extra = duration <= first ? 0 : Math.ceil((duration - first) / gap);
    polls += 1 + extra;
    lags[i] = first + extra * gap - duration;
  }
  const sorted = lags.slice().sort();
  return { polls: polls / durations.length, p95Lag: sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]! };
}

/**
 * The informed bound: the fixed-gap schedule with the fewest polls whose p95
 * lag stays within `maxP95Lag`, found by grid search (0.5 s) then refined
 * (50 ms) on the TRUE durations, i.e. knowing the distribution in advance.
 */
export function bestFixedGap(durationsMs: readonly number[], maxP95Lag: number): FixedGap {
  const durations = Float64Array.from(durationsMs);
  const lags = new Float64Array(durations.length);
  const longest = Math.max(...durationsMs);
  let best: FixedGap = { first: 0, gap: maxP95Lag, ...evaluate(durations, 0, Math.max(1, maxP95Lag), lags) };
  const consider = (first: number, gap: number): void => {
    if (first < 0 || gap < 50) return;
    const result = evaluate(durations, first, gap, lags);
    if (result.p95Lag <= maxP95Lag && result.polls < best.polls) best = { first, gap, ...result };
  };
  const coarse = Math.max(500, Math.round(longest / 400 / 500) * 500);
  for (let gap = coarse; gap <= Math.max(2 * maxP95Lag, coarse); gap += coarse) {
    for (let first = 0; first <= longest; first += coarse) consider(first, gap);
  }
  const { first, gap } = best;
  for (let g = gap - coarse; g <= gap + coarse; g += 50) for (let f = first - coarse; f <= first + coarse; f += 50) consider(f, g);
  return best;
}

/** One informed schedule per job type, each tuned on that type's true durations (from the watch) against a p95 lag bound. */
export function informedStrategy(jobs: readonly FleetJob[], maxP95Lag: (type: string) => number): { strategy: Strategy; schedules: Record<string, FixedGap> } {
  const byType = new Map<string, number[]>();
  for (const job of jobs) {
    const list = byType.get(job.type) ?? [];
    list.push(remainingOf(job));
    byType.set(job.type, list);
  }
  const schedules: Record<string, FixedGap> = {};
  for (const [type, durations] of byType) schedules[type] = bestFixedGap(durations, maxP95Lag(type));
  const schedule: Schedule = (poll, job) => {
    const plan = schedules[job.type]!;
    return poll === 0 ? plan.first : plan.gap;
  };
  return { strategy: scheduleStrategy('informed bound (best fixed gap, per type)', 'knows each type\'s true durations', schedule), schedules };
}
