import { describe, expect, it } from 'vitest';
import { compareWithFixedPoller, fixedPollerLag, fixedPollerPolls, percentile } from '../../src/cli/comparison.js';
import { NdjsonRenderer } from '../../src/cli/render/ndjson.js';
import type { CliEvent, PollErrorEvent } from '../../src/cli/render/events.js';
import { PlainRenderer, plainLine } from '../../src/cli/render/plain.js';
import { describePollError } from '../../src/cli/render/poll-errors.js';
import { formatComparison, formatSummary, MAX_LISTED } from '../../src/cli/render/summary-text.js';
import type { FinishedJob } from '../../src/cli/session.js';
import { exitCodeOf, type Summary } from '../../src/cli/summary.js';

const SUMMARY: Summary = {
  type: 'summary',
  total: 4,
  succeeded: 1,
  failed: 1,
  timedOut: 1,
  notWatched: 1,
  interrupted: 0,
  polls: 9,
  wallMs: 1_234,
  simulatedMs: null,
  failedByDesign: null,
  exitCode: 1,
  failedJobs: [{ jobId: 'f', jobType: 'batchCreateVolume', errorCode: 'EVS.2024', failReason: 'volume quota exceeded', subJobsFailed: 1, subJobs: 20 }],
  timedOutJobs: [{ jobId: 't', lastStatus: null }],
  notWatchedJobs: [{ jobId: 'n', reason: 'notFound', code: 'EVS_JOB_NOT_FOUND', message: 'job n not found (HTTP 400 Common.0011)' }],
  interruptedJobs: [],
};

describe('the fixed 10-second poller (Terraform)', () => {
  it('polls at 5 s, then every 10 s: 1 + ceil(max(0, d - 5 s) / 10 s)', () => {
    expect([0, 4_999, 5_000, 5_001, 15_000, 15_001, 25_000].map(fixedPollerPolls)).toEqual([1, 1, 1, 2, 2, 3, 3]);
    expect([0, 4_000, 5_000, 5_001, 15_000, 24_000].map(fixedPollerLag)).toEqual([5_000, 1_000, 0, 9_999, 0, 1_000]);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
  });

  it('compares measured polls and lags with the computed ones, on jobs with both times', () => {
    const job = (duration: number, lag: number): FinishedJob => ({ jobId: 'j', jobType: 'createVolume', status: 'SUCCESS', beginTime: 0, endTime: duration, settledAt: duration + lag });
    const unknown: FinishedJob = { jobId: 'u', jobType: 'x', status: 'SUCCESS', beginTime: undefined, endTime: undefined, settledAt: 1 };
    const comparison = compareWithFixedPoller([job(25_000, 1_000), job(12_000, 3_000), unknown], 4);
    expect(comparison).toEqual({
      type: 'comparison',
      jobs: 2,
      polls: { ours: 4, fixed: 3 + 2 },
      lagMs: { ours: { p50: 1_000, p95: 3_000 }, fixed: { p50: 0, p95: 3_000 } },
    });
    expect(formatComparison(comparison)).toBe(
      'Compared with a fixed 10 s poller (Terraform: first poll after 5 s, then every 10 s) on the same 2 jobs: 4 polls vs 5 (20% fewer); detection lag p50 1.0s vs 0ms, p95 3.0s vs 3.0s',
    );
  });
});

describe('exit codes', () => {
  it('puts a signal first, then failures, then jobs not seen to the end', () => {
    const none = { failed: 0, timedOut: 0, notWatched: 0, interrupted: 0 };
    expect(exitCodeOf(none, undefined)).toBe(0);
    expect(exitCodeOf({ ...none, failed: 1, timedOut: 1 }, undefined)).toBe(1);
    expect(exitCodeOf({ ...none, timedOut: 1 }, undefined)).toBe(3);
    expect(exitCodeOf({ ...none, notWatched: 1 }, undefined)).toBe(3);
    expect(exitCodeOf({ ...none, failed: 1 }, 'SIGINT')).toBe(130);
    expect(exitCodeOf(none, 'SIGTERM')).toBe(143);
  });
});

describe('plain and NDJSON output', () => {
  it('prints the summary with the jobs that need attention', () => {
    expect(formatSummary(SUMMARY)).toEqual([
      'Summary: 4 jobs in 1.2s, 9 polls',
      '  succeeded        1',
      '  failed           1',
      '    f  batchCreateVolume  EVS.2024: volume quota exceeded (1 of 20 sub-jobs failed)',
      '  timed out        1',
      '    t  last seen never (no answer)',
      '  not watched      1',
      '    n  not found: job n not found (HTTP 400 Common.0011)',
    ]);
  });

  it('caps each list and groups refused credentials into one line', () => {
    const many = Array.from({ length: MAX_LISTED + 5 }, (_, i) => ({ jobId: `t${i}`, lastStatus: 'RUNNING' }));
    const auth = Array.from({ length: 3 }, (_, i) => ({ jobId: `a${i}`, reason: 'auth' as const, code: 'EVS_AUTH', message: 'HTTP 401 APIGW.0301' }));
    const lines = formatSummary({ ...SUMMARY, timedOut: many.length, timedOutJobs: many, notWatched: 3, notWatchedJobs: auth });
    expect(lines.filter((line) => /^ {4}t\d+/.test(line))).toHaveLength(MAX_LISTED);
    expect(lines).toContain('    … and 5 more (--json lists every job)');
    expect(lines).toContain('    3 jobs: credentials refused: HTTP 401 APIGW.0301');
  });

  it('prints one line per event that matters, and nothing for the rest', () => {
    expect(plainLine({ type: 'succeeded', jobId: 'j', jobType: 'createVolume', durationMs: 25_300 })).toBe('succeeded    j  createVolume  25.3s');
    expect(plainLine({ type: 'throttled', pauseMs: 2_000, retryAfterMs: 2_000, rate: 5 })).toBe('throttled    all polls paused for 2.0s (as Retry-After asked), then at most 5 req/s');
    expect(plainLine({ type: 'notWatched', jobId: 'j', reason: 'rejected', code: 'EVS_HTTP_ERROR', message: 'HTTP 400' })).toBe('rejected     j  HTTP 400');
    expect(plainLine({ type: 'notWatched', jobId: 'j', reason: 'auth', code: 'EVS_AUTH', message: 'HTTP 401' })).toBeUndefined();
    expect(plainLine({ type: 'status', jobId: 'j', jobType: 'x', status: 'RUNNING', previous: null, subJobs: 0 })).toBeUndefined();
    expect(plainLine({ type: 'pollError', jobId: 'j', code: 'EVS_NETWORK', status: null, cause: 'ECONNRESET', message: 'reset', attempt: 1, retryInMs: 500 })).toBeUndefined();
    const written: string[] = [];
    new PlainRenderer({ write: (text: string) => written.push(text) }).end(SUMMARY);
    expect(written.join('')).toMatch(/^\nSummary: 4 jobs/);
  });

  it('prints the first failed poll of a kind at once, then one line per kind every 5 s with counts, the rest at the end', () => {
    let now = 0;
    const written: string[] = [];
    const renderer = new PlainRenderer({ write: (text: string) => written.push(text) }, { monotonicNow: () => now });
    const refused = (jobId: string): CliEvent => ({ type: 'pollError', jobId, code: 'EVS_NETWORK', status: null, cause: 'ECONNREFUSED', message: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1', attempt: 1, retryInMs: 1_200 });
    const notYet: CliEvent = { type: 'pollError', jobId: 'n', code: 'EVS_JOB_NOT_FOUND', status: 400, cause: null, message: 'job n not found (HTTP 400 Common.0011)', attempt: 1, retryInMs: 2_000 };
    // 10 000 jobs refused, 1 000 a second for 10 s, and one job not visible yet.
    for (let ms = 0; ms < 10_000; ms++) {
      now = ms;
      renderer.event(refused(`j${ms}`));
    }
    renderer.event(notYet);
    renderer.end(SUMMARY);

    expect(written.join('').split('\n').filter((line) => line.startsWith('poll error'))).toEqual([
      'poll error   connection refused (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1): job j0, retrying in 1.2s',
      'poll errors  connection refused (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1): 5000 more failed polls of 5000 jobs in 5.0s, still retrying',
      'poll error   job not found yet (job n not found (HTTP 400 Common.0011)): job n, retrying in 2.0s',
      'poll errors  connection refused (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1): 4999 more failed polls of 4999 jobs in 5.0s, still retrying',
    ]);
  });

  it('names the causes an operator acts on', () => {
    const event = (code: string, status: number | null, cause: string | null): PollErrorEvent => ({ type: 'pollError', jobId: 'j', code, status, cause, message: '', attempt: 1, retryInMs: 0 });
    expect(describePollError(event('EVS_NETWORK', null, 'ENOTFOUND'))).toBe('host not found');
    expect(describePollError(event('EVS_NETWORK', null, 'DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe('TLS: self-signed certificate');
    expect(describePollError(event('EVS_HTTP_ERROR', 503, null))).toBe('HTTP 503');
    expect(describePollError(event('EVS_TIMEOUT', null, null))).toBe('no answer within the request timeout');
    expect(describePollError(event('EVS_SOMETHING_NEW', null, 'EWHATEVER'))).toBe('EVS_SOMETHING_NEW');
  });

  it('writes NDJSON with type and time first, the summary last', () => {
    const lines: string[] = [];
    const renderer = new NdjsonRenderer({ write: (text: string) => lines.push(text) }, () => Date.UTC(2026, 0, 1));
    renderer.event({ type: 'timeout', jobId: 't', timeoutMs: 1_000, lastStatus: null });
    renderer.end(SUMMARY, { type: 'comparison', jobs: 0, polls: { ours: 0, fixed: 0 }, lagMs: { ours: { p50: 0, p95: 0 }, fixed: { p50: 0, p95: 0 } } });
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines[0]).toBe('{"type":"timeout","time":"2026-01-01T00:00:00.000Z","jobId":"t","timeoutMs":1000,"lastStatus":null}\n');
    expect(lines.map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(['timeout', 'comparison', 'summary']);
  });
});
