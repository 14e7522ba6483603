import { expect } from 'vitest';
import { SCENARIO_KEYS, WATCH_TIMEOUT, type FaultScenario, type SpecialJob } from './fault-rig.js';

const MINUTES_20 = 20 * 60_000;

/** Statuses the watcher does not know, reported forever: such jobs must time out, having last seen them. */
const FOREVER_UNKNOWN = ['PENDING', 'QUEUED', 'success', 'Running '];

function unknownStatus(index: number, random: () => number): SpecialJob | undefined {
  const draw = random();
  if (draw < 0.1) {
    const status = FOREVER_UNKNOWN[index % FOREVER_UNKNOWN.length]!;
    return { spec: { status }, expect: { kind: 'timeout', status } };
  }
  // An unknown status for a while, then the job's own timeline: it must be followed to its end.
  if (draw < 0.35) return { spec: { status: 'PENDING', statusFor: 5_000 + Math.round(random() * 25_000) }, expect: { kind: 'final' } };
  return undefined;
}

function invisible(_index: number, random: () => number): SpecialJob | undefined {
  const draw = random();
  // Never visible within the watch: rejected after notFoundChecks + 1 answers.
  if (draw < 0.04) return { spec: { invisibleFor: WATCH_TIMEOUT * 10 }, expect: { kind: 'notFound' } };
  // Invisible for 2–40 s after creation: followed to the end if it shows up within the checks.
  if (draw < 0.6) return { spec: { invisibleFor: 2_000 + Math.round(random() * 38_000) }, expect: { kind: 'notFoundIfNeverSeen' } };
  return undefined;
}

/**
 * The fault matrix. Each row runs the same 500-job mix (see fault-rig.ts) with
 * one fault, in the background and in bursts, and states its request budget:
 * the mean job GETs per job and the most for any one job. The fault-free mix
 * needs 2.46 and 7; budgets sit ~30 % above what each row measured, so a retry
 * storm (every error retried at once, or every 429 repeated by every job) fails them.
 */
export const TRANSPORT_FAULTS: readonly FaultScenario[] = [
  {
    name: 'no fault (reference)',
    budget: { mean: 3.2, max: 9 },
    exercised: ({ sim }) => {
      expect(Object.values(sim.faults).every((count) => count === 0)).toBe(true);
    },
  },
  {
    name: '5xx bursts (500/503)',
    background: { error500: 0.03, error503: 0.03 },
    bursts: { faults: { error500: 0.5, error503: 0.5 }, every: 30_000, length: 6_000, until: 180_000 },
    budget: { mean: 4.5, max: 17 },
    exercised: ({ sim, watcher }) => {
      expect(sim.byStatus['500']).toBeGreaterThan(100);
      expect(sim.byStatus['503']).toBeGreaterThan(100);
      expect(watcher.errors.http).toBe(sim.byStatus['500']! + sim.byStatus['503']!);
    },
  },
  {
    name: '429 storms with Retry-After (APIGW.0308)',
    background: { throttle: 0.01, throttleRetryAfter: 2 },
    bursts: { faults: { throttle: 1, throttleRetryAfter: 2 }, every: 40_000, length: 8_000, until: 180_000 },
    budget: { mean: 3, max: 8 },
    exercised: ({ sim, watcher, throttled }) => {
      expect(sim.byStatus['429']).toBeGreaterThan(10);
      expect(watcher.throttlePauses).toBeGreaterThan(5);
      // Retry-After is honoured exactly, never jittered.
      expect(throttled.every((event) => event.pause === 2_000 && event.retryAfter === 2_000)).toBe(true);
      expect(throttled.every((event) => event.error.serviceCode === 'APIGW.0308')).toBe(true);
    },
  },
  {
    name: '429 storms without Retry-After (APIGW.0308)',
    background: { throttle: 0.01 },
    bursts: { faults: { throttle: 1 }, every: 40_000, length: 8_000, until: 180_000 },
    budget: { mean: 3, max: 8 },
    exercised: ({ sim, watcher, throttled }) => {
      expect(sim.byStatus['429']).toBeGreaterThan(5);
      expect(watcher.throttlePauses).toBeGreaterThan(3);
      // Jittered pauses from throttleDelay (2 s) doubling up to maxThrottleDelay (60 s).
      expect(throttled.every((event) => event.retryAfter === undefined && event.pause >= 1_000 && event.pause <= 60_000)).toBe(true);
    },
  },
  {
    name: 'connection resets',
    background: { reset: 0.05 },
    bursts: { faults: { reset: 1 }, every: 30_000, length: 3_000, until: 180_000 },
    budget: { mean: 4, max: 16 },
    exercised: ({ sim, watcher, report }) => {
      expect(sim.faults.reset).toBeGreaterThan(100);
      expect(watcher.errors.network).toBeGreaterThan(20);
      // A reset socket is retried once at once (stale keep-alive), then through the error backoff.
      expect(report.immediateRetries).toBeGreaterThan(20);
    },
  },
  {
    name: 'responses slower than the request timeout',
    client: { timeout: 2_000 },
    background: { latency: 3_000, latencyProbability: 0.1 },
    bursts: { faults: { latency: 3_000 }, every: 30_000, length: 5_000, until: 180_000 },
    budget: { mean: 3.5, max: 12 },
    exercised: ({ sim, watcher }) => {
      expect(sim.faults.latency).toBeGreaterThan(100);
      // Every slow answer was abandoned by the client before the simulator's 3 s (it logs a hang-up as status 0):
      // by its 2 s timeout, or because the watch was aborted meanwhile (20 watches are, at 50 s).
      expect(sim.log.filter((record) => record.status === 0).length).toBe(sim.faults.latency);
      expect(watcher.errors.timeout).toBeGreaterThanOrEqual(sim.faults.latency - 20);
      expect(watcher.errors.timeout).toBeLessThanOrEqual(sim.faults.latency);
    },
  },
  {
    name: 'simulator restarted on the same port mid-watch',
    background: { latency: { min: 50, max: 1_500 } },
    restarts: { every: 15_000, until: 180_000 },
    budget: { mean: 3, max: 9 },
    exercised: ({ sim, report }) => {
      // Polls parked at the simulator when it restarted lost their connection (logged as status 0)
      // and were sent again at once, on a new connection to the new listener.
      expect(sim.log.filter((record) => record.status === 0).length).toBeGreaterThan(20);
      expect(report.immediateRetries).toBeGreaterThan(20);
    },
  },
];

export const ANSWER_FAULTS: readonly FaultScenario[] = [
  {
    name: 'truncated and malformed JSON',
    background: { malformed: 0.05, truncated: 0.05 },
    bursts: { faults: { malformed: 0.5, truncated: 0.5 }, every: 30_000, length: 5_000, until: 180_000 },
    budget: { mean: 4, max: 16 },
    exercised: ({ sim, watcher }) => {
      expect(sim.faults.malformed).toBeGreaterThan(50);
      expect(sim.faults.truncated).toBeGreaterThan(50);
      expect(watcher.errors.invalidResponse).toBe(sim.faults.malformed + sim.faults.truncated);
    },
  },
  {
    name: 'bodies above the size cap (2 MiB > 1 MiB)',
    background: { oversize: 0.05 },
    bursts: { faults: { oversize: 1 }, every: 30_000, length: 2_000, until: 180_000 },
    budget: { mean: 4, max: 14 },
    exercised: ({ sim, watcher }) => {
      expect(sim.faults.oversize).toBeGreaterThan(100);
      // ResponseTooLargeError is an InvalidResponseError: retried like a bad body.
      expect(watcher.errors.invalidResponse).toBe(sim.faults.oversize);
    },
  },
  {
    name: 'unknown status strings',
    special: unknownStatus,
    budget: { mean: 5.5, max: 38 },
    exercised: ({ report }) => {
      expect(report.outcomes['WatchTimeoutError']).toBeGreaterThan(20);
    },
  },
  {
    name: 'new jobs invisible for a while (400 Common.0011)',
    special: invisible,
    budget: { mean: 4.5, max: 11 },
    exercised: ({ sim, report }) => {
      expect(sim.byStatus['400']).toBeGreaterThan(200);
      expect(report.outcomes['JobNotFoundError']).toBeGreaterThan(10);
    },
  },
  {
    name: 'server clock 20 minutes ahead (AK/SK signing)',
    simulator: { skew: MINUTES_20, auth: SCENARIO_KEYS },
    client: { credentials: SCENARIO_KEYS },
    budget: { mean: 3.5, max: 10 },
    exercised: ({ sim, client }) => {
      // The first signature was refused as expired; the Date header taught the offset; nothing else failed.
      expect(sim.authFailures).toBe(1);
      expect(Math.abs(client.clockOffset - MINUTES_20)).toBeLessThanOrEqual(1_000);
    },
  },
  {
    name: 'server clock 20 minutes behind (AK/SK signing)',
    simulator: { skew: -MINUTES_20, auth: SCENARIO_KEYS },
    client: { credentials: SCENARIO_KEYS },
    budget: { mean: 3.5, max: 10 },
    exercised: ({ sim, client }) => {
      expect(sim.authFailures).toBe(1);
      expect(Math.abs(client.clockOffset + MINUTES_20)).toBeLessThanOrEqual(1_000);
    },
  },
];
