import { durationOf, SHORT_LIMIT, type Fleet, type FleetJob } from './fleet.js';
import type { Strategy } from './strategies/strategy.js';
import { FleetTransport } from './transport.js';
import { VirtualTime } from './virtual-time.js';

/** What one strategy did with one fleet. */
export interface Run {
  readonly strategy: string;
  /** Polls per job, by job index. */
  readonly polls: Uint32Array;
  /** Detection lag per job (settled − end_time, or − the watch for a job already over when watched), ms. */
  readonly lags: Float64Array;
  readonly peaks: { all: number; short: number; long: number };
  /** Real time the run took, ms. */
  readonly wallMs: number;
}

export const isLong = (job: FleetJob): boolean => durationOf(job) >= SHORT_LIMIT;

/**
 * Runs `strategy` over `fleet` in virtual time: each job is handed to the
 * strategy when it is watched (its `begin_time`, or later for old ids); the run ends when no timer is left.
 * @throws when a job does not settle, settles early, or with the wrong status.
 */
export async function simulate(fleet: Fleet, strategy: Strategy, seed: number): Promise<Run> {
  const wallStart = performance.now();
  using time = new VirtualTime(fleet.start, seed);
  const transport = new FleetTransport(fleet, time.clock, isLong);
  const runner = strategy.create({ fetchJob: transport.fetchJob, clock: time.clock });
  const lags = new Float64Array(fleet.jobs.length).fill(Number.NaN);
  const failures: string[] = [];
  let early = 0;
  for (const job of fleet.jobs) {
    time.clock.setTimeout(() => {
      runner.watch(job).then(
        (final) => {
          const settled = time.clock.wallNow();
          if (settled < job.endAt) early += 1;
          lags[job.index] = settled - Math.max(job.endAt, job.watchAt);
          if (final.jobId !== job.id || final.status !== job.outcome) failures.push(`${job.id}: got ${final.status}, expected ${job.outcome}`);
        },
        (error: unknown) => failures.push(`${job.id}: rejected with ${String(error)}`),
      );
    }, job.watchAt - fleet.start);
  }
  await time.runUntilIdle();
  await runner.close?.();
  const unsettled = fleet.jobs.filter((job) => Number.isNaN(lags[job.index]!));
  if (failures.length > 0 || unsettled.length > 0 || early > 0) {
    throw new Error(
      `${strategy.name} on ${fleet.name}: ${failures.length} wrong, ${unsettled.length} unsettled, ${early} settled before end_time. ${failures.slice(0, 3).join('; ')}`,
    );
  }
  return { strategy: strategy.name, polls: transport.polls, lags, peaks: transport.peaks(), wallMs: performance.now() - wallStart };
}
