import { describe, expect, it } from 'vitest';
import { ESCAPE, eventsOf, expectNoStackTrace, ndjson, runCli, summaryOf } from './helpers.js';

describe('evs-jobs demo', () => {
  it('runs the scene to the summary and the comparison with a fixed poller, and exits 0', async () => {
    // 100x: the 12-minute scene in about 8 s of real time (faster, real-time overheads start to show in the lags).
    const result = await runCli(['demo', '--speed', '100']);

    expect(result.stderr).toBe('');
    expect(result.code, result.stdout.slice(-2_000)).toBe(0);
    expectNoStackTrace(result);
    expect(result.stdout).not.toMatch(ESCAPE);
    expect(result.stdout).toMatch(/^evs-jobs demo: 300 volume jobs/);
    expect(result.stdout).toMatch(/AK\/SK-signed, running 100x real time/);
    // Simulated and real time apart: the 12-minute scene took seconds.
    expect(result.stdout).toMatch(/^Summary: 300 jobs in 1\dm\d\ds of simulated time \([\d.]+s real\), \d+ polls$/m);
    expect(result.stdout).toMatch(/^ {2}succeeded +\d+$/m);
    // Every failure is one the scene planned.
    const failed = /^ {2}failed +(\d+) {2}\(by design: the scene fails (\d+) jobs\)$/m.exec(result.stdout);
    expect(failed?.[1]).toBe(failed?.[2]);
    expect(result.stdout).toMatch(/^ {2}timed out +0$/m);
    expect(result.stdout).toMatch(/^ {2}not watched +0$/m);
    const comparison = /^Compared with a fixed 10 s poller \(Terraform: first poll after 5 s, then every 10 s\) on the same 300 jobs: (\d+) polls vs (\d+) .*detection lag p50 \S+ vs \S+, p95 \S+ vs \S+$/m.exec(result.stdout);
    expect(comparison).not.toBeNull();
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(comparison![0]);
  }, 120_000);

  it('reports the comparison as NDJSON before the summary with --json', async () => {
    const result = await runCli(['demo', '--speed', '400', '--jobs', '40', '--json']);
    expect(result.code).toBe(0);
    const events = ndjson(result.stdout);
    const summary = summaryOf(events);
    expect(summary).toMatchObject({ total: 40, timedOut: 0, notWatched: 0 });
    expect(summary['failed']).toBe(summary['failedByDesign']);
    expect(summary['simulatedMs']).toBeGreaterThan(summary['wallMs'] as number);
    expect(events.at(-2)).toMatchObject({ type: 'comparison', jobs: 40 });
    expect(eventsOf(events, 'start')).toHaveLength(1);
  });
});
