import { afterEach, describe, expect, it } from 'vitest';
import { AbortError } from '../../src/errors/request-errors.js';
import { WatchTimeoutError } from '../../src/errors/watch-errors.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import type { Job } from '../../src/model/job.js';
import { parseJob } from '../../src/model/parse-job.js';
import { backoffDelay } from '../../src/schedule/backoff.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatcherSnapshot } from '../../src/watcher/snapshot.js';
import { flush, track } from '../helpers/time.js';
import { payloads, STEADY, useFakeWatchers } from '../helpers/watcher.js';
import { expectQuiet, guardProcess } from './support/guard.js';

// One minimal reproduction per watcher bug found by the adversarial suite of
// issue 9; each failed before its fix (the commit that fixed it says how).
// Reproduce: npx vitest run test/reliability/regressions-watcher.test.ts

const noise = guardProcess();
afterEach(() => expectQuiet(noise));
const setup = useFakeWatchers();

describe('watch options are checked before anything is created or scheduled', () => {
  it('watchAll with a signal that is not an AbortSignal rejects, and nothing fires 200 ms later', async () => {
    const s = setup();
    const batch = track(s.watcher.watchAll(['a'], { signal: new AbortController() as unknown as AbortSignal, timeout: 200 }));
    await s.clock.tick(1_000);
    expect(batch.error).toEqual(new TypeError('Expected `signal` to be an AbortSignal, got `object` (object)'));
    // Before: the group's deadline was scheduled first, and its expiry crashed the process.
    expect(s.jobs.calls).toEqual([]);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
    expect(s.clock.fake.countTimers()).toBe(0);
  });

  it('watch with a bad signal leaves no watch behind to be polled for ever', async () => {
    const s = setup();
    const jobId = s.jobs.add();
    const watch = track(s.watcher.watch(jobId, { signal: 'stop' as unknown as AbortSignal }));
    await s.clock.tick(60_000);
    expect(watch.error).toBeInstanceOf(TypeError);
    expect(s.watcher.stats().watched).toBe(0);
    expect(s.jobs.callsFor(jobId)).toEqual([]);
  });
});

describe('callers of one id', () => {
  it("B (61 s) is not timed out by A's (60 s) expiry when the job ends at 60.5 s", async () => {
    const s = setup({ learn: false, initialDelay: 20_000, factor: 1, jitter: 0, maxLag: 60_000 });
    const jobId = s.jobs.add({ duration: 60_500 });
    const a = track(s.watcher.watch(jobId, { timeout: 60_000 }));
    const b = track(s.watcher.watch(jobId, { timeout: 61_000 }));
    await s.clock.tick(61_000);
    expect(a.error).toBeInstanceOf(WatchTimeoutError);
    // Before: A's expiry never re-planned the shared poll for B's deadline.
    expect(b.value?.status).toBe('SUCCESS');
  });

  it('B alone resolves the same way (its outcome does not depend on A)', async () => {
    const s = setup({ learn: false, initialDelay: 20_000, factor: 1, jitter: 0, maxLag: 60_000 });
    const jobId = s.jobs.add({ duration: 60_500 });
    const b = track(s.watcher.watch(jobId, { timeout: 61_000 }));
    await s.clock.tick(61_000);
    expect(b.value?.status).toBe('SUCCESS');
  });
});

describe('restored retry state', () => {
  it('refuses errors: -100000 instead of sending ~100 000 requests in the first second', () => {
    const s = setup();
    const snapshot = { version: 2, takenAt: 0, watches: [{ jobId: 'a', elapsed: 0, nextPollIn: 0, timeout: 1_000, throwOnFail: false, polls: 0, errors: -100_000, notFound: 0, confirmations: 0 }] };
    expect(() => s.watcher.restore(snapshot as unknown as WatcherSnapshot)).toThrow(TypeError);
    expect(s.watcher.stats().watched).toBe(0);
  });

  it('floors every retry delay: no attempt number makes it shorter than half the base delay', () => {
    for (const attempt of [-100_000, -1, 0, 0.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(backoffDelay(attempt, 1_000, 30_000, () => 0)).toBe(500);
    }
    expect(backoffDelay(Number.POSITIVE_INFINITY, 1_000, 30_000, () => 0)).toBe(500);
    expect(backoffDelay(1_000, 1_000, 30_000, () => 0.999_999)).toBe(30_000);
  });
});

describe('closing from a done listener', () => {
  it.each(['close', 'destroy'] as const)('%s() when the last job is done: every job whose answer arrived resolves with it', async (method) => {
    const s = setup();
    const ids = [s.jobs.add({ duration: 1_000 }), s.jobs.add({ duration: 1_000 }), s.jobs.add({ duration: 60_000 })];
    const watches = ids.map((jobId) => track(s.watcher.watch(jobId)));
    let done = 0;
    s.watcher.on('done', () => {
      if (++done === 2) void s.watcher[method]();
    });
    await s.clock.tick(1_000);
    await flush(s.clock);

    // Before: both answered jobs rejected with AbortError, the last one's included.
    expect(watches.map((watch) => watch.value?.status ?? (watch.error as Error).name)).toEqual(['SUCCESS', 'SUCCESS', 'AbortError']);
    // The snapshot taken at close lists only the unfinished job, not one whose `done` fired.
    expect(s.watcher.snapshot().watches.map((watch) => watch.jobId)).toEqual([ids[2]]);
  });
});

describe('listeners calling public methods', () => {
  it('abort() from a statusChange listener: no request follows', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 60_000 });
    const controller = new AbortController();
    const watch = track(s.watcher.watch(jobId, { signal: controller.signal }));
    s.watcher.on('statusChange', () => controller.abort());
    await s.clock.tick(30_000);
    expect(watch.error).toBeInstanceOf(AbortError);
    expect(s.jobs.callsFor(jobId)).toHaveLength(1);
  });

  it.each(['close', 'destroy'] as const)('%s() from a statusChange listener: no request follows, and no timer is left once it resolved', async (method) => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 60_000 });
    const watch = track(s.watcher.watch(jobId));
    let closing: Promise<void> | undefined;
    s.watcher.on('statusChange', () => {
      closing = s.watcher[method]();
    });
    await s.clock.tick(1_000);
    await closing;
    expect(s.clock.fake.countTimers()).toBe(0);
    await s.clock.tick(600_000);
    expect(watch.error).toBeInstanceOf(AbortError);
    expect(s.jobs.callsFor(jobId)).toHaveLength(1);
    // Before: a timer stayed armed up to maxDelay (keeping a real process alive that long).
    expect(s.clock.fake.countTimers()).toBe(0);
  });
});

describe('successConfirmations and the deadline', () => {
  it('a timeout during confirmation carries the job the last poll read (SUCCESS)', async () => {
    const s = setup({ successConfirmations: 3, confirmationDelay: 5_000 });
    const jobId = s.jobs.add({ duration: 1_000 });
    const watch = track(s.watcher.watch(jobId, { timeout: 3_000 }));
    await s.clock.tick(3_000);
    const error = watch.error as WatchTimeoutError;
    expect(error).toBeInstanceOf(WatchTimeoutError);
    expect(error.job?.status).toBe('SUCCESS');
    expect(payloads(s.events, 'timeout')[0]?.job?.status).toBe('SUCCESS');
  });
});

describe('a begin_time ahead of the server clock', () => {
  it('is noticed within the documented lag: the quiet head is skipped once, not at every poll', async () => {
    const s = setup({ learn: true, jitter: 0 });
    // A zone-less UTC+8 stamp read as UTC: begin_time 8 h in the future.
    const ahead = 8 * 3_600_000;
    const shifted = async (id: string, options: { readonly signal: AbortSignal }): Promise<Job> => {
      const job = await s.jobs.fetchJob(id, options);
      const wire: Record<string, unknown> = { ...job.raw, begin_time: new Date(job.beginTime!.getTime() + ahead).toISOString() };
      if (job.endTime !== undefined) wire['end_time'] = new Date(job.endTime.getTime() + ahead).toISOString();
      return parseJob(wire);
    };
    const watcher = new JobWatcher({ clock: s.clock, fetchJob: shifted, jitter: 0 });
    const duration = 270_000;
    const jobId = s.jobs.add({ jobType: 'retypeVolume', duration });
    const watch = track(watcher.watch(jobId));
    await s.clock.tick(duration + 60_000);
    const polls = s.jobs.callsFor(jobId).map((call) => call.time - s.t0);
    const noticedAt = polls.find((at) => at >= duration)!;
    // max(maxLag 10 s, 8 % of 270 s) = 21.6 s; before, the head was skipped again at every poll (~64 s apart): 64 s late.
    expect(noticedAt - duration).toBeLessThanOrEqual(21_600);
    expect(watch.value?.status).toBe('SUCCESS');
    await watcher.destroy();
  });
});

describe('huge batches', () => {
  it('a batch job with 200 000 sub-jobs settles (no spread of unbounded arrays)', async () => {
    const s = setup();
    const began = new Date(s.clock.wallNow()).toISOString();
    const sub = parseJob({ job_id: 's', job_type: 'createVolume', status: 'SUCCESS', begin_time: began, end_time: began });
    const running = parseJob({ job_id: 'b', job_type: 'batchCreateVolume', status: 'RUNNING', begin_time: began });
    const batch: Job = { ...running, entities: { ...running.entities, subJobs: Array.from({ length: 200_000 }, (_, i) => ({ ...sub, jobId: `s${i}` })) } };
    const done: Job = { ...batch, status: 'SUCCESS', endTime: new Date(began) };
    let calls = 0;
    const watcher = new JobWatcher({ ...STEADY, clock: s.clock, fetchJob: () => (++calls === 1 ? batch : done) });
    const watch = track(watcher.watch('b'));
    await s.clock.tick(5_000);
    expect(watch.value?.status).toBe('SUCCESS');
    await watcher.destroy();
  });
});

describe('what fetchJob resolves', () => {
  it('raw wire JSON is an InvalidResponseError saying to use parseJob, retried like a malformed answer', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 2_000 });
    let calls = 0;
    const watcher = new JobWatcher({
      ...STEADY,
      clock: s.clock,
      fetchJob: async (id, options) => (++calls === 1 ? ({ job_id: id, status: 'RUNNING' } as unknown as Job) : s.jobs.fetchJob(id, options)),
    });
    const errors: unknown[] = [];
    watcher.on('pollError', ({ error }) => errors.push(error));
    const watch = track(watcher.watch(jobId));
    await s.clock.tick(5_000);
    expect(errors[0]).toBeInstanceOf(InvalidResponseError);
    expect((errors[0] as Error).message).toBe('invalid response: `fetchJob` resolved a wire (snake_case) body: it must resolve a parsed `Job`; pass the body through `parseJob`');
    expect(watch.value?.status).toBe('SUCCESS');
    await watcher.destroy();
  });

  it('a plain value (not a promise) works, and a synchronous throw is a failed poll, not a crash', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 2_000 });
    let calls = 0;
    const watcher = new JobWatcher({
      ...STEADY,
      clock: s.clock,
      fetchJob: (id) => {
        if (++calls === 1) throw new Error('sync hiccup');
        return parseJob(s.jobs.wire(id));
      },
    });
    const watch = track(watcher.watch(jobId));
    await s.clock.tick(5_000);
    expect(watch.value?.status).toBe('SUCCESS');
    expect(watcher.stats().errors.other).toBe(1);
    await watcher.destroy();
  });
});

describe('event-driven workers', () => {
  it('add() watches without a promise: close() leaves nothing to reject, and the end comes as events', async () => {
    const s = setup();
    const finished = s.jobs.add({ duration: 1_000 });
    const running = s.jobs.add({ duration: 60_000 });
    expect(s.watcher.add(finished)).toBe(true);
    expect(s.watcher.add(running, { timeout: 5_000 })).toBe(true);
    expect(s.watcher.add(running)).toBe(false);
    await s.clock.tick(5_000);
    expect(payloads(s.events, 'done').map(({ job }) => job.jobId)).toEqual([finished]);
    expect(payloads(s.events, 'timeout').map(({ jobId }) => jobId)).toEqual([running]);
    s.watcher.add(s.jobs.add({ duration: 60_000 }));
    await s.watcher.close();
    // expectQuiet (afterEach) fails on an unhandled rejection: with watch() unawaited, close() left one.
  });
});
