import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { ClosedError } from '../../src/errors/closed-error.js';
import { AbortError } from '../../src/errors/request-errors.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatchOptions } from '../../src/watcher/options.js';
import { countListeners, flush, track } from '../helpers/time.js';
import { STEADY, useFakeWatchers } from '../helpers/watcher.js';

const setup = useFakeWatchers();

describe('aborting a watch with its signal', () => {
  it('rejects with AbortError, stops polling the job, removes its heap entries and leaves no listener', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 60_000 });
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const watch = track(s.watcher.watch(jobId, { signal: controller.signal, timeout: 600_000 }));
    await s.clock.tick(2_500);
    expect(listeners.count).toBe(1);
    expect(s.clock.fake.countTimers()).toBe(1);

    const reason = new Error('user cancelled');
    controller.abort(reason);
    await flush(s.clock);

    expect(watch.error).toBeInstanceOf(AbortError);
    expect(watch.error).toMatchObject({ name: 'AbortError', code: 'EVS_ABORTED', message: 'the watch was aborted', cause: reason });
    expect(listeners.count).toBe(0);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
    // Neither its next poll nor its deadline is waited for: no timer keeps the process alive.
    expect(s.clock.fake.countTimers()).toBe(0);
    await s.clock.tick(600_000);
    expect(s.jobs.callsFor(jobId)).toHaveLength(2);
  });

  it('abandons the poll in flight, whose late answer is ignored', async () => {
    const s = setup({}, { latency: 800 });
    const jobId = s.jobs.add({ duration: 1_500 });
    const controller = new AbortController();
    const watch = track(s.watcher.watch(jobId, { signal: controller.signal }));
    await s.clock.tick(1_200);
    expect(s.watcher.stats().inFlight).toBe(1);

    controller.abort();
    await s.clock.tick(5_000);
    expect(watch.error).toBeInstanceOf(AbortError);
    expect(s.jobs.calls.map((call) => call.outcome)).toEqual(['aborted']);
    expect(s.watcher.stats()).toMatchObject({ inFlight: 0, finished: 0 });
  });

  it('rejects at once, without a poll or a listener, when the signal is already aborted', async () => {
    const s = setup();
    const signal = AbortSignal.abort();
    const listeners = countListeners(signal);
    const watch = track(s.watcher.watch(s.jobs.add(), { signal }));
    await s.clock.tick(10_000);

    expect(watch.error).toBeInstanceOf(AbortError);
    expect(listeners.added).toBe(0);
    expect(s.jobs.calls).toEqual([]);
    expect(s.watcher.stats().watched).toBe(0);
  });

  it('of one of two callers of the same job keeps polling for the other', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 5_000 });
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const aborted = track(s.watcher.watch(jobId, { signal: controller.signal }));
    const kept = track(s.watcher.watch(jobId));
    await s.clock.tick(2_000);

    controller.abort();
    await s.clock.tick(3_000);
    expect(aborted.error).toBeInstanceOf(AbortError);
    expect(kept.value?.status).toBe('SUCCESS');
    expect(s.jobs.callsFor(jobId).map((call) => call.time - s.t0)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(listeners.count).toBe(0);
  });

  it('aborts a whole watchAll batch with one listener for all its jobs, removed once it settles', async () => {
    const s = setup();
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const ids = Array.from({ length: 50 }, () => s.jobs.add({ duration: 60_000 }));
    const all = track(s.watcher.watchAll(ids, { signal: controller.signal }));
    await s.clock.tick(1_500);
    expect(listeners.count).toBe(1);

    controller.abort();
    await flush(s.clock);
    expect(all.error).toBeInstanceOf(AbortError);
    expect(listeners.count).toBe(0);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
    expect(s.clock.fake.countTimers()).toBe(0);
  });

  it('leaves no listener behind when the watch resolves or times out first', async () => {
    const s = setup();
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const done = track(s.watcher.watch(s.jobs.add({ duration: 1_000 }), { signal: controller.signal }));
    const late = track(s.watcher.watch(s.jobs.add({ duration: 60_000 }), { signal: controller.signal, timeout: 3_000 }));
    await s.clock.tick(3_000);

    expect(done.status).toBe('fulfilled');
    expect(late.status).toBe('rejected');
    // One listener shared by both watches (one each tripped MaxListenersExceededWarning at eleven).
    expect(listeners.added).toBe(1);
    expect(listeners.count).toBe(0);
  });
});

describe('close()', () => {
  it('lets polls in flight finish and settle their watches, then rejects the others with AbortError', async () => {
    const s = setup({}, { latency: 500 });
    const inFlight = s.jobs.add({ duration: 1_000 });
    const a = track(s.watcher.watch(inFlight));
    await s.clock.tick(600);
    const idle = s.jobs.add({ duration: 60_000 });
    const b = track(s.watcher.watch(idle)); // first poll planned at 1.6 s
    await s.clock.tick(600);

    const closing = track(s.watcher.close());
    await flush(s.clock);
    expect([a.status, b.status, closing.status]).toEqual(['pending', 'pending', 'pending']);

    await s.clock.tick(300); // the answer of the poll sent at 1 s arrives at 1.5 s
    expect(a.value?.status).toBe('SUCCESS');
    expect(b.error).toBeInstanceOf(AbortError);
    expect(b.error).toMatchObject({ message: 'the watcher was closed' });
    expect(closing.status).toBe('fulfilled');
    await s.clock.tick(60_000);
    expect(s.jobs.callsFor(idle)).toEqual([]);
  });

  it('is idempotent: every call returns the same promise', async () => {
    const s = setup();
    track(s.watcher.watch(s.jobs.add()));
    const first = s.watcher.close();
    expect(s.watcher.close()).toBe(first);
    await first;
    expect(s.watcher.close()).toBe(first);
  });

  it('refuses watch() afterwards with ClosedError, and restore() too', async () => {
    const s = setup();
    await s.watcher.close();
    const watch = track(s.watcher.watch(s.jobs.add()));
    await flush(s.clock);

    expect(watch.error).toBeInstanceOf(ClosedError);
    expect(watch.error).toMatchObject({ code: 'EVS_CLOSED', message: 'JobWatcher is closed' });
    expect(() => s.watcher.restore({ version: 2, takenAt: 0, watches: [] })).toThrow(ClosedError);
  });

  it('keeps the unfinished watches in snapshot() for a later restore', async () => {
    const s = setup();
    const finished = s.jobs.add({ duration: 1_000 });
    const unfinished = s.jobs.add({ duration: 60_000 });
    track(s.watcher.watch(finished));
    track(s.watcher.watch(unfinished, { timeout: 120_000 }));
    await s.clock.tick(2_000);
    await s.watcher.close();
    await s.clock.tick(10_000);

    const snapshot = s.watcher.snapshot();
    expect(snapshot.watches.map((watch) => watch.jobId)).toEqual([unfinished]);
    expect(snapshot.watches[0]).toMatchObject({ jobId: unfinished, polls: 2, remaining: 118_000, timeout: 120_000, status: 'RUNNING', elapsed: 2_000 });
    expect(snapshot.takenAt).toBe(s.t0 + 2_000);
    expect(s.watcher.snapshot()).toBe(snapshot);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
  });
});

describe('destroy()', () => {
  it('aborts polls in flight and rejects every watch with AbortError at once', async () => {
    const s = setup({}, { latency: 5_000 });
    const a = track(s.watcher.watch(s.jobs.add({ duration: 2_000 })));
    await s.clock.tick(1_500);
    const b = track(s.watcher.watch(s.jobs.add()));

    const destroying = s.watcher.destroy();
    expect(s.watcher.destroy()).toBe(destroying);
    await destroying;
    await flush(s.clock);

    expect(a.error).toMatchObject({ name: 'AbortError', message: 'the watcher was destroyed' });
    expect(b.error).toBeInstanceOf(AbortError);
    expect(s.jobs.calls.map((call) => call.outcome)).toEqual(['aborted']);
    expect(s.clock.fake.countTimers()).toBe(0);
  });

  it('hurries a close() that waits for a poll that never answers', async () => {
    const s = setup({ pollTimeout: 60_000 });
    const jobId = s.jobs.add();
    s.jobs.fail(jobId, 'hang');
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(1_000);
    const closing = track(s.watcher.close());
    await s.clock.tick(30_000);
    expect(closing.status).toBe('pending');

    await s.watcher.destroy();
    await flush(s.clock);
    expect(closing.status).toBe('fulfilled');
    expect(watch.error).toBeInstanceOf(AbortError);
  });
});

describe('a fetchJob that never settles and ignores its signal', () => {
  const deaf = (s: ReturnType<typeof setup>, hangs: Set<string>) => (jobId: string, options: { readonly signal: AbortSignal }): Promise<Job> =>
    hangs.has(jobId) ? new Promise<Job>(() => undefined) : s.jobs.fetchJob(jobId, options);

  it('cannot starve the other watches: its slot is freed after pollTimeout', async () => {
    const s = setup();
    const stuck = s.jobs.add({ duration: 60_000 });
    const others = [s.jobs.add({ duration: 40_000 }), s.jobs.add({ duration: 40_000 })];
    const watcher = new JobWatcher({ ...STEADY, clock: s.clock, concurrency: 1, pollTimeout: 5_000, fetchJob: deaf(s, new Set([stuck])) });
    const errors: string[] = [];
    watcher.on('pollError', ({ jobId, error }) => errors.push(`${jobId === stuck ? 'stuck' : 'other'} ${error.name}`));
    const watches = others.map((jobId) => track(watcher.watch(jobId)));
    track(watcher.watch(stuck));
    await s.clock.tick(60_000);
    expect(watches.every((watch) => watch.value?.status === 'SUCCESS')).toBe(true);
    expect(errors.every((error) => error === 'stuck RequestTimeoutError')).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
    await watcher.destroy();
  });

  it('cannot hold close() for ever: it resolves once the poll in flight runs past pollTimeout', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 60_000 });
    const watcher = new JobWatcher({ ...STEADY, clock: s.clock, pollTimeout: 5_000, fetchJob: deaf(s, new Set([jobId])) });
    const watch = track(watcher.watch(jobId));
    await s.clock.tick(1_000);
    const closing = track(watcher.close());
    await s.clock.tick(4_999);
    expect(closing.status).toBe('pending');
    await s.clock.tick(1);
    expect(closing.status).toBe('fulfilled');
    expect(watch.error).toBeInstanceOf(AbortError);
  });

  it('bounds the credentials probe too: a hanging first poll does not stall every watch', async () => {
    const s = setup();
    const first = s.jobs.add({ duration: 60_000 });
    const second = s.jobs.add({ duration: 3_000 });
    const watcher = new JobWatcher({ ...STEADY, clock: s.clock, pollTimeout: 5_000, fetchJob: deaf(s, new Set([first])) });
    track(watcher.watch(first));
    const other = track(watcher.watch(second));
    await s.clock.tick(15_000);
    expect(other.value?.status).toBe('SUCCESS');
    await watcher.destroy();
  });
});

describe('await using', () => {
  it('closes the watcher at the end of the scope', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 1_000 });
    let captured: JobWatcher | undefined;
    let pending: ReturnType<typeof track> | undefined;
    {
      await using watcher = new JobWatcher({ ...STEADY, clock: s.clock, fetchJob: s.jobs.fetchJob });
      captured = watcher;
      const done = track(watcher.watch(jobId));
      pending = track(watcher.watch(s.jobs.add({ duration: 60_000 })));
      await s.clock.tick(1_000);
      expect(done.value?.status).toBe('SUCCESS');
    }
    await flush(s.clock);
    expect(pending.error).toBeInstanceOf(AbortError);
    await expect(captured.watch(jobId)).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('invalid input to watch()', () => {
  it.each([
    ['an empty id', ''],
    ['a slash', 'abc/def'],
    ['dot-dot', 'abc..def'],
    ['whitespace', 'abc def'],
    ['129 characters', 'a'.repeat(129)],
  ])('rejects %s with a TypeError, without disturbing other watches', async (_what, jobId) => {
    const s = setup();
    const other = track(s.watcher.watch(s.jobs.add({ duration: 3_000 })));
    const bad = track(s.watcher.watch(jobId));
    await s.clock.tick(3_000);

    expect(bad.error).toBeInstanceOf(TypeError);
    expect((bad.error as Error).message).toMatch(/^Expected `jobId` to be 1-128 characters of A-Z a-z 0-9 _ - \./);
    expect(other.value?.status).toBe('SUCCESS');
    expect(new Set(s.jobs.calls.map((call) => call.jobId)).size).toBe(1);
  });

  it('rejects a non-string id with the exact message', async () => {
    const s = setup();
    await expect(s.watcher.watch(42 as unknown as string)).rejects.toThrow(
      new TypeError('Expected `jobId` to be 1-128 characters of A-Z a-z 0-9 _ - . (no "..", not starting or ending with "."), got `42` (number)'),
    );
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
  });

  it.each<[object, string]>([
    [{ timeout: 0 }, 'Expected `timeout` to be an integer from 1 to 2147483647, got `0` (number)'],
    [{ timeout: 1.5 }, 'Expected `timeout` to be an integer from 1 to 2147483647, got `1.5` (number)'],
    [{ timeout: Number.POSITIVE_INFINITY }, 'Expected `timeout` to be an integer from 1 to 2147483647, got `Infinity` (number)'],
    [{ jobType: 5 as unknown as string }, 'Expected `jobType` to be a string, got `5` (number)'],
    [{ throwOnFail: 'yes' as unknown as boolean }, 'Expected `throwOnFail` to be a boolean, got `yes` (string)'],
    [{ signal: {} as AbortSignal }, 'Expected `signal` to be an AbortSignal, got `object` (object)'],
    [{ timout: 5_000 }, 'Unknown option `options.timout` (did you mean `timeout`?); known: timeout, signal, jobType, throwOnFail'],
    [{ timeout: null }, 'Expected `options.timeout` to be a value, got null: leave it out (or pass undefined) for the default'],
    [{ settle: 'all' }, 'Unknown option `options.settle`; known: timeout, signal, jobType, throwOnFail'],
  ])('rejects watch options %o with a TypeError, before anything is created or scheduled', async (options, message) => {
    const s = setup();
    await expect(s.watcher.watch(s.jobs.add(), options as WatchOptions)).rejects.toThrow(new TypeError(message));
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
    expect(s.clock.fake.countTimers()).toBe(0);
  });

  it('accepts an explicit undefined for every watch option', async () => {
    const s = setup();
    const watch = track(s.watcher.watch(s.jobs.add({ duration: 1_000 }), { timeout: undefined, signal: undefined, jobType: undefined, throwOnFail: undefined }));
    await s.clock.tick(1_000);
    expect(watch.value?.status).toBe('SUCCESS');
  });
});

describe('invalid input to watchAll() and add()', () => {
  it.each([
    ['a string (an iterable of characters, not of ids)', 'abc', 'Expected `jobIds` to be an iterable of job ids (an array, a Set…), got a string'],
    ['null', null, 'Expected `jobIds` to be an iterable of job ids (an array, a Set…), got `null` (object)'],
    ['a number', 5, 'Expected `jobIds` to be an iterable of job ids (an array, a Set…), got `5` (number)'],
  ])('watchAll(%s) rejects with a TypeError (a rejection, not a throw), watching nothing', async (_what, ids, message) => {
    const s = setup();
    let promise: Promise<unknown> | undefined;
    expect(() => (promise = s.watcher.watchAll(ids as unknown as string[]))).not.toThrow();
    await expect(promise).rejects.toThrow(new TypeError(message));
    expect(s.watcher.stats().watched).toBe(0);
  });

  it('watchAll refuses an unknown settle mode', async () => {
    const s = setup();
    await expect(s.watcher.watchAll([s.jobs.add()], { settle: 'any' as 'all' })).rejects.toThrow(new TypeError("Expected `settle` to be 'first-error' or 'all', got `any` (string)"));
  });

  it('add() throws synchronously (it has no promise) and watches nothing', () => {
    const s = setup();
    expect(() => s.watcher.add('a/b')).toThrow(TypeError);
    expect(() => s.watcher.add(s.jobs.add(), { throwOnFail: true } as object)).toThrow('Unknown option `options.throwOnFail`');
    expect(s.watcher.stats().watched).toBe(0);
  });
});
