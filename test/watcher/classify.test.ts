import { describe, expect, it } from 'vitest';
import { AuthError } from '../../src/errors/auth-error.js';
import { ClosedError } from '../../src/errors/closed-error.js';
import { EvsError } from '../../src/errors/evs-error.js';
import { HttpError } from '../../src/errors/http-error.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import { JobNotFoundError } from '../../src/errors/job-not-found-error.js';
import { NetworkError, RequestTimeoutError } from '../../src/errors/request-errors.js';
import { ThrottledError } from '../../src/errors/throttled-error.js';
import { WatchTimeoutError } from '../../src/errors/watch-errors.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import { classifyPollError } from '../../src/watcher/classify.js';
import type { FakeFault } from '../helpers/fake-jobs.js';
import { track } from '../helpers/time.js';
import { payloads, STEADY, useFakeWatchers } from '../helpers/watcher.js';

const setup = useFakeWatchers();

describe('classifyPollError', () => {
  it.each([
    ['AuthError', 'stop-all', 'auth', new AuthError({ status: 401 })],
    ['ThrottledError', 'pause-all', 'throttled', new ThrottledError({ status: 429 })],
    ['JobNotFoundError', 'not-found', 'notFound', new JobNotFoundError('j1', { status: 400 })],
    ['RequestTimeoutError', 'retry', 'timeout', new RequestTimeoutError(10_000)],
    ['NetworkError', 'retry', 'network', new NetworkError('ECONNREFUSED')],
    ['InvalidResponseError', 'retry', 'invalidResponse', new InvalidResponseError('bad', { field: '$' })],
    ['a 5xx HttpError', 'retry', 'http', new HttpError({ status: 502 })],
    ['a 408 HttpError', 'retry', 'http', new HttpError({ status: 408 })],
    ['a 400 HttpError', 'reject', 'http', new HttpError({ status: 400 })],
    ['ClosedError (the client was closed under us)', 'reject', 'other', new ClosedError('EvsClient')],
    ['another EvsError', 'retry', 'other', new EvsError('EVS_SOMETHING', 'x')],
    ['a TypeError (a bug in a custom fetchJob)', 'reject', 'other', new TypeError('x is undefined')],
  ])('%s → %s (%s)', (_name, action, kind, error) => {
    expect(classifyPollError(error)).toEqual({ action, kind, error });
  });

  it('wraps anything else in a retryable EvsError that keeps the original as cause', () => {
    const original = new Error('socket hang up');
    const failure = classifyPollError(original);
    expect(failure).toMatchObject({ action: 'retry', kind: 'other' });
    expect(failure.error).toBeInstanceOf(EvsError);
    expect(failure.error).toMatchObject({ code: 'EVS_POLL_FAILED', message: 'poll failed: socket hang up', cause: original });
    expect(classifyPollError('weird').error).toMatchObject({ message: 'poll failed: weird' });
  });
});

describe('transient poll errors', () => {
  it.each<[FakeFault, new (...args: never[]) => Error]>([
    ['http500', HttpError],
    ['http503', HttpError],
    ['network', NetworkError],
    ['timeout', RequestTimeoutError],
    ['invalid', InvalidResponseError],
  ])('%s is retried after a jittered errorDelay, reported by pollError, and the watch still resolves', async (fault, type) => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 5_000 });
    s.jobs.fail(jobId, fault);
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(10_000);

    const [event, ...more] = payloads(s.events, 'pollError');
    expect(more).toEqual([]);
    expect(event).toMatchObject({ jobId, attempt: 1 });
    expect(event!.error).toBeInstanceOf(type);
    expect(event!.retryIn).toBeGreaterThanOrEqual(500);
    expect(event!.retryIn).toBeLessThanOrEqual(1_000);
    const times = s.jobs.callsFor(jobId).map((call) => call.time - s.t0);
    expect(times[1]! - times[0]!).toBe(event!.retryIn);
    expect(watch.value?.status).toBe('SUCCESS');
  });

  it('backs off exponentially per consecutive failure, jittered into [base/2, base], capped at maxErrorDelay', async () => {
    const s = setup({ errorDelay: 1_000, maxErrorDelay: 8_000 });
    const jobId = s.jobs.add({ duration: 3_600_000 });
    s.jobs.fail(jobId, ...Array<FakeFault>(7).fill('http503'));
    track(s.watcher.watch(jobId));
    await s.clock.tick(60_000);

    const events = payloads(s.events, 'pollError');
    expect(events.map((event) => event.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const bases = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000];
    events.forEach((event, i) => {
      expect(event.retryIn).toBeGreaterThanOrEqual(bases[i]! / 2);
      expect(event.retryIn).toBeLessThanOrEqual(bases[i]!);
    });
  });

  it('starts the count again after a good answer', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 3_600_000 });
    s.jobs.fail(jobId, 'http500', 'http500');
    track(s.watcher.watch(jobId));
    await s.clock.tick(8_000);
    s.jobs.fail(jobId, 'http500');
    await s.clock.tick(3_000);

    expect(payloads(s.events, 'pollError').map((event) => event.attempt)).toEqual([1, 2, 1]);
  });

  it('never rejects before the deadline, however long the failures last; then times out', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 60_000 });
    s.jobs.fail(jobId, ...Array<FakeFault>(1_000).fill('network'));
    const watch = track(s.watcher.watch(jobId, { timeout: 300_000 }));

    await s.clock.tick(299_999);
    expect(watch.status).toBe('pending');
    await s.clock.tick(1);
    expect(watch.error).toBeInstanceOf(WatchTimeoutError);
    expect(s.watcher.stats().errors.network).toBe(s.jobs.callsFor(jobId).length);
    // Backoff reached its 30 s cap: about 300 s / ~22 s average, not hundreds of polls.
    expect(s.jobs.callsFor(jobId).length).toBeLessThan(25);
  });

  it('treats a job with another job_id from a custom fetchJob as an invalid response, and retries', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 3_000 });
    s.jobs.fail(jobId, 'wrongId');
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(5_000);

    const [event] = payloads(s.events, 'pollError');
    expect(event!.error).toBeInstanceOf(InvalidResponseError);
    expect(event!.error).toMatchObject({ field: 'job_id', message: `invalid response: job_id: expected job ${jobId}, got ffffffffffffffffffffffffffffffff` });
    // The stray job was not taken for ours.
    expect(payloads(s.events, 'statusChange').every((change) => change.jobId === jobId)).toBe(true);
    expect(watch.value?.jobId).toBe(jobId);
    expect(s.watcher.stats().errors.invalidResponse).toBe(1);
  });

  it('retries a plain Error from a custom fetchJob as EVS_POLL_FAILED with the error as cause', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 2_000 });
    const original = new Error('custom transport hiccup');
    let calls = 0;
    const watcher = new JobWatcher({
      ...STEADY,
      clock: s.clock,
      fetchJob: (id, options) => (++calls === 1 ? Promise.reject(original) : s.jobs.fetchJob(id, options)),
    });
    const errors: unknown[] = [];
    watcher.on('pollError', ({ error }) => errors.push(error));
    const watch = track(watcher.watch(jobId));
    await s.clock.tick(5_000);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'EVS_POLL_FAILED', cause: original });
    expect(watch.value?.status).toBe('SUCCESS');
    expect(watcher.stats().errors.other).toBe(1);
    await watcher.destroy();
  });
});

describe('not-found checks', () => {
  it('rejects with JobNotFoundError after notFoundChecks retries of a job that never appears', async () => {
    const s = setup({ notFoundChecks: 3 });
    const jobId = '0123456789abcdef0123456789abcdef';
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(60_000);

    expect(watch.error).toBeInstanceOf(JobNotFoundError);
    expect(watch.error).toMatchObject({ jobId, code: 'EVS_JOB_NOT_FOUND' });
    expect(s.jobs.callsFor(jobId)).toHaveLength(4);
    expect(payloads(s.events, 'pollError').map((event) => event.attempt)).toEqual([1, 2, 3]);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, errors: expect.objectContaining({ notFound: 4 }) as unknown });
  });

  it('with notFoundChecks 0, rejects at the first "no such job"', async () => {
    const s = setup({ notFoundChecks: 0 });
    const watch = track(s.watcher.watch('0123456789abcdef0123456789abcdef'));
    await s.clock.tick(1_000);
    expect(watch.error).toBeInstanceOf(JobNotFoundError);
  });

  it('resolves a job that is invisible for a while after creation, then visible', async () => {
    const s = setup();
    const jobId = s.jobs.add({ invisibleFor: 4_000, duration: 10_000 });
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(30_000);

    expect(watch.value).toMatchObject({ jobId, status: 'SUCCESS' });
    const outcomes = s.jobs.callsFor(jobId).map((call) => call.outcome);
    expect(outcomes.filter((outcome) => outcome === 'notFound').length).toBeGreaterThanOrEqual(2);
    expect(outcomes.at(-1)).toBe('SUCCESS');
  });
});

describe('credentials refused (AuthError)', () => {
  it('stops everything: every watch rejects with the error, authFailed fires once, nothing is polled again', async () => {
    const s = setup();
    const ids = [s.jobs.add({ duration: 60_000 }), s.jobs.add({ duration: 60_000 }), s.jobs.add({ duration: 60_000 })];
    const watches = ids.map((id) => track(s.watcher.watch(id)));
    // At 1 s the first poll (a probe: one at a time until credentials are seen to work) answers, then the others go.
    await s.clock.tick(1_000);
    // All three polls leave at 2 s; the second job's answer, a 401, is back first, while the others are in flight.
    s.jobs.setLatency((id) => (id === ids[1] ? 100 : 500));
    s.jobs.fail(ids[1]!, 'auth');
    await s.clock.tick(1_100);

    const [error] = payloads(s.events, 'authFailed').map((event) => event.error);
    expect(error).toBeInstanceOf(AuthError);
    expect(payloads(s.events, 'authFailed')).toHaveLength(1);
    for (const watch of watches) expect(watch.error).toBe(error);
    const polled = s.jobs.calls.length;
    await s.clock.tick(600_000);
    expect(s.jobs.calls.length).toBe(polled);
    expect(s.watcher.stats()).toMatchObject({ watched: 0, waiters: 0, inFlight: 0 });
    expect(s.jobs.calls.filter((call) => call.outcome === 'aborted').length).toBe(2);
  });

  it('rejects later watch() calls at once with the same AuthError, without a request', async () => {
    const s = setup();
    const jobId = s.jobs.add();
    s.jobs.fail(jobId, 'auth');
    const first = track(s.watcher.watch(jobId));
    await s.clock.tick(1_000);

    const later = track(s.watcher.watch(s.jobs.add()));
    await s.clock.tick(10_000);
    expect(later.error).toBe(first.error);
    expect(s.jobs.calls).toHaveLength(1);
  });

  it('warns the logger, without secrets', async () => {
    const s = setup();
    const jobId = s.jobs.add();
    s.jobs.fail(jobId, 'auth');
    track(s.watcher.watch(jobId));
    await s.clock.tick(1_000);

    expect(s.logger.calls.filter((call) => call.level === 'warn')).toEqual([
      { level: 'warn', fields: { status: 401, code: 'APIGW.0301', requestId: undefined }, message: 'credentials refused: stopped polling' },
    ]);
  });
});

describe('throttling (HTTP 429) with the in-memory API', () => {
  it('pauses every job for exactly Retry-After, emits throttled, and warns', async () => {
    const s = setup();
    const ids = [s.jobs.add({ duration: 60_000 }), s.jobs.add({ duration: 60_000 }), s.jobs.add({ duration: 60_000 })];
    for (const id of ids) track(s.watcher.watch(id));
    await s.clock.tick(1_500);
    s.jobs.fail('*', { throttle: 5_000 });
    await s.clock.tick(20_000);

    // Polls at 1 s and 2 s (the 429); then nothing until exactly 7 s.
    const times = s.jobs.calls.map((call) => call.time - s.t0);
    expect(times.filter((t) => t > 2_000 && t < 7_000)).toEqual([]);
    expect(times.filter((t) => t >= 7_000)[0]).toBe(7_000);
    const [event] = payloads(s.events, 'throttled');
    expect(event).toMatchObject({ pause: 5_000, retryAfter: 5_000 });
    expect(event!.error).toBeInstanceOf(ThrottledError);
    expect(event!.rate).toBe(1.5);
    expect(s.logger.calls.filter((call) => call.level === 'warn')).toEqual([
      { level: 'warn', fields: { pause: 5_000, rate: 1.5, retryAfter: 5_000 }, message: 'throttled by the API: pausing all polls' },
    ]);
    expect(s.watcher.stats()).toMatchObject({ throttlePauses: 1, errors: expect.objectContaining({ throttled: 1 }) as unknown });
  });

  it('escalates once when polls sent together are throttled together', async () => {
    const s = setup();
    const ids = [s.jobs.add({ duration: 60_000 }), s.jobs.add({ duration: 60_000 }), s.jobs.add({ duration: 60_000 })];
    for (const id of ids) track(s.watcher.watch(id));
    await s.clock.tick(1_000); // first round: credentials confirmed, so the next round leaves together
    s.jobs.fail('*', { throttle: 3_000 }, { throttle: 3_000 }, { throttle: 3_000 });
    await s.clock.tick(1_000);

    expect(s.jobs.calls.slice(3).map((call) => call.outcome)).toEqual(['throttle', 'throttle', 'throttle']);
    expect(payloads(s.events, 'throttled')).toHaveLength(1);
    expect(s.watcher.stats().throttlePauses).toBe(1);
    expect(s.watcher.stats().errors.throttled).toBe(3);
  });

  it('without Retry-After, pauses a jittered throttleDelay', async () => {
    const s = setup({ throttleDelay: 4_000 });
    const jobId = s.jobs.add({ duration: 60_000 });
    s.jobs.fail(jobId, { throttle: undefined });
    track(s.watcher.watch(jobId));
    await s.clock.tick(10_000);

    const [event] = payloads(s.events, 'throttled');
    expect(event!.retryAfter).toBeUndefined();
    expect(event!.pause).toBeGreaterThanOrEqual(2_000);
    expect(event!.pause).toBeLessThanOrEqual(4_000);
    const [first, second] = s.jobs.callsFor(jobId).map((call) => call.time - s.t0);
    expect(second! - first!).toBe(event!.pause);
  });
});
