import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { parseJob } from '../../src/model/parse-job.js';
import type { PolicyOptions } from '../../src/schedule/poll-policy.js';
import { Interner } from '../../src/watcher/interner.js';
import { NO_REPLANNING, Planner } from '../../src/watcher/planner.js';
import { Watch } from '../../src/watcher/watch.js';

const POLICY: PolicyOptions = { initialDelay: 2_000, maxDelay: 600_000, factor: 1.5, jitter: 0, maxLag: 10_000, maxLagRatio: 0.08, learn: true };
const T0 = Date.UTC(2026, 0, 1);

function planner(): Planner {
  return new Planner(POLICY, {}, () => 0, NO_REPLANNING);
}

let ids = 0;
/** A job of `jobType` that began at T0 + `begin` ms: finished after `duration` ms, or still running. */
function job(jobType: string, begin: number, duration: number | undefined): Job {
  const jobId = (ids++).toString(16).padStart(32, '0');
  return parseJob({
    status: duration === undefined ? 'RUNNING' : 'SUCCESS',
    entities: {},
    job_id: jobId,
    job_type: jobType,
    begin_time: new Date(T0 + begin).toISOString(),
    end_time: duration === undefined ? '' : new Date(T0 + begin + duration).toISOString(),
    error_code: null,
    fail_reason: null,
  });
}

/** Feeds `count` finished jobs of `jobType` lasting about `median` ms to each planner. */
function feed(planners: readonly Planner[], jobType: string, median: number, count: number, begin: number): void {
  for (let i = 0; i < count; i++) {
    const finished = job(jobType, begin + i * 1_000, median * (0.8 + (0.4 * i) / count));
    for (const p of planners) p.finished(new Watch(finished.jobId, 0, undefined), finished, 0);
  }
}

/** The planned first poll of a new job of `jobType`, in ms. */
function firstPoll(p: Planner, jobType: string): number {
  return p.first(new Watch(`new-${jobType}-${ids++}`, 0, jobType), 0);
}

describe('Planner stats and merge', () => {
  it('are plain, versioned JSON that add up: a planner that merged another\'s stats plans like one that saw both', () => {
    const [a, b, both] = [planner(), planner(), planner()];
    feed([a, both], 'createVolume', 40_000, 30, 0);
    feed([b, both], 'createVolume', 60_000, 30, 7_200_000);
    feed([b, both], 'deleteVolume', 9_000, 10, 7_200_000);
    const stats = JSON.parse(JSON.stringify(a.stats())) as unknown;
    expect(stats).toMatchObject({ format: 'evs-job-watcher/stats', version: 1 });
    b.merge(stats);

    expect(b.stats().types).toEqual(both.stats().types);
    // Equal counts, equal models (each fitted afresh here: a live planner refits once 5 % of its evidence is new).
    const [fromB, fromBoth] = [planner(), planner()];
    fromB.merge(b.stats());
    fromBoth.merge(both.stats());
    for (const jobType of ['createVolume', 'deleteVolume', 'extendVolume']) expect(firstPoll(fromB, jobType)).toBe(firstPoll(fromBoth, jobType));
  });

  it('merge replaces the running jobs other processes reported (a gauge) rather than adding them up', () => {
    const [a, b] = [planner(), planner()];
    for (let i = 0; i < 20; i++) {
      const running = job('extendVolume', 0, undefined);
      const watch = new Watch(running.jobId, 0, undefined);
      watch.recordAnswer(running, new Interner(), 1, T0 + 90_000, 90_000);
      a.delay(watch, running, 90_000);
    }
    const once = planner();
    once.merge(a.stats());
    b.merge(a.stats());
    b.merge(a.stats());

    expect(firstPoll(b, 'extendVolume')).toBe(firstPoll(once, 'extendVolume'));
    // Its own stats report only the jobs it runs itself: what it publishes for the others.
    expect(a.stats().types['extendVolume']!.running).toEqual({ [Math.round(10 * Math.log(90_000))]: 20 });
    expect(b.stats().types['extendVolume']!.running).toEqual({});
    // Twenty extends still running at 90 s: the type is slower than its 20 s prior says.
    expect(firstPoll(b, 'extendVolume')).toBeGreaterThan(firstPoll(planner(), 'extendVolume') + 20_000);
  });

  it('forgets a job nobody watches any more: it no longer counts as running', () => {
    const p = planner();
    const running = job('createVolume', 0, undefined);
    const watch = new Watch(running.jobId, 0, undefined);
    watch.recordAnswer(running, new Interner(), 1, T0 + 30_000, 30_000);
    p.delay(watch, running, 30_000);
    expect(p.stats().types['createVolume']!.running).not.toEqual({});
    p.forget(watch);
    expect(p.stats().types['createVolume']!.running).toEqual({});
  });

  it('refuses malformed stats, merging nothing', () => {
    const p = planner();
    expect(() => p.merge({ format: 'evs-job-watcher/stats', version: 2 })).toThrow(new TypeError("Expected `stats` to be { format: 'evs-job-watcher/stats', version: 1, … }"));
    expect(() => p.merge({ format: 'evs-job-watcher/stats', version: 1, types: {}, siblings: { createVolume: { ss: 1, dof: -1 } } })).toThrow(
      new TypeError('Expected `stats.siblings.createVolume.dof` to be a number from 0 to 1000000000000000'),
    );
    expect(p.stats().types).toEqual({});
  });
});

describe('Planner snapshots', () => {
  it('round-trip what was learned (finished jobs; what runs now is the next process\'s to see), and ignore version 1', () => {
    const p = planner();
    feed([p], 'createVolume', 50_000, 40, 0);
    const state = JSON.parse(JSON.stringify(p.state())) as unknown;
    const next = planner();

    expect(state).toMatchObject({ format: 'evs-job-watcher/learned', version: 2 });
    expect(next.load(state)).toBe(true);
    expect(next.state()).toEqual(state);
    expect(firstPoll(next, 'createVolume') / firstPoll(p, 'createVolume')).toBeCloseTo(1, 1);
    expect(planner().load({ format: 'evs-job-watcher/learned', version: 1, learner: { types: {}, overheads: {} } })).toBe(false);
  });
});
