import { afterEach, describe, expect, it } from 'vitest';
import { JOBS, runScenario } from './support/fault-rig.js';
import { expectQuiet, guardProcess } from './support/guard.js';
import { above, atMost, HOLDS, invariants, outcomes, wronglySettled } from './support/matrix.js';

// The fault matrix, transport half: answers that never come, or come as errors.
// Each row runs the same 500 jobs (singles and batches, some failing, 80 in
// watchAll() groups, 20 aborted through one shared signal at 50 s) over real HTTP
// against the simulator, in fake time, with 16 polls in flight and 40 per second
// at most. Every row states: each watch settled exactly once with its job's true
// outcome; nothing was sent for a watch after it settled; the request budget
// (job GETs per job, ~30 % above what the row measured: a retry storm blows it);
// what its fault must produce; and the invariants every row shares (support/matrix.ts).
// Reproduce: npx vitest run test/reliability/faults-transport.test.ts
// (RELIABILITY_REPORT=file.jsonl appends each row's numbers to file.jsonl).

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

/** The mix's true outcomes when no job is set up to time out or go missing. */
const MIX = { SUCCESS: 439, FAIL: 41, AbortError: 20 };

describe(`the fault matrix over ${JOBS} jobs: transport faults`, { timeout: 120_000 }, () => {
  it('no fault (reference): the mix settles as it is, in 2.5 job GETs per job', async () => {
    const run = await runScenario({ name: 'no fault (reference)' });

    expect(wronglySettled(run)).toEqual([]);
    expect(outcomes(run)).toEqual(MIX);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(3.2), max: atMost(9) });
    expect(Object.values(run.sim.faults).every((count) => count === 0)).toBe(true);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('5xx bursts (500/503): every one a pollError, retried through the error backoff', async () => {
    const run = await runScenario({
      name: '5xx bursts (500/503)',
      background: { error500: 0.03, error503: 0.03 },
      bursts: { faults: { error500: 0.5, error503: 0.5 }, every: 30_000, length: 6_000, until: 180_000 },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(4.5), max: atMost(17) });
    expect(run.sim.byStatus).toMatchObject({ 500: above(100), 503: above(100) });
    expect(run.watcherAfter.errors.http).toBe(run.sim.byStatus['500']! + run.sim.byStatus['503']!);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('429 storms with Retry-After: every 429 paused all polling for exactly Retry-After, never jittered', async () => {
    const run = await runScenario({
      name: '429 storms with Retry-After (APIGW.0308)',
      background: { throttle: 0.01, throttleRetryAfter: 2 },
      bursts: { faults: { throttle: 1, throttleRetryAfter: 2 }, every: 40_000, length: 8_000, until: 180_000 },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(3), max: atMost(8) });
    expect(run.sim.byStatus['429']).toBeGreaterThan(10);
    expect(run.watcherAfter.throttlePauses).toBeGreaterThan(5);
    expect(run.throttled.filter((event) => event.pause !== 2_000 || event.retryAfter !== 2_000 || event.error.serviceCode !== 'APIGW.0308')).toEqual([]);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('429 storms without Retry-After: every 429 paused all polling, jittered from 2 s doubling up to 60 s', async () => {
    const run = await runScenario({
      name: '429 storms without Retry-After (APIGW.0308)',
      background: { throttle: 0.01 },
      bursts: { faults: { throttle: 1 }, every: 40_000, length: 8_000, until: 180_000 },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(3), max: atMost(8) });
    expect(run.sim.byStatus['429']).toBeGreaterThan(5);
    expect(run.watcherAfter.throttlePauses).toBeGreaterThan(3);
    expect(run.throttled.filter((event) => event.retryAfter !== undefined || event.pause < 1_000 || event.pause > 60_000)).toEqual([]);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('connection resets: retried once at once (a stale keep-alive socket), then through the error backoff', async () => {
    const run = await runScenario({
      name: 'connection resets',
      background: { reset: 0.05 },
      bursts: { faults: { reset: 1 }, every: 30_000, length: 3_000, until: 180_000 },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(4), max: atMost(16) });
    expect(run.sim.faults.reset).toBeGreaterThan(100);
    expect(run.immediateRetries).toBeGreaterThan(20);
    expect(run.watcherAfter.errors.network).toBeGreaterThan(20);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('responses slower than the request timeout: every slow answer abandoned by the client, then retried', async () => {
    const run = await runScenario({
      name: 'responses slower than the request timeout',
      client: { timeout: 2_000 },
      background: { latency: 3_000, latencyProbability: 0.1 },
      bursts: { faults: { latency: 3_000 }, every: 30_000, length: 5_000, until: 180_000 },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(3.5), max: atMost(12) });
    expect(run.sim.faults.latency).toBeGreaterThan(100);
    // The simulator logs a hang-up as status 0: each slow answer was abandoned before its 3 s,
    // by the client's 2 s timeout or because its watch was aborted meanwhile (20 are, at 50 s).
    expect(run.sim.log.filter((record) => record.status === 0)).toHaveLength(run.sim.faults.latency);
    expect(run.watcherAfter.errors.timeout).toBeGreaterThanOrEqual(run.sim.faults.latency - 20);
    expect(run.watcherAfter.errors.timeout).toBeLessThanOrEqual(run.sim.faults.latency);
    expect(invariants(run)).toEqual(HOLDS);
  });

  it('simulator restarted on the same port mid-watch: polls it cut are sent again at once on a new connection', async () => {
    const run = await runScenario({
      name: 'simulator restarted on the same port mid-watch',
      background: { latency: { min: 50, max: 1_500 } },
      restarts: { every: 15_000, until: 180_000 },
    });

    expect(wronglySettled(run)).toEqual([]);
    expect(run.sentAfterSettle).toEqual([]);
    expect(run.perJob).toEqual({ mean: atMost(3), max: atMost(9) });
    expect(run.restarts).toBe(11);
    expect(run.sim.log.filter((record) => record.status === 0).length).toBeGreaterThan(20);
    expect(run.immediateRetries).toBeGreaterThan(20);
    expect(invariants(run)).toEqual(HOLDS);
  });
});
