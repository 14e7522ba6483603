import { durationOf, SHORT_LIMIT, type Fleet, type FleetJob } from './fleet.js';
import type { Strategy } from './strategies/strategy.js';
import { FleetTransport } from './transport.js';
import { VirtualTime } from './virtual-time.js';

/** What one strategy did with one fleet. */
export interface Run {
  readonly strategy: string;
  /** Polls per job, by job index. */
  readonly polls: Uint32Array;
  /** Detection lag per job (settled − end_time), ms. */
  readonly lags: Float64Array;
  readonly peaks: { all: number; short: number; long: number };
  /** Real time the run took, ms. */
  readonly wallMs: number;
}

export const isLong = (job: FleetJob): boolean => durationOf(job) >= SHORT_LIMIT;

/**
 * Runs `strategy` over `fleet` in virtual time: each job is handed to the
 * strategy at its `begin_time`; the run ends when no timer is left.
 * @throws when a job does not settle, settles early, or with the wrong status.
 */
export async function simulate(fleet: Fleet, strategy: Strategy, seed: number): Promise<Run> {
  const wallStart = performance.now();
  using time = new VirtualTime(fleet.start, seed);
  const transport = new FleetTransport(fleet, time.clock, isLong);
  const runner = strategy.create({ fetchJob: transport.fetchJob, clock: time.clock });
  const lags = new Float64Array(fleet.jobs.length).fill(Number.NaN);
  const failures: string[] = [];
  for (const job of fleet.jobs) {
    time.clock.setTimeout(() => {
      runner.watch(job).then(
        (final) => {
          lags[job.index] = time.clock.wallNow() - job.endAt;
          if (final.jobId !== job.id || final.status !== job.outcome) failures.push(`${job.id}: got ${final.status}, expected ${job.outcome}`);
        },
        (error: unknown) => failures.push(`${job.id}: rejected with ${String(error)}`),
      );
    }, job.beginAt - fleet.start);
  }
  await time.runUntilIdle();
  await runner.close?.();
  const unsettled = fleet.jobs.filter((job) => Number.isNaN(lags[job.index]!));
  const early = fleet.jobs.filter((job) => lags[job.index]! < 0);
  if (failures.length > 0 || unsettled.length > 0 || early.length > 0) {
    throw new Error(
      `${strategy.name} on ${fleet.name}: ${failures.length} wrong, ${unsettled.length} unsettled, ${early.length} settled before end_time. ${failures.slice(0, 3).join('; ')}`,
    );
  }
  return { strategy: strategy.name, polls: transport.polls, lags, peaks: transport.peaks(), wallMs: performance.now() - wallStart };
}
