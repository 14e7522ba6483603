import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { parseJob } from '../../src/model/parse-job.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatcherSettings } from '../../src/watcher/options.js';
import { createFakeClock, type FakeClock } from '../helpers/fake-clock.js';
import { FakeJobs } from '../helpers/fake-jobs.js';
import { advance, track } from '../helpers/time.js';

/**
 * Jobs whose ids carry their creation time like EVS's (characters 16–28, ms in
 * hex): `add` makes one that began `ago` ms before now and runs `duration` ms.
 */
class StampedJobs {
  readonly calls: { readonly jobId: string; readonly time: number }[] = [];
  readonly #clock: FakeClock;
  readonly #jobs = new Map<string, { readonly jobType: string; readonly beginAt: number; readonly endAt: number }>();

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  add(jobType: string, duration: number, ago = 0): string {
    const beginAt = this.#clock.wallNow() - ago;
    const jobId = `${this.#jobs.size.toString(16).padStart(16, 'a')}${beginAt.toString(16).padStart(12, '0')}0001`;
    this.#jobs.set(jobId, { jobType, beginAt, endAt: beginAt + duration });
    return jobId;
  }

  /** Fake monotonic times `jobId` was polled at, relative to `t0`. */
  pollsOf(jobId: string, t0: number): number[] {
    return this.calls.filter((call) => call.jobId === jobId).map((call) => call.time - t0);
  }

  readonly fetchJob = (jobId: string): Promise<Job> => {
    this.calls.push({ jobId, time: this.#clock.monotonicNow() });
    const job = this.#jobs.get(jobId)!;
    const now = this.#clock.wallNow();
    const done = now >= job.endAt;
    return Promise.resolve(
      parseJob({
        status: done ? 'SUCCESS' : 'RUNNING',
        entities: {},
        job_id: jobId,
        job_type: job.jobType,
        begin_time: new Date(job.beginAt).toISOString(),
        end_time: done ? new Date(job.endAt).toISOString() : '',
        error_code: null,
        fail_reason: null,
      }),
    );
  };
}

const watchers: JobWatcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.destroy()));
});

function setup(options: WatcherSettings = {}) {
  const clock = createFakeClock();
  const jobs = new StampedJobs(clock);
  const watcher = new JobWatcher({ fetchJob: jobs.fetchJob, clock, ...options });
  watchers.push(watcher);
  return { clock, jobs, watcher, t0: clock.monotonicNow() };
}

/** Watches every id and records the fake time each settles at, relative to `t0`. */
function settleTimes(watcher: JobWatcher, clock: FakeClock, ids: readonly string[], t0: number, jobType?: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const id of ids) void watcher.watch(id, jobType === undefined ? {} : { jobType }).then(() => times.set(id, clock.monotonicNow() - t0));
  return times;
}

describe('the first poll', () => {
  it('goes out at once (the credentials probe): a refused key is reported within a request, not after the first planned poll', async () => {
    const clock = createFakeClock();
    const jobs = new FakeJobs(clock);
    jobs.fail('*', 'auth');
    const watcher = new JobWatcher({ fetchJob: jobs.fetchJob, clock });
    watchers.push(watcher);
    const watch = track(watcher.watch(jobs.add({ jobType: 'createVolume', duration: 60_000 })));
    await advance(clock, 100);

    expect(watch.error).toMatchObject({ name: 'AuthError', status: 401 });
    expect(jobs.calls).toHaveLength(1);
  });

  it('with learn: false, comes after initialDelay as configured', async () => {
    const clock = createFakeClock();
    const jobs = new FakeJobs(clock);
    const watcher = new JobWatcher({ fetchJob: jobs.fetchJob, clock, learn: false, jitter: 0 });
    watchers.push(watcher);
    track(watcher.watch(jobs.add({ duration: 60_000 })));
    await advance(clock, 1_999);
    expect(jobs.calls).toHaveLength(0);
    await advance(clock, 1);
    expect(jobs.calls).toHaveLength(1);
  });
});

describe("a job's age before the first answer", () => {
  it('is read from its id: an id an hour old, long finished, is noticed at once with one poll', async () => {
    const { clock, jobs, watcher, t0 } = setup();
    const probe = jobs.add('createVolume', 60_000);
    const old = jobs.add('createVolume', 25_000, 3_600_000);
    track(watcher.watch(probe));
    const times = settleTimes(watcher, clock, [old], t0);
    await advance(clock, 2_000);

    expect(times.get(old)).toBeLessThanOrEqual(500);
    expect(jobs.pollsOf(old, t0)).toHaveLength(1);
  });

  it('plans a fresh id from its true age: a job created 10 s before it is watched is polled 10 s sooner', async () => {
    const { clock, jobs, watcher, t0 } = setup({ jitter: 0 });
    // A few creates first, so the model is confirmed and nobody scouts.
    settleTimes(watcher, clock, Array.from({ length: 5 }, () => jobs.add('createVolume', 25_000)), t0);
    await advance(clock, 60_000);
    const atZero = jobs.add('createVolume', 600_000);
    const tenSeconds = jobs.add('createVolume', 600_000, 10_000);
    track(watcher.watch(atZero, { jobType: 'createVolume' }));
    track(watcher.watch(tenSeconds, { jobType: 'createVolume' }));
    await advance(clock, 30_000);

    const [first] = jobs.pollsOf(atZero, t0);
    const [firstOld] = jobs.pollsOf(tenSeconds, t0);
    expect(first! - firstOld!).toBeCloseTo(10_000, -2);
  });

  it('is taken as zero for an id without a timestamp (planned as if just created)', async () => {
    const clock = createFakeClock();
    const jobs = new FakeJobs(clock);
    const watcher = new JobWatcher({ fetchJob: jobs.fetchJob, clock });
    watchers.push(watcher);
    // A few jobs first, so the any-job model is confirmed and nobody scouts.
    for (let i = 0; i < 5; i++) track(watcher.watch(jobs.add({ duration: 25_000 })));
    await advance(clock, 60_000);
    const old = jobs.add({ jobType: 'createVolume', duration: 25_000, startAt: clock.wallNow() - 3_600_000 });
    const watch = track(watcher.watch(old));
    await advance(clock, 10_000);
    expect(watch.status).toBe('pending');
    await advance(clock, 30_000);
    expect(watch.value?.status).toBe('SUCCESS');
    expect(jobs.callsFor(old)).toHaveLength(1);
  });
});

describe('cold start: the lag bound holds while a model is unconfirmed', () => {
  it('re-plans the waiting jobs of a type when its first samples move its model: 40 creates 10× faster than the prior', async () => {
    const { clock, jobs, watcher, t0 } = setup();
    const ids = Array.from({ length: 40 }, (_, i) => jobs.add('createVolume', 2_000 + 25 * i));
    const times = settleTimes(watcher, clock, ids, t0, 'createVolume');
    await advance(clock, 30_000);

    // The prior (median 25 s) alone plans the first poll at ~16 s; the cohort's scouts see the jobs end and pull the rest in.
    expect(times.size).toBe(40);
    for (const [index, id] of ids.entries()) expect(times.get(id)! - (2_000 + 25 * index)).toBeLessThan(6_000);
    expect(jobs.calls.length).toBeLessThan(2 * 40 + 4);
  });

  it("applies a scout's type to its untyped cohort: a burst of deletes after many creates is planned as deletes", async () => {
    const { clock, jobs, watcher, t0 } = setup();
    settleTimes(watcher, clock, Array.from({ length: 40 }, (_, i) => jobs.add('createVolume', 24_000 + 50 * i)), t0);
    await advance(clock, 120_000);
    const started = clock.monotonicNow();
    const deletes = Array.from({ length: 100 }, (_, i) => jobs.add('deleteVolume', 7_000 + 20 * i));
    const times = settleTimes(watcher, clock, deletes, started);
    await advance(clock, 60_000);

    // Planned from the any-job model alone (creates of ~25 s), their first poll would come ~20 s in.
    expect(times.size).toBe(100);
    for (const [index, id] of deletes.entries()) expect(times.get(id)! - (7_000 + 20 * index)).toBeLessThan(10_000);
  });
});
