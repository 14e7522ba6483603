import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors/http-error.js';
import { JobFailedError, WatchTimeoutError } from '../../src/errors/watch-errors.js';
import type { Job } from '../../src/model/job.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { FakeFault } from '../helpers/fake-jobs.js';
import { advance, track } from '../helpers/time.js';
import { payloads, STEADY, useFakeWatchers } from '../helpers/watcher.js';

const setup = useFakeWatchers();

/** Poll times of `jobId`, in fake ms since the start. */
function pollTimes(s: ReturnType<typeof setup>, jobId?: string): number[] {
  return s.jobs.callsFor(jobId).map((call) => call.time - s.t0);
}

describe('JobWatcher.watch resolves with the final job', () => {
  it('on SUCCESS, at the first poll after the job ended', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 5_000 });
    const watch = track(s.watcher.watch(jobId));

    await s.clock.tick(4_999);
    expect(watch.status).toBe('pending');
    await s.clock.tick(1);

    expect(watch.status).toBe('fulfilled');
    expect(watch.value).toMatchObject({ jobId, status: 'SUCCESS', jobType: 'createVolume' });
    expect(watch.value!.endTime!.getTime() - watch.value!.beginTime!.getTime()).toBe(5_000);
    expect(pollTimes(s, jobId)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
  });

  it('on FAIL too, by default: the caller reads the failed job', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 3_000, outcome: 'FAIL', errorCode: 'EVS.2024', failReason: 'volume quota exceeded' });

    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(3_000);

    expect(watch.value).toMatchObject({ jobId, status: 'FAIL', errorCode: 'EVS.2024', failReason: 'volume quota exceeded' });
  });

  it('rejects with JobFailedError (errorCode, failReason, job) on FAIL with throwOnFail', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 3_000, outcome: 'FAIL', errorCode: 'EVS.2024', failReason: 'volume quota exceeded' });

    const watch = track(s.watcher.watch(jobId, { throwOnFail: true }));
    await s.clock.tick(3_000);

    expect(watch.error).toBeInstanceOf(JobFailedError);
    const error = watch.error as JobFailedError;
    expect(error).toMatchObject({ code: 'EVS_JOB_FAILED', errorCode: 'EVS.2024', failReason: 'volume quota exceeded' });
    expect(error.job).toMatchObject({ jobId, status: 'FAIL' });
    expect(error.message).toBe(`job ${jobId} (createVolume) failed: EVS.2024: volume quota exceeded`);
  });

  it('resolves a job that is already finished at the first poll', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 1 });
    const watch = track(s.watcher.watch(jobId));

    await s.clock.tick(1_000);
    expect(watch.value?.status).toBe('SUCCESS');
    expect(pollTimes(s)).toEqual([1_000]);
  });
});

describe('JobWatcher.watchAll', () => {
  it('resolves with every final job, in the order asked', async () => {
    const s = setup();
    const ids = [s.jobs.add({ duration: 9_000 }), s.jobs.add({ duration: 2_000 }), s.jobs.add({ duration: 5_000, outcome: 'FAIL' })];

    const all = track(s.watcher.watchAll(ids));
    await s.clock.tick(9_000);

    expect(all.value?.map((job) => [job.jobId, job.status])).toEqual([
      [ids[0], 'SUCCESS'],
      [ids[1], 'SUCCESS'],
      [ids[2], 'FAIL'],
    ]);
  });

  it('rejects like Promise.all when one watch rejects (throwOnFail)', async () => {
    const s = setup();
    const ids = [s.jobs.add({ duration: 9_000 }), s.jobs.add({ duration: 2_000, outcome: 'FAIL' })];

    const all = track(s.watcher.watchAll(ids, { throwOnFail: true }));
    await s.clock.tick(2_000);

    expect(all.error).toBeInstanceOf(JobFailedError);
    expect((all.error as JobFailedError).job.jobId).toBe(ids[1]);
  });

  it('stops polling the rest of the batch once it rejected, unless someone else watches a job', async () => {
    const s = setup();
    const [slow, failing, shared] = [s.jobs.add({ duration: 60_000 }), s.jobs.add({ duration: 2_000, outcome: 'FAIL' }), s.jobs.add({ duration: 60_000 })];
    const all = track(s.watcher.watchAll([slow, failing, shared], { throwOnFail: true }));
    const alone = track(s.watcher.watch(shared));
    await s.clock.tick(2_000);

    expect(all.error).toBeInstanceOf(JobFailedError);
    expect(s.watcher.stats()).toMatchObject({ watched: 1, waiters: 1 });
    await s.clock.tick(10_000);
    expect(s.jobs.callsFor(slow)).toHaveLength(2);
    expect(s.jobs.callsFor(shared).length).toBeGreaterThan(2);
    expect(alone.status).toBe('pending');
  });

  it('times the whole batch out with one deadline, reporting each unfinished job', async () => {
    const s = setup();
    const ids = [s.jobs.add({ duration: 1_000 }), s.jobs.add({ duration: 60_000 }), s.jobs.add({ duration: 60_000 })];
    const all = track(s.watcher.watchAll(ids, { timeout: 5_000 }));
    await s.clock.tick(5_000);

    expect(all.error).toBeInstanceOf(WatchTimeoutError);
    expect(all.error).toMatchObject({ jobId: ids[1], timeout: 5_000 });
    expect(payloads(s.events, 'timeout').map((event) => event.jobId)).toEqual([ids[1], ids[2]]);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
  });

  it('refuses the whole batch, watching nothing, when one id is invalid', async () => {
    const s = setup();
    const all = track(s.watcher.watchAll([s.jobs.add(), 'not/valid']));
    await s.clock.tick(5_000);
    expect(all.error).toBeInstanceOf(TypeError);
    expect(s.jobs.calls).toEqual([]);
  });

  it('resolves an empty batch at once', async () => {
    const s = setup();
    await expect(s.watcher.watchAll([])).resolves.toEqual([]);
  });

  it('accepts any iterable of ids', async () => {
    const s = setup();
    const ids = new Set([s.jobs.add({ duration: 1_000 }), s.jobs.add({ duration: 1_000 })]);
    const all = track(s.watcher.watchAll(ids.values()));
    await s.clock.tick(1_000);
    expect(all.value).toHaveLength(2);
  });
});

describe('JobWatcher dedupe: watching one id twice', () => {
  it('shares one stream of requests, and both callers settle with the same job', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 4_000 });
    const first = track(s.watcher.watch(jobId));
    await s.clock.tick(1_500);
    const second = track(s.watcher.watch(jobId));

    expect(s.watcher.stats()).toMatchObject({ watched: 1, waiters: 2 });
    await s.clock.tick(2_500);

    expect(pollTimes(s, jobId)).toEqual([1_000, 2_000, 3_000, 4_000]);
    expect(first.value).toBe(second.value);
    expect(first.value?.status).toBe('SUCCESS');
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0, finished: 1 });
  });

  it('settles each caller by its own options: one resolves the failed job, the other rejects', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 2_000, outcome: 'FAIL' });
    const lenient = track(s.watcher.watch(jobId));
    const strict = track(s.watcher.watch(jobId, { throwOnFail: true }));

    await s.clock.tick(2_000);
    expect(lenient.value?.status).toBe('FAIL');
    expect(strict.error).toBeInstanceOf(JobFailedError);
    expect(pollTimes(s, jobId)).toEqual([1_000, 2_000]);
  });

  it('gives each caller its own timeout', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 60_000 });
    const short = track(s.watcher.watch(jobId, { timeout: 5_000 }));
    const long = track(s.watcher.watch(jobId));

    await s.clock.tick(5_000);
    expect(short.error).toBeInstanceOf(WatchTimeoutError);
    expect(long.status).toBe('pending');
    await s.clock.tick(56_000);
    expect(long.value?.status).toBe('SUCCESS');
  });

  // O(N²) work (a scan of every caller per attach and detach) took ~15 s for 30 000 callers: the
  // test's timeout, ten times what O(N) needs on a loaded machine, is the bound, not a stopwatch.
  it('attaches and settles 100 000 callers of one id in linear time', { timeout: 20_000 }, async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 2_000 });
    const callers = Array.from({ length: 100_000 }, (_, i) => track(s.watcher.watch(jobId, { timeout: 60_000 + i })));
    expect(s.watcher.stats()).toMatchObject({ watched: 1, waiters: 100_000 });
    await s.clock.tick(2_000);
    expect(callers.every((caller) => caller.value?.status === 'SUCCESS')).toBe(true);
    expect(pollTimes(s, jobId)).toEqual([1_000, 2_000]);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
  });

  it('times 100 000 callers of one id out at their own deadlines in linear time', { timeout: 20_000 }, async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 3_600_000 });
    // 100 distinct deadlines (fake-timers yields to the real loop per timer): 1 000 callers expire at each.
    const callers = Array.from({ length: 100_000 }, (_, i) => track(s.watcher.watch(jobId, { timeout: 10_000 + 100 * (i % 100) })));
    await s.clock.tick(10_000 + 4_950);
    expect(callers.filter((caller) => caller.status === 'rejected')).toHaveLength(50_000);
    await s.clock.tick(5_000);
    expect(callers.every((caller) => caller.error instanceof WatchTimeoutError)).toBe(true);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
  });
});

describe('JobWatcher batch jobs', () => {
  it('counts each sub-job id once, so progress reaches done = total even when a broken service lists an id twice', async () => {
    const s = setup();
    const twice = (job: Job): Job => ({ ...job, entities: { ...job.entities, subJobs: [...job.entities.subJobs, ...job.entities.subJobs] } });
    const jobId = s.jobs.add({ subJobs: [{ duration: 1_000 }, { duration: 2_000 }] });
    const watcher = new JobWatcher({ ...STEADY, clock: s.clock, fetchJob: async (id, options) => twice(await s.jobs.fetchJob(id, options)) });
    const progress: [number, number][] = [];
    watcher.on('progress', ({ done, total }) => progress.push([done, total]));
    const watch = track(watcher.watch(jobId));
    await s.clock.tick(5_000);
    expect(watch.value?.status).toBe('SUCCESS');
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
    await watcher.destroy();
  });
});

describe('JobWatcher timeouts', () => {
  it('rejects with WatchTimeoutError carrying the last job seen, at the deadline, and emits `timeout`', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 3_600_000 });
    const watch = track(s.watcher.watch(jobId, { timeout: 10_000 }));

    await s.clock.tick(9_999);
    expect(watch.status).toBe('pending');
    await s.clock.tick(1);

    const error = watch.error as WatchTimeoutError;
    expect(error).toBeInstanceOf(WatchTimeoutError);
    expect(error).toMatchObject({ code: 'EVS_WATCH_TIMEOUT', jobId, timeout: 10_000, lastStatus: 'RUNNING' });
    expect(error.job).toMatchObject({ jobId, status: 'RUNNING' });
    expect(error.message).toBe(`job ${jobId} did not finish within 10000 ms (last seen RUNNING)`);
    expect(payloads(s.events, 'timeout')).toEqual([{ jobId, timeout: 10_000, job: error.job }]);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
  });

  it('carries the last job seen even when the deadline falls while a poll is in flight', async () => {
    const s = setup({}, { latency: 3_000 });
    const jobId = s.jobs.add({ duration: 3_600_000 });
    const watch = track(s.watcher.watch(jobId, { timeout: 10_000 }));
    await s.clock.tick(10_000);

    const error = watch.error as WatchTimeoutError;
    expect(error.message).toBe(`job ${jobId} did not finish within 10000 ms (last seen RUNNING)`);
    expect(error.job).toMatchObject({ jobId, status: 'RUNNING' });
    expect(payloads(s.events, 'timeout')[0]?.job).toMatchObject({ jobId, status: 'RUNNING' });
  });

  it('keeps the last status seen (lastStatus) when the polls before the deadline failed', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 3_600_000 });
    const watch = track(s.watcher.watch(jobId, { timeout: 10_000 }));
    await s.clock.tick(4_500);
    s.jobs.fail(jobId, ...Array<FakeFault>(20).fill('http503'));
    await s.clock.tick(5_500);

    const error = watch.error as WatchTimeoutError;
    expect(error.message).toBe(`job ${jobId} did not finish within 10000 ms (last seen RUNNING)`);
    expect(error.lastStatus).toBe('RUNNING');
  });

  it('says "never seen" when no poll answered before the deadline, and abandons the poll in flight', async () => {
    const s = setup();
    const jobId = s.jobs.add();
    s.jobs.fail(jobId, 'hang');
    const watch = track(s.watcher.watch(jobId, { timeout: 3_000 }));
    await s.clock.tick(3_000);

    expect((watch.error as WatchTimeoutError).message).toBe(`job ${jobId} did not finish within 3000 ms (never seen)`);
    expect('job' in (watch.error as object)).toBe(false);
    expect('lastStatus' in (watch.error as object)).toBe(false);
    expect(s.jobs.calls).toEqual([{ jobId, time: s.t0 + 1_000, outcome: 'aborted' }]);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, inFlight: 0 });
  });

  it('uses the watcher-wide timeout unless the watch gives its own', async () => {
    const s = setup({ timeout: 4_000 });
    const jobId = s.jobs.add({ duration: 3_600_000 });
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(4_000);
    expect(watch.error).toMatchObject({ timeout: 4_000 });
  });

  it('moves the last poll to land just before the deadline, so a job ending then still counts', async () => {
    // Backoff 1 s, 2 s, 4 s, 8 s…: polls at 1, 3, 7, 15, 31 s; the next (63 s) would miss a 40 s deadline.
    const s = setup({ initialDelay: 1_000, factor: 2, maxLag: 600_000 });
    const jobId = s.jobs.add({ duration: 39_900 });
    const watch = track(s.watcher.watch(jobId, { timeout: 40_000 }));

    await s.clock.tick(40_000);
    // 50 ms ahead of the deadline (the minimum margin; in-memory answers take no time).
    expect(pollTimes(s, jobId)).toEqual([1_000, 3_000, 7_000, 15_000, 31_000, 39_950]);
    expect(watch.value?.status).toBe('SUCCESS');
  });

  it('pulls an already planned poll in when a second caller brings a sooner deadline', async () => {
    const s = setup({ initialDelay: 30_000 });
    const jobId = s.jobs.add({ duration: 3_600_000 });
    track(s.watcher.watch(jobId));
    const impatient = track(s.watcher.watch(jobId, { timeout: 10_000 }));

    await s.clock.tick(10_000);
    expect(pollTimes(s, jobId)).toEqual([9_950]);
    expect((impatient.error as WatchTimeoutError).job?.status).toBe('RUNNING');
  });
});

describe('JobWatcher success confirmations', () => {
  it('needs SUCCESS on `successConfirmations` consecutive polls, spaced confirmationDelay apart', async () => {
    const s = setup({ successConfirmations: 3, confirmationDelay: 1_000, initialDelay: 5_000 });
    const jobId = s.jobs.add({ duration: 2_000 });
    const watch = track(s.watcher.watch(jobId));

    await s.clock.tick(6_999);
    expect(watch.status).toBe('pending');
    await s.clock.tick(1);

    expect(watch.value?.status).toBe('SUCCESS');
    expect(pollTimes(s, jobId)).toEqual([5_000, 6_000, 7_000]);
    // SUCCESS is one status change, however often it is confirmed.
    expect(payloads(s.events, 'statusChange').map((event) => event.status)).toEqual(['SUCCESS']);
    expect(payloads(s.events, 'done')).toHaveLength(1);
  });

  it('does not make FAIL wait for confirmations', async () => {
    const s = setup({ successConfirmations: 5 });
    const jobId = s.jobs.add({ duration: 2_000, outcome: 'FAIL' });
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(2_000);
    expect(watch.value?.status).toBe('FAIL');
  });

  it('starts counting again when a SUCCESS is followed by an in-progress answer', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 1_000 });
    let calls = 0;
    // The second answer says RUNNING again (an eventually consistent replica).
    const watcher = new JobWatcher({
      ...STEADY,
      clock: s.clock,
      successConfirmations: 2,
      confirmationDelay: 1_000,
      fetchJob: async (id, options) => {
        const job: Job = await s.jobs.fetchJob(id, options);
        return ++calls === 2 ? { ...job, status: 'RUNNING' } : job;
      },
    });
    const watch = track(watcher.watch(jobId));

    await s.clock.tick(3_000);
    expect(watch.status).toBe('pending');
    await s.clock.tick(1_000);
    expect(watch.value?.status).toBe('SUCCESS');
    expect(calls).toBe(4);
    await watcher.destroy();
  });
});

describe('JobWatcher non-retryable answers', () => {
  it('rejects only the watch whose poll got a non-retryable 4xx; others keep going', async () => {
    const s = setup();
    const bad = s.jobs.add({ duration: 3_000 });
    const good = s.jobs.add({ duration: 3_000 });
    s.jobs.fail(bad, 'http400');
    const rejected = track(s.watcher.watch(bad));
    const fine = track(s.watcher.watch(good));

    await s.clock.tick(3_000);
    expect(rejected.error).toBeInstanceOf(HttpError);
    expect(rejected.error).toMatchObject({ status: 400, serviceCode: 'EVS.0001', retryable: false });
    expect(pollTimes(s, bad)).toEqual([1_000]);
    expect(fine.value?.status).toBe('SUCCESS');
    expect(s.watcher.stats().errors.http).toBe(1);
  });

  it('rejects a watch whose custom fetchJob throws a TypeError (a bug, not a transient failure)', async () => {
    const s = setup();
    const jobId = s.jobs.add();
    const watcher = new JobWatcher({
      clock: s.clock,
      fetchJob: () => Promise.reject(new TypeError('cannot read properties of undefined')),
      learn: false,
      initialDelay: 1_000,
    });
    const watch = track(watcher.watch(jobId));
    await s.clock.tick(5_000);
    expect(watch.error).toBeInstanceOf(TypeError);
    expect(watcher.stats()).toMatchObject({ watched: 0, pollsSent: 1 });
    await watcher.destroy();
  });
});

describe('JobWatcher.stats()', () => {
  it('counts watches, waiters, polls, errors by kind, finished jobs and polls per finished job', async () => {
    const s = setup();
    const a = s.jobs.add({ duration: 2_000 });
    const b = s.jobs.add({ duration: 4_000 });
    const c = s.jobs.add({ duration: 60_000 });
    s.jobs.fail(b, 'http503', 'network');
    for (const id of [a, b, b, c]) track(s.watcher.watch(id));

    expect(s.watcher.stats()).toEqual({
      watched: 3,
      waiters: 4,
      inFlight: 0,
      pollsSent: 0,
      errors: { network: 0, timeout: 0, http: 0, throttled: 0, invalidResponse: 0, notFound: 0, auth: 0, other: 0 },
      throttlePauses: 0,
      rateLimit: Number.POSITIVE_INFINITY,
      finished: 0,
      meanPollsPerFinishedJob: 0,
    });
    await advance(s.clock, 10_000);

    const stats = s.watcher.stats();
    expect(stats).toMatchObject({ watched: 1, waiters: 1, inFlight: 0, finished: 2, throttlePauses: 0 });
    expect(stats.errors).toMatchObject({ http: 1, network: 1 });
    expect(stats.pollsSent).toBe(s.jobs.calls.length);
    const pollsOfFinished = s.jobs.callsFor(a).length + s.jobs.callsFor(b).length;
    expect(stats.meanPollsPerFinishedJob).toBe(pollsOfFinished / 2);
  });
});
