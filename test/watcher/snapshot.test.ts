import { describe, expect, it } from 'vitest';
import { WatchTimeoutError } from '../../src/errors/watch-errors.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { JobWatcherOptions } from '../../src/watcher/options.js';
import type { WatcherSnapshot } from '../../src/watcher/snapshot.js';
import { flush, track } from '../helpers/time.js';
import { payloads, recordEvents, STEADY, useFakeWatchers, type FakeSetup } from '../helpers/watcher.js';

const setup = useFakeWatchers();

/** A second watcher on the same in-memory jobs and clock, restoring `snapshot`. */
function successor(s: FakeSetup, snapshot: WatcherSnapshot, options: Partial<JobWatcherOptions> = {}): JobWatcher {
  return new JobWatcher({ ...STEADY, clock: s.clock, fetchJob: s.jobs.fetchJob, restore: snapshot, ...options });
}

/** Survives JSON, as a snapshot stored in a file or a database would. */
function stored(snapshot: WatcherSnapshot): WatcherSnapshot {
  return JSON.parse(JSON.stringify(snapshot)) as WatcherSnapshot;
}

describe('JobWatcher.snapshot()', () => {
  it('is plain JSON of every unfinished watch and of what was learned', async () => {
    const s = setup();
    const done = s.jobs.add({ duration: 1_000 });
    const running = s.jobs.add({ duration: 60_000 });
    track(s.watcher.watch(done));
    track(s.watcher.watch(running, { timeout: 100_000, throwOnFail: true, jobType: 'createVolume' }));
    await s.clock.tick(2_500);

    const snapshot = s.watcher.snapshot();
    expect(stored(snapshot)).toEqual(snapshot);
    expect(snapshot).toMatchObject({ version: 1, takenAt: s.t0 + 2_500 });
    expect(snapshot.watches).toEqual([
      {
        jobId: running,
        // The last job read (at least what planning needs of it: id, type, status, begin time).
        job: expect.objectContaining({ job_id: running, job_type: 'createVolume', status: 'RUNNING', begin_time: new Date(s.t0).toISOString() }) as unknown,
        startedAt: s.t0,
        nextPollAt: s.t0 + 3_000,
        deadline: s.t0 + 100_000,
        timeout: 100_000,
        throwOnFail: true,
        polls: 2,
        errors: 0,
        notFound: 0,
        confirmations: 0,
        jobType: 'createVolume',
      },
    ]);
    expect(snapshot.learner?.types['createVolume']?.samples).toBe(1);
  });

  it('keeps the latest deadline and the longest timeout of several callers', () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 60_000 });
    track(s.watcher.watch(jobId, { timeout: 10_000 }));
    track(s.watcher.watch(jobId, { timeout: 50_000 }));

    expect(s.watcher.snapshot().watches[0]).toMatchObject({ deadline: s.t0 + 50_000, timeout: 50_000, throwOnFail: false });
  });
});

describe('restoring a snapshot', () => {
  it('resumes every watch in another watcher: polls where it left off, keeps the deadline, finishes the job', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 10_000 });
    track(s.watcher.watch(jobId, { timeout: 30_000 }));
    await s.clock.tick(4_500);
    const snapshot = stored(s.watcher.snapshot());
    await s.watcher.destroy();

    const next = successor(s, snapshot);
    const events = recordEvents(next, s.clock, s.t0);
    const resumed = track(next.watch(jobId));
    expect(next.stats()).toMatchObject({ watched: 1, waiters: 2 });
    await s.clock.tick(6_000);

    expect(resumed.value?.status).toBe('SUCCESS');
    expect(s.jobs.callsFor(jobId).map((call) => call.time - s.t0)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000, 10_000]);
    // Its status was restored too: RUNNING is not reported again as a first observation.
    expect(payloads(events, 'statusChange').map(({ status, previous }) => [previous, status])).toEqual([['RUNNING', 'SUCCESS']]);
    expect(next.stats().meanPollsPerFinishedJob).toBe(10);
    await next.destroy();
  });

  it('returns a promise per restored job from restore(), already handled', async () => {
    const s = setup();
    const a = s.jobs.add({ duration: 3_000 });
    const b = s.jobs.add({ duration: 3_000, outcome: 'FAIL' });
    track(s.watcher.watch(a));
    track(s.watcher.watch(b, { throwOnFail: true }));
    const snapshot = stored(s.watcher.snapshot());
    await s.watcher.destroy();

    const next = new JobWatcher({ ...STEADY, clock: s.clock, fetchJob: s.jobs.fetchJob });
    const restored = next.restore(snapshot);
    expect([...restored.keys()]).toEqual([a, b]);
    const [first, second] = [track(restored.get(a)!), track(restored.get(b)!)];
    await s.clock.tick(3_000);
    expect(first.value?.status).toBe('SUCCESS');
    expect(second.error).toMatchObject({ name: 'JobFailedError' });
    await next.destroy();
  });

  it('times a watch out at its original deadline, even if that has passed while nothing ran', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 600_000 });
    track(s.watcher.watch(jobId, { timeout: 20_000 }));
    await s.clock.tick(5_000);
    const snapshot = stored(s.watcher.snapshot());
    await s.watcher.destroy();
    await s.clock.tick(30_000); // the process was down past the deadline

    const next = new JobWatcher({ ...STEADY, clock: s.clock, fetchJob: s.jobs.fetchJob });
    const restored = track(next.restore(snapshot).get(jobId)!);
    await flush(s.clock);
    expect(restored.error).toBeInstanceOf(WatchTimeoutError);
    expect((restored.error as WatchTimeoutError).message).toBe(`job ${jobId} did not finish within 20000 ms (last seen RUNNING)`);
    await next.destroy();
  });

  it('shares a restored watch with an existing one for the same id', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 5_000 });
    const live = track(s.watcher.watch(jobId));
    await s.clock.tick(1_000);
    const restored = track(s.watcher.restore(stored(s.watcher.snapshot())).get(jobId)!);
    await s.clock.tick(4_000);

    expect(s.jobs.callsFor(jobId)).toHaveLength(5);
    expect(live.value).toBe(restored.value);
  });

  it('keeps subJobDone exactly-once across the two watchers', async () => {
    const s = setup();
    const jobId = s.jobs.add({ subJobs: [{ duration: 1_500 }, { duration: 2_500, outcome: 'FAIL' }, { duration: 6_000 }] });
    track(s.watcher.watch(jobId));
    await s.clock.tick(3_000);
    const snapshot = stored(s.watcher.snapshot());
    await s.watcher.destroy();
    expect(snapshot.watches[0]).toMatchObject({ subJobsFailed: 1 });
    expect(snapshot.watches[0]!.subJobsDone).toHaveLength(2);

    const next = successor(s, snapshot);
    const events = recordEvents(next, s.clock, s.t0);
    const watch = track(next.watch(jobId));
    await s.clock.tick(10_000);

    const before = payloads(s.events, 'subJobDone');
    const after = payloads(events, 'subJobDone');
    expect(before.map((event) => event.done)).toEqual([1, 2]);
    expect(after.map(({ done, failed, total }) => ({ done, failed, total }))).toEqual([{ done: 3, failed: 1, total: 3 }]);
    expect(new Set([...before, ...after].map((event) => event.subJob.jobId)).size).toBe(3);
    expect(watch.value?.status).toBe('FAIL');
    await next.destroy();
  });

  it('carries the learned durations over, so the new watcher does not start cold', async () => {
    const s = setup({ learn: true, jitter: 0 });
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 5; i++) track(s.watcher.watch(s.jobs.add({ jobType: 'extendVolume', duration: 90_000 }), { jobType: 'extendVolume' }));
      await s.clock.tick(200_000);
    }
    expect(s.watcher.stats().finished).toBe(150);
    const snapshot = stored(s.watcher.snapshot());
    await s.watcher.destroy();

    const warm = successor(s, snapshot, { learn: true });
    const cold = successor(s, { version: 1, takenAt: s.clock.monotonicNow(), watches: [] }, { learn: true });
    const start = s.clock.monotonicNow();
    const warmJob = s.jobs.add({ jobType: 'extendVolume', duration: 90_000 });
    const coldJob = s.jobs.add({ jobType: 'extendVolume', duration: 90_000 });
    track(warm.watch(warmJob, { jobType: 'extendVolume' }));
    track(cold.watch(coldJob, { jobType: 'extendVolume' }));
    await s.clock.tick(200_000);

    const first = (jobId: string): number => s.jobs.callsFor(jobId)[0]!.time - start;
    // Cold: the extendVolume prior (median 20 s) plans the first poll within 20 s; warm: near the learned 90 s.
    expect(first(coldJob)).toBeLessThan(20_000);
    expect(first(warmJob)).toBeGreaterThan(60_000);
    expect(s.jobs.callsFor(warmJob).length).toBeLessThan(s.jobs.callsFor(coldJob).length);
    await warm.destroy();
    await cold.destroy();
  });
});

describe('malformed snapshots', () => {
  const good = { jobId: 'abc', startedAt: 0, nextPollAt: 0, timeout: 1_000, throwOnFail: false, polls: 0, errors: 0, notFound: 0, confirmations: 0 };

  it.each<[string, unknown, string]>([
    ['not an object', null, 'Expected `snapshot` to be an object'],
    ['another version', { version: 2, watches: [] }, 'Expected `snapshot.version` to be 1'],
    ['no watches array', { version: 1, watches: {} }, 'Expected `snapshot.watches` to be an array'],
    ['an unsafe job id', { version: 1, watches: [{ ...good, jobId: '../x' }] }, 'Expected `snapshot.watches[0].jobId` to be a job id'],
    ['a non-finite number', { version: 1, watches: [good, { ...good, polls: null }] }, 'Expected `snapshot.watches[1].polls` to be a finite number'],
    ['a bad deadline', { version: 1, watches: [{ ...good, deadline: 'soon' }] }, 'Expected `snapshot.watches[0].deadline` to be a finite number'],
    ['no throwOnFail', { version: 1, watches: [{ ...good, throwOnFail: undefined }] }, 'Expected `snapshot.watches[0].throwOnFail` to be a boolean'],
    ['a job that is not an object', { version: 1, watches: [{ ...good, job: 'x' }] }, 'Expected `snapshot.watches[0].job` to be an object'],
    ['bad subJobsDone', { version: 1, watches: [{ ...good, subJobsDone: [1] }] }, 'Expected `snapshot.watches[0].subJobsDone` to be an array of strings'],
    ['a bad learner', { version: 1, watches: [], learner: { types: {} } }, 'Expected `snapshot.learner.overheads` to be an object'],
  ])('rejects %s with a TypeError naming the field, restoring nothing', (_what, snapshot, message) => {
    const s = setup();
    expect(() => s.watcher.restore(snapshot as WatcherSnapshot)).toThrow(new TypeError(message));
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
  });

  it('rejects a stored job that is not a valid job, before restoring any watch', () => {
    const s = setup();
    const snapshot = { version: 1, takenAt: 0, watches: [good, { ...good, jobId: 'def', job: { status: 'RUNNING' } }] } as WatcherSnapshot;
    expect(() => s.watcher.restore(snapshot)).toThrow(/job_id/);
    expect(s.watcher.stats().watched).toBe(0);
  });
});
