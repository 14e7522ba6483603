import { describe, expect, it } from 'vitest';
import type { CliEvent } from '../../src/cli/render/events.js';
import type { LiveStats } from '../../src/cli/render/renderer.js';
import { TtyRenderer } from '../../src/cli/render/tty.js';
import type { Summary } from '../../src/cli/summary.js';
import { createFakeClock } from '../helpers/fake-clock.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** A terminal that records what is written, and when (fake time). */
function terminal(now: () => number, columns = 120, rows = 40) {
  const writes: { at: number; text: string }[] = [];
  return { writes, out: { isTTY: true, columns, rows, write: (text: string) => writes.push({ at: now(), text }) } };
}

function hex(n: number): string {
  return n.toString(16).padStart(32, '0');
}

const SUMMARY: Summary = {
  type: 'summary',
  total: 2_000,
  succeeded: 1_950,
  failed: 50,
  timedOut: 0,
  notWatched: 0,
  interrupted: 0,
  polls: 6_000,
  wallMs: 40_000,
  simulatedMs: null,
  failedByDesign: null,
  exitCode: 1,
  failedJobs: [],
  timedOutJobs: [],
  notWatchedJobs: [],
  interruptedJobs: [],
};

describe('TtyRenderer', () => {
  it('stays bounded in lines per frame and in refresh rate with 2 000 jobs', async () => {
    const clock = createFakeClock();
    const { out, writes } = terminal(() => clock.monotonicNow());
    let polls = 0;
    const stats = (): LiveStats => ({ watched: 2_000, polls, inFlight: 10, rateLimit: Number.POSITIVE_INFINITY });
    const renderer = new TtyRenderer({ out, clock, stats });
    const singles = Array.from({ length: 1_800 }, (_, i) => hex(i));
    const batches = Array.from({ length: 200 }, (_, i) => hex(10_000 + i));

    // 40 s of fake time in 10 ms steps; every step carries a handful of events.
    const plan: CliEvent[][] = Array.from({ length: 4_000 }, () => []);
    const at = (ms: number, event: CliEvent): void => void plan[Math.min(3_999, Math.floor(ms / 10))]!.push(event);
    at(0, { type: 'start', jobs: 2_000, endpoint: 'https://evs.cn-north-4.myhuaweicloud.com', projectId: 'p', service: 'evs' });
    singles.forEach((jobId, i) => at(i, { type: 'status', jobId, jobType: 'createVolume', status: 'RUNNING', previous: null, subJobs: 0 }));
    batches.forEach((jobId, i) => {
      at(i * 10, { type: 'status', jobId, jobType: 'batchCreateVolume', status: 'RUNNING', previous: null, subJobs: 20 });
      for (let done = 1; done <= 20; done++) at(2_000 + i * 150 + done * 50, { type: 'progress', jobId, jobType: 'batchCreateVolume', done, failed: 0, total: 20 });
      at(2_000 + i * 150 + 1_100, { type: 'succeeded', jobId, jobType: 'batchCreateVolume', durationMs: 30_000 });
    });
    singles.forEach((jobId, i) =>
      at(3_000 + i * 19, i % 40 === 0
        ? { type: 'failed', jobId, jobType: 'createVolume', durationMs: 25_000, errorCode: 'EVS.2024', failReason: 'volume quota exceeded', subJobsFailed: 0, subJobs: 0 }
        : { type: 'succeeded', jobId, jobType: 'createVolume', durationMs: 25_000 }),
    );
    for (const ms of [10_000, 10_500, 11_000]) at(ms, { type: 'throttled', pauseMs: 2_000, retryAfterMs: null, rate: 5 });

    let events = 0;
    let sawMore = false;
    for (const step of plan) {
      for (const event of step) renderer.event(event);
      events += step.length;
      polls += step.length;
      await clock.tick(10);
      sawMore ||= /… and \d+ more batch jobs/.test(renderer.frame());
    }
    const frames = writes.map((write) => ({ at: write.at, lines: write.text.replace(ANSI, '').split('\n').filter((line) => line !== '') }));
    renderer.end(SUMMARY);

    expect(events).toBeGreaterThan(8_000);
    expect(sawMore).toBe(true);
    // Live, but paced: at most 10 frames a second, never two within 100 ms.
    expect(frames.length).toBeGreaterThan(100);
    expect(frames.length).toBeLessThanOrEqual(401);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.at - frames[i - 1]!.at).toBeGreaterThanOrEqual(100);
    for (const frame of frames) expect(frames.filter((other) => other.at >= frame.at && other.at < frame.at + 1_000).length).toBeLessThanOrEqual(10);
    // Bounded: header, bar, states, throttling, ≤ 10 batch lines (+ title and "… and N more"), 3 failures (+ title).
    for (const frame of frames) {
      expect(frame.lines.length).toBeLessThanOrEqual(20);
      for (const line of frame.lines) expect(line.length).toBeLessThan(120);
    }
    const busiest = frames.reduce((max, frame) => (frame.lines.length > max.lines.length ? frame : max));
    expect(busiest.lines.filter((line) => line.includes('batchCreateVolume  ['))).toHaveLength(10);
    expect(busiest.lines.join('\n')).toMatch(/… and \d+ more batch jobs/);
    // The summary follows the last frame, once.
    const tail = writes.slice(frames.length).map((write) => write.text).join('');
    expect(tail).toContain('Summary: 2000 jobs in 40.0s, 6000 polls');
  });

  it('shows the overall bar, batch progress, throttling, failures and refused credentials', () => {
    const clock = createFakeClock();
    const frames: string[] = [];
    const stats = (): LiveStats => ({ watched: 2, polls: 17, inFlight: 2, rateLimit: 2.5 });
    const renderer = new TtyRenderer({ out: { isTTY: true, columns: 200, rows: 40, write: () => true }, clock, stats, draw: (frame) => frames.push(frame), timeScale: 40 });
    renderer.event({ type: 'start', jobs: 4, endpoint: 'http://127.0.0.1:1', projectId: 'p', service: 'evs' });
    renderer.event({ type: 'status', jobId: 'batch1', jobType: 'batchCreateVolume', status: 'RUNNING', previous: null, subJobs: 40 });
    renderer.event({ type: 'progress', jobId: 'batch1', jobType: 'batchCreateVolume', done: 10, failed: 1, total: 40 });
    renderer.event({ type: 'status', jobId: 'single', jobType: 'createVolume', status: 'INIT', previous: null, subJobs: 0 });
    renderer.event({ type: 'succeeded', jobId: 'ok', jobType: 'createVolume', durationMs: 1 });
    renderer.event({ type: 'failed', jobId: 'bad', jobType: 'createVolume', durationMs: 1, errorCode: 'EVS.2024', failReason: 'volume quota exceeded', subJobsFailed: 0, subJobs: 0 });
    renderer.event({ type: 'throttled', pauseMs: 2_000, retryAfterMs: null, rate: 2.5 });
    renderer.event({ type: 'authFailed', status: 401, code: 'APIGW.0301', message: 'HTTP 401 APIGW.0301' });
    clock.fake.tick(3_000);

    expect(renderer.frame().split('\n')).toEqual([
      'evs-jobs · 4 jobs at http://127.0.0.1:1 · 3.0s (2m00s simulated) · 17 polls · 2 in flight',
      `[${'█'.repeat(15)}${'░'.repeat(15)}] 2/4 done · 1 ok · 1 failed`,
      '  1 running · 1 starting · 0 waiting for a first answer',
      '  throttled (HTTP 429) ×1, last 3.0s ago: paused 2.0s; now at most 2.5 req/s',
      '  credentials refused (HTTP 401 APIGW.0301): stopped polling',
      '  batch jobs running: 1',
      `    batch1  batchCreateVolume  [${'█'.repeat(3)}${'░'.repeat(9)}] 10/40 · 1 failed`,
      '  recent failures:',
      '    ✖ bad  createVolume  EVS.2024: volume quota exceeded',
    ]);
    // One frame for the first event, then one more after 100 ms for the burst, then heartbeats.
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames.length).toBeLessThanOrEqual(5);
  });

  it('shows failed polls by kind, the most recent first, with counts and jobs', () => {
    const clock = createFakeClock();
    const renderer = new TtyRenderer({ out: { isTTY: true, columns: 200, rows: 40, write: () => true }, clock, draw: () => undefined });
    const refused = (jobId: string): CliEvent => ({ type: 'pollError', jobId, code: 'EVS_NETWORK', status: null, cause: 'ECONNREFUSED', message: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1', attempt: 1, retryInMs: 1_000 });
    renderer.event({ type: 'start', jobs: 3, endpoint: 'https://127.0.0.1:1', projectId: 'p', service: 'evs' });
    renderer.event(refused('a'));
    renderer.event(refused('b'));
    renderer.event(refused('a'));
    clock.fake.tick(1_000);
    renderer.event({ type: 'pollError', jobId: 'c', code: 'EVS_HTTP_ERROR', status: 503, cause: null, message: 'HTTP 503 EVS.5030: busy', attempt: 1, retryInMs: 1_000 });
    clock.fake.tick(2_000);

    expect(renderer.frame().split('\n').filter((line) => line.includes('poll errors'))).toEqual([
      '  poll errors: HTTP 503 ×1 (1 job), last 2.0s ago, retrying: HTTP 503 EVS.5030: busy',
      '  poll errors: connection refused ×3 (2 jobs), last 3.0s ago, retrying: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
    ]);
  });

  it('draws a terminal that reports 0×0 (script -qc, some CI ptys) as 80×24', () => {
    const clock = createFakeClock();
    const renderer = new TtyRenderer({ out: { isTTY: true, columns: 0, rows: 0, write: () => true }, clock, draw: () => undefined });
    renderer.event({ type: 'start', jobs: 1, endpoint: `https://${'x'.repeat(100)}`, projectId: 'p', service: 'evs' });

    expect(renderer.frame().split('\n')[0]).toHaveLength(79);
  });

  it('cuts lines to the terminal width', () => {
    const clock = createFakeClock();
    const renderer = new TtyRenderer({ out: { isTTY: true, columns: 40, write: () => true }, clock, draw: () => undefined });
    renderer.event({ type: 'start', jobs: 1, endpoint: `https://${'x'.repeat(100)}`, projectId: 'p', service: 'evs' });
    for (const line of renderer.frame().split('\n')) expect(line.length).toBeLessThanOrEqual(39);
    expect(renderer.frame().split('\n')[0]).toMatch(/…$/);
  });
});
