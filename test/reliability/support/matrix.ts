import { expect } from 'vitest';
import { CONCURRENCY, JOBS, QUANTUM, RATE, type ScenarioRun, type WatchRecord } from './fault-rig.js';

// Names for what every row of the fault matrix asserts about a ScenarioRun, so
// each row's test reads as its specification: `expect(wronglySettled(run)).toEqual([])`.

/** Watches that did not settle exactly once with the outcome they must have (the job's true status, or their set-up error). */
export function wronglySettled(run: ScenarioRun): WatchRecord[] {
  return run.watches.filter((watch) => watch.settleCount !== 1 || watch.outcome !== watch.expected);
}

/**
 * Watches whose events disagree with how they ended: a finished job has one
 * `done` and one `subJobDone` per sub-job; a timed-out one one `timeout` and no
 * `done`; no sub-job is ever reported twice, whatever happened to its batch.
 */
export function misreported(run: ScenarioRun): WatchRecord[] {
  return run.watches.filter(({ outcome, events }) => {
    const finished = outcome === 'SUCCESS' || outcome === 'FAIL';
    const subJobsRight = events.subJobDone.every((count) => (finished ? count === 1 : count <= 1));
    return !subJobsRight || events.done !== (finished ? 1 : 0) || events.timeout !== (outcome === 'WatchTimeoutError' ? 1 : 0);
  });
}

/** A number at most `limit`, as a matcher inside `toEqual`. */
export function atMost(limit: number): unknown {
  return expect.toSatisfy((value: number) => value <= limit, `at most ${limit}`);
}

/** A number above `limit`, as a matcher inside `toEqual`. */
export function above(limit: number): unknown {
  return expect.toSatisfy((value: number) => value > limit, `above ${limit}`);
}

/**
 * What must hold for every row whatever its fault, beyond settling right and
 * polling nothing after: bounds, bookkeeping, a drained scheduler. Compare with {@link HOLDS}.
 */
export function invariants(run: ScenarioRun): Record<string, unknown> {
  return {
    misreported: misreported(run),
    // A request in flight when its watch settled (its bytes already sent) may still reach the simulator: one at most.
    arrivedAfterSettle: run.arrivedAfterSettle,
    pollsAfterFinal: run.sim.pollsAfterFinal,
    noWatchSettledBeforeItsJobEnded: run.lag.min >= 0,
    maxInFlight: run.maxInFlight,
    // A token bucket allows `burst + rate × window` in any window; polls reach the socket up to one quantum late.
    pollsPer: run.pollsPer,
    immediateRetriesAtMostOnePerPoll: run.immediateRetries <= run.polls,
    maxWatched: run.maxWatched,
    leftInScheduler: { watched: run.watcherAfter.watched, waiters: run.watcherAfter.waiters, inFlight: run.watcherAfter.inFlight },
    // Every job GET the simulator logged is counted for its job, or was refused at the gateway (401) before routing.
    accounting: run.accounting.logged === run.accounting.counted,
  };
}

/** What {@link invariants} must be. */
export const HOLDS: Record<string, unknown> = {
  misreported: [],
  arrivedAfterSettle: [],
  pollsAfterFinal: 0,
  noWatchSettledBeforeItsJobEnded: true,
  maxInFlight: { simulator: atMost(CONCURRENCY), client: atMost(CONCURRENCY) },
  pollsPer: { second: atMost(RATE + (RATE * (1_000 + QUANTUM)) / 1_000), tenSeconds: atMost(RATE + (RATE * (10_000 + QUANTUM)) / 1_000) },
  immediateRetriesAtMostOnePerPoll: true,
  maxWatched: atMost(JOBS),
  leftInScheduler: { watched: 0, waiters: 0, inFlight: 0 },
  accounting: true,
};

/** How many watches ended each way, e.g. `{ SUCCESS: 439, FAIL: 41, AbortError: 20 }`. */
export function outcomes(run: ScenarioRun): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const watch of run.watches) counts[watch.outcome] = (counts[watch.outcome] ?? 0) + 1;
  return counts;
}
