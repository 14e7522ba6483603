import { afterEach, describe, expect, it } from 'vitest';
import { JOBS, NOT_FOUND_CHECKS, QUANTUM, runScenario, SCENARIO_KEYS, WATCH_TIMEOUT, type SpecialJob } from './support/fault-rig.js';
import { expectQuiet, guardProcess } from './support/guard.js';
import { above, atMost, HOLDS, invariants, outcomes, wronglySettled } from './support/matrix.js';

// The fault matrix, answer half: bodies, statuses, visibility and clocks the
// watcher must not trust. The same 500 jobs and the same statements per row as
// faults-transport.test.ts: each watch settled exactly once with its true outcome,
// nothing sent after it settled, the request budget, what the fault must produce,
// and the invariants every row shares (support/matrix.ts).
// Reproduce: npx vitest run test/reliability/faults-answers.test.ts
// (RELIABILITY_REPORT=file.jsonl appends each row's numbers to file.jsonl).

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

const MINUTES_20 = 20 * 60_000;

/** Statuses the watcher does not know, reported forever: such jobs must time out, having last seen them. */
const FOREVER_UNKNOWN = ['PENDING', 'QUEUED', 'success', 'Running '];

/** 10 % of the plainly watched jobs report an unknown status forever; 25 % say `PENDING` for 5–30 s, then run. */
function unknownStatus(index: number, random: () => number): SpecialJob | undefined {
  const draw = random();
  if (draw < 0.1) {
    const status = FOREVER_UNKNOWN[index % FOREVER_UNKNOWN.length]!;
    return { spec: { status }, expect: { kind: 'timeout', status } };
  }
  if (draw < 0.35) return { spec: { status: 'PENDING', statusFor: 5_000 + Math.round(random() * 25_000) }, expect: { kind: 'final' } };
  return undefined;
}

/** 4 % of the plainly watched jobs are never visible within the watch; 56 % are invisible for 2–40 s after creation. */
function invisible(_index: number, random: () => number): SpecialJob | undefined {
  const draw = random();
  if (draw < 0.04) return { spec: { invisibleFor: WATCH_TIMEOUT * 10 }, expect: { kind: 'notFound' } };
  // Followed to its end if it shows up within the checks, else rejected: the simulator's log decides which.
  if (draw < 0.6) return { spec: { invisibleFor: 2_000 + Math.round(random() * 38_000) }, expect: { kind: 'notFoundIfNeverSeen' } };
  return undefined;
}

describe(`the fault matrix over ${JOBS} jobs: answer faults`, { timeout: 120_000 }, () => {
  it('truncated and malformed JSON: every bad body an InvalidResponseError, retried', async () => {
    const run = await runScenario({
      name: 'truncated and malformed JSON',
      background: { malformed: 0.05, truncated: 0.05 },
      bursts: { faults: { malformed: 0.5, truncated: 0.5 }, every: 30_000, length: 5_000, until: 180_000 },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(4), max: atMost(16) });
    expect(run.sim.faults).toMatchObject({ malformed: above(50), truncated: above(50) });
    expect(run.watcherAfter.errors.invalidResponse).toBe(run.sim.faults.malformed + run.sim.faults.truncated);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('bodies above the size cap (2 MiB > 1 MiB): each refused as too large and retried like a bad body', async () => {
    const run = await runScenario({
      name: 'bodies above the size cap (2 MiB > 1 MiB)',
      background: { oversize: 0.05 },
      bursts: { faults: { oversize: 1 }, every: 30_000, length: 2_000, until: 180_000 },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(4), max: atMost(14) });
    expect(run.sim.faults.oversize).toBeGreaterThan(100);
    // ResponseTooLargeError is an InvalidResponseError.
    expect(run.watcherAfter.errors.invalidResponse).toBe(run.sim.faults.oversize);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('unknown status strings: a job saying one forever times out at exactly the watch timeout, having last seen it', async () => {
    const run = await runScenario({ name: 'unknown status strings', special: unknownStatus });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(5.5), max: atMost(38) });
    const timedOut = run.watches.filter((watch) => watch.outcome === 'WatchTimeoutError');
    expect(timedOut.length).toBeGreaterThan(20);
    expect(timedOut.filter((watch) => watch.lastStatus !== watch.forcedStatus || watch.settledAfter < WATCH_TIMEOUT || watch.settledAfter > WATCH_TIMEOUT + QUANTUM)).toEqual([]);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('new jobs invisible for a while (400 Common.0011): followed once visible, rejected after exactly notFoundChecks + 1 answers', async () => {
    const run = await runScenario({ name: 'new jobs invisible for a while (400 Common.0011)', special: invisible });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(4.5), max: atMost(11) });
    expect(run.sim.byStatus['400']).toBeGreaterThan(200);
    const notFound = run.watches.filter((watch) => watch.outcome === 'JobNotFoundError');
    expect(notFound.length).toBeGreaterThan(10);
    expect(notFound.filter((watch) => watch.requests !== NOT_FOUND_CHECKS + 1)).toEqual([]);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it.each([
    ['ahead', MINUTES_20],
    ['behind', -MINUTES_20],
  ])('server clock 20 minutes %s (AK/SK signing): one signature refused, the offset learned from Date, nothing else failed', async (_, skew) => {
    const run = await runScenario({
      name: `server clock 20 minutes ${skew > 0 ? 'ahead' : 'behind'} (AK/SK signing)`,
      simulator: { skew, auth: SCENARIO_KEYS },
      client: { credentials: SCENARIO_KEYS },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(outcomes(run)).toEqual({ SUCCESS: 439, FAIL: 41, AbortError: 20 });
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(3.5), max: atMost(10) });
    expect(run.sim.authFailures).toBe(1);
    expect(Math.abs(run.client.clockOffset - skew)).toBeLessThanOrEqual(1_000);
    expect(invariants(run)).toEqual(HOLDS);
  });
});
