import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Soak: a steady population of 2 000 live watches polled in fake time against an
 * in-memory EVS with ~5.5 % faults (5xx, resets, timeouts, bad bodies, 429,
 * transient not-found), stuck jobs timing out, aborted watches and stray job
 * types. Runs in a child `node --expose-gc` on the built package, so `gc()` is
 * real and the heap holds nothing of the test runner's.
 *
 * Default: 100 000 polls (~8 s). `RELIABILITY_SOAK=1`: one million (~80 s).
 * Reproduce: RELIABILITY_SOAK=1 npx vitest run test/reliability/soak.test.ts
 */
const SOAK = process.env['RELIABILITY_SOAK'] === '1';
const POLLS = SOAK ? 1_000_000 : 100_000;
const LIVE = 2_000;
const FIXTURE = fileURLToPath(new URL('./fixtures/soak.mjs', import.meta.url));

interface SoakResult {
  polls: number;
  watches: number;
  counts: Record<'settled' | 'doubleSettled' | 'succeeded' | 'failed' | 'timedOut' | 'notFound' | 'aborted' | 'other', number>;
  mismatches: number;
  maxWatched: number;
  heapAtTenth: number;
  heapAtEnd: number;
  growth: number;
  watchedAtEnd: number;
  drained: { watched: number; waiters: number; inFlight: number; fetchesInFlight: number; timers: number; liveLeft: number };
  errors: Record<string, number>;
  realMs: number;
}

describe(`soak: ${POLLS.toLocaleString('en')} polls with faults on, in fake time`, () => {
  it('keeps the heap flat (after GC, within 5 % of the heap at 10 % of the run) and holds only live watches', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', FIXTURE, String(POLLS), String(LIVE)], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout) as SoakResult;
    const report = process.env['RELIABILITY_REPORT'];
    if (report) appendFileSync(report, `${JSON.stringify({ name: 'soak', ...result })}\n`);

    expect(result.polls).toBeGreaterThanOrEqual(POLLS);
    // Every watch settled exactly once, and each outcome is one the fixture provoked.
    expect(result.counts.doubleSettled).toBe(0);
    expect(result.counts.other).toBe(0);
    expect(result.counts.settled).toBe(result.watches);
    expect(result.counts.timedOut).toBeGreaterThan(0);
    expect(result.counts.aborted).toBeGreaterThan(0);
    expect(result.counts.failed).toBeGreaterThan(0);
    // Faults really happened.
    for (const kind of ['timeout', 'http', 'throttled', 'invalidResponse', 'notFound']) expect(result.errors[kind], kind).toBeGreaterThan(0);
    // The scheduler held exactly the live watches at every fake second, never more.
    expect(result.mismatches).toBe(0);
    expect(result.maxWatched).toBe(LIVE);
    expect(result.watchedAtEnd).toBe(LIVE);
    // Memory: the same population costs the same heap at 10 % and at 100 % of the run.
    expect(result.heapAtEnd).toBeLessThanOrEqual(result.heapAtTenth * 1.05);
    // Drained: nothing watched, in flight, or armed.
    expect(result.drained).toEqual({ watched: 0, waiters: 0, inFlight: 0, fetchesInFlight: 0, timers: 0, liveLeft: 0 });
  }, SOAK ? 600_000 : 120_000);
});
