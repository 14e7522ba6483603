import { describe, expect, it } from 'vitest';
import { WatchTimeoutError } from '../../src/errors/watch-errors.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatcherSettings } from '../../src/watcher/options.js';
import type { WatcherSnapshot } from '../../src/watcher/snapshot.js';
import { flush, track } from '../helpers/time.js';
import { payloads, recordEvents, STEADY, useFakeWatchers, type FakeSetup } from '../helpers/watcher.js';

const setup = useFakeWatchers();

/** A second watcher on the same in-memory jobs and clock, restoring `snapshot`. */
function successor(s: FakeSetup, snapshot: WatcherSnapshot, options: WatcherSettings = {}): JobWatcher {
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
    expect(snapshot).toMatchObject({ version: 2, takenAt: s.clock.wallNow() });
    expect(snapshot.watches).toEqual([
      {
        jobId: running,
        jobType: 'createVolume',
        status: 'RUNNING',
        beginTime: s.t0,
        // Times are relative to takenAt, so the snapshot means the same in a process with another clock.
        elapsed: 2_500,
        nextPollIn: 500,
        remaining: 97_500,
        timeout: 100_000,
        throwOnFail: true,
        polls: 2,
        errors: 0,
        notFound: 0,
        confirmations: 0,
      },
    ]);
    // What was learned is opaque and versioned: the next release may change its inside.
    expect(snapshot.learned).toMatchObject({ format: 'evs-job-watcher/learned', version: 2 });
  });

  it('keeps the latest deadline and the longest timeout of several callers', () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 60_000 });
    track(s.watcher.watch(jobId, { timeout: 10_000 }));
    track(s.watcher.watch(jobId, { timeout: 50_000 }));

    expect(s.watcher.snapshot().watches[0]).toMatchObject({ remaining: 50_000, timeout: 50_000, throwOnFail: false });
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
    const cold = successor(s, { version: 2, takenAt: s.clock.wallNow(), watches: [] }, { learn: true });
    const start = s.clock.monotonicNow();
    const warmJob = s.jobs.add({ jobType: 'extendVolume', duration: 90_000 });
    const coldJob = s.jobs.add({ jobType: 'extendVolume', duration: 90_000 });
    track(warm.watch(warmJob, { jobType: 'extendVolume' }));
    track(cold.watch(coldJob, { jobType: 'extendVolume' }));
    await s.clock.tick(200_000);

    // The first poll of each new watcher is its credentials probe, at once; the next one is planned.
    const first = (jobId: string): number => s.jobs.callsFor(jobId)[1]!.time - start;
    // Cold: the extendVolume prior (median 20 s) plans the first poll within 20 s; warm: near the learned 90 s.
    expect(first(coldJob)).toBeLessThan(20_000);
    expect(first(warmJob)).toBeGreaterThan(60_000);
    expect(s.jobs.callsFor(warmJob).length).toBeLessThan(s.jobs.callsFor(coldJob).length);
    await warm.destroy();
    await cold.destroy();
  });
});

describe('malformed snapshots', () => {
  const good = { jobId: 'abc', elapsed: 0, nextPollIn: 0, timeout: 1_000, throwOnFail: false, polls: 0, errors: 0, notFound: 0, confirmations: 0 };
  const snap = (watches: unknown[], more: object = {}): unknown => ({ version: 2, takenAt: 0, watches, ...more });

  it.each<[string, unknown, string]>([
    ['not an object', null, 'Expected `snapshot` to be an object'],
    ['another version', { version: 3, takenAt: 0, watches: [] }, 'Expected `snapshot.version` to be 1 or 2, got 3'],
    ['no takenAt', { version: 2, watches: [] }, 'Expected `snapshot.takenAt` to be a number from 0 to 8640000000000000'],
    ['no watches array', { version: 2, takenAt: 0, watches: {} }, 'Expected `snapshot.watches` to be an array'],
    ['an unsafe job id', snap([{ ...good, jobId: '../x' }]), 'Expected `snapshot.watches[0].jobId` to be a job id'],
    ['a count that is not a number', snap([good, { ...good, polls: null }]), 'Expected `snapshot.watches[1].polls` to be an integer from 0 to 1000000000'],
    ['a negative error count', snap([{ ...good, errors: -100_000 }]), 'Expected `snapshot.watches[0].errors` to be an integer from 0 to 1000000000'],
    ['a negative not-found count', snap([{ ...good, notFound: -1 }]), 'Expected `snapshot.watches[0].notFound` to be an integer from 0 to 1000000000'],
    ['a fractional confirmation count', snap([{ ...good, confirmations: 0.5 }]), 'Expected `snapshot.watches[0].confirmations` to be an integer from 0 to 1000000000'],
    ['a negative elapsed time', snap([{ ...good, elapsed: -5 }]), 'Expected `snapshot.watches[0].elapsed` to be a number from 0 to 9007199254740991'],
    ['a bad remaining time', snap([{ ...good, remaining: 'soon' }]), 'Expected `snapshot.watches[0].remaining` to be a number from 0 to 2147483647'],
    ['a next poll beyond 2³¹−1 ms', snap([{ ...good, nextPollIn: 2 ** 32 }]), 'Expected `snapshot.watches[0].nextPollIn` to be a number from 0 to 2147483647'],
    ['no throwOnFail', snap([{ ...good, throwOnFail: undefined }]), 'Expected `snapshot.watches[0].throwOnFail` to be a boolean'],
    ['a status that is not a string', snap([{ ...good, status: 5 }]), 'Expected `snapshot.watches[0].status` to be a string of at most 128 characters'],
    ['bad subJobsDone', snap([{ ...good, subJobsDone: [1] }]), 'Expected `snapshot.watches[0].subJobsDone` to be an array of job ids'],
    ['more sub-jobs failed than done', snap([{ ...good, subJobsDone: ['a'], subJobsFailed: 2 }]), 'Expected `snapshot.watches[0].subJobsFailed` to be an integer from 0 to 1'],
    ['learned state of another format', snap([], { learned: { format: 'x', version: 1 } }), "Expected `snapshot.learned.format` to be 'evs-job-watcher/learned'"],
    [
      'learned state with a bad model',
      snap([], { learned: { format: 'evs-job-watcher/learned', version: 2, stats: { format: 'evs-job-watcher/stats', version: 1, types: { createVolume: { finished: { x: {} } } } } } }),
      'Expected the hours of `snapshot.learned.stats.types.createVolume.finished` to be integers, got "x"',
    ],
  ])('rejects %s with a TypeError naming the field, restoring nothing', (_what, snapshot, message) => {
    const s = setup();
    expect(() => s.watcher.restore(snapshot as WatcherSnapshot)).toThrow(new TypeError(message));
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
  });

  it('skips learned state of a version it does not know, with a warning, and restores the watches', () => {
    const s = setup();
    s.watcher.restore(snap([good], { learned: { format: 'evs-job-watcher/learned', version: 99, anything: true } }) as WatcherSnapshot);
    expect(s.watcher.stats()).toMatchObject({ watched: 1, waiters: 1 });
    expect(s.logger.calls.find((call) => call.level === 'warn')?.message).toBe('snapshot: learned durations from an unknown version ignored');
  });
});

describe('version 1 snapshots (wall-clock instants)', () => {
  it('are still read: the watch resumes with its age, next poll and deadline', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 20_000 });
    const now = s.clock.wallNow();
    const v1 = {
      version: 1,
      takenAt: now,
      watches: [
        {
          jobId,
          job: { job_id: jobId, job_type: 'createVolume', status: 'RUNNING', begin_time: new Date(now).toISOString() },
          startedAt: now,
          nextPollAt: now + 3_000,
          deadline: now + 10_000,
          timeout: 10_000,
          throwOnFail: false,
          polls: 1,
          errors: 0,
          notFound: 0,
          confirmations: 0,
        },
      ],
      learner: { types: {}, overheads: {} },
      siblings: {},
    };
    const restored = track(s.watcher.restore(v1 as unknown as WatcherSnapshot).get(jobId)!);
    expect(s.watcher.snapshot().watches[0]).toMatchObject({ jobId, status: 'RUNNING', jobType: 'createVolume', nextPollIn: 3_000, remaining: 10_000, polls: 1 });
    await s.clock.tick(10_000);
    expect(restored.error).toBeInstanceOf(WatchTimeoutError);
  });
});
