import { inspect } from 'node:util';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import type { EcsClient } from '@huaweicloud/huaweicloud-sdk-ecs';
import * as ecsSdk from '@huaweicloud/huaweicloud-sdk-ecs';
import { describe, expect, it, vi } from 'vitest';
import { createEcsClient, waitWithSdk } from '../../examples/huawei-sdk.js';
import { AbortError, AuthError, HttpError, JobFailedError, JobNotFoundError, NetworkError, ThrottledError } from '../../src/index.js';
import { fromHuaweiSdk } from '../../src/huawei-sdk/index.js';
import type { FaultOptions, Simulator } from '../../src/simulator/index.js';
import type { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatcherSettings } from '../../src/watcher/options.js';
import { createFakeClock, settle, type FakeClock } from '../helpers/fake-clock.js';
import { AK, SK } from '../helpers/huawei-sdk.js';
import { advanceUntil, countListeners, track } from '../helpers/time.js';
import { payloads, recordEvents, STEADY, useHttp, type Recorded } from '../helpers/watcher.js';

const http = useHttp();

interface Rig {
  readonly clock: FakeClock;
  readonly sim: Simulator;
  readonly ecs: EcsClient;
  readonly watcher: JobWatcher;
  readonly events: Recorded[];
  /** Advances fake time until `done()`, letting the SDK's real HTTP finish at each instant; fails the test if it never holds. */
  runUntil(done: () => boolean): Promise<void>;
}

/**
 * A simulator that checks AK/SK, the official SDK's EcsClient signing with `sk`, and a
 * watcher polling through `fromHuaweiSdk`. The SDK dates its signatures by the real clock,
 * so the fake clock starts at the real now (the simulator accepts 15 min of skew).
 */
async function rig(faults: FaultOptions = {}, { sk = SK, watcher = {} }: { sk?: string; watcher?: WatcherSettings } = {}): Promise<Rig> {
  const clock = createFakeClock({ start: Date.now() });
  const sim = await http.simulator({ clock, auth: { accessKey: AK, secretKey: SK }, faults, recordRequests: true });
  const ecs = createEcsClient(sim.url, sim.projectId, AK, sk);
  const jobWatcher = http.watcher({ client: fromHuaweiSdk(ecs, { clock }), ...STEADY, ...watcher });
  const idle = (): boolean => jobWatcher.stats().inFlight === sim.stats().inFlight;
  return {
    clock,
    sim,
    ecs,
    watcher: jobWatcher,
    events: recordEvents(jobWatcher, clock),
    runUntil: async (done) => {
      expect(await advanceUntil(clock, done, 600_000, { idle })).toBe(true);
    },
  };
}

/** Fake times of the job GETs the simulator received, oldest first. */
function requestTimes(sim: Simulator): number[] {
  return sim.stats().log.filter((record) => record.route === 'showJob').map((record) => record.time);
}

describe('fromHuaweiSdk: a JobWatcher polling through the official SDK (EcsClient.showJob) against the simulator', () => {
  it('watches a batch job to SUCCESS, parsing what showJob resolves (snake_case, plus httpStatusCode)', async () => {
    const r = await rig();
    const jobId = r.sim.addJob({ subJobs: [{ duration: 20_000, volumeId: 'vol-1' }, { duration: 30_000, volumeId: 'vol-2' }] });
    const watch = track(r.watcher.watch(jobId));

    await r.runUntil(() => watch.status !== 'pending');

    const job = await watch.promise;
    expect(job).toMatchObject({ jobId, jobType: 'batchCreateVolume', status: 'SUCCESS', beginTime: expect.any(Date) as Date });
    expect(job.entities.subJobs.map((sub) => [sub.status, sub.entities.volumeId])).toEqual([
      ['SUCCESS', 'vol-1'],
      ['SUCCESS', 'vol-2'],
    ]);
    expect(job.raw).not.toHaveProperty('httpStatusCode');
    expect(payloads(r.events, 'subJobDone')).toHaveLength(2);
  });

  it('reports a FAIL with its error code and reason', async () => {
    const r = await rig();
    const jobId = r.sim.addJob({ duration: 10_000, outcome: 'FAIL', errorCode: 'EVS.2024', failReason: 'volume quota exceeded' });
    const watch = track(r.watcher.watch(jobId, { throwOnFail: true }));

    await r.runUntil(() => watch.status !== 'pending');

    expect(watch.error).toBeInstanceOf(JobFailedError);
    expect(watch.error).toMatchObject({ errorCode: 'EVS.2024', failReason: 'volume quota exceeded', job: { status: 'FAIL' } });
  });

  it('stops after ONE request when the SK is wrong: AuthError, authFailed, and later watches refused without a request', async () => {
    const wrongSk = 'WRONGfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
    const r = await rig({}, { sk: wrongSk });
    const first = track(r.watcher.watch(r.sim.addJob({ duration: 20_000 })));

    await r.runUntil(() => first.status !== 'pending');
    await r.clock.tick(60_000);
    const later = track(r.watcher.watch(r.sim.addJob({ duration: 20_000 })));
    await r.runUntil(() => later.status !== 'pending');

    expect(r.sim.stats()).toMatchObject({ requests: 1, authFailures: 1 });
    expect(first.error).toBeInstanceOf(AuthError);
    expect(first.error).toMatchObject({ status: 401, serviceCode: 'APIGW.0301', requestId: expect.any(String) as string, retryable: false });
    expect(later.error).toBe(first.error);
    expect(payloads(r.events, 'authFailed')).toEqual([{ error: first.error }]);
    const shown = inspect(first.error, { depth: 10, showHidden: true });
    expect(shown).not.toContain(wrongSk);
    expect(shown).not.toContain('Signature=');
  });

  it('rejects an unknown job (HTTP 400 Common.0011) with JobNotFoundError after notFoundChecks', async () => {
    const r = await rig({}, { watcher: { notFoundChecks: 2 } });
    const jobId = '0123456789abcdef0123456789abcdef';
    const watch = track(r.watcher.watch(jobId, { timeout: 300_000 }));

    await r.runUntil(() => watch.status !== 'pending');

    expect(watch.error).toBeInstanceOf(JobNotFoundError);
    expect(watch.error).toMatchObject({ jobId, status: 400, serviceCode: 'Common.0011', requestId: expect.any(String) as string });
    expect(r.sim.stats().requests).toBe(3);
  });

  it('pauses all polling on a 429 without Retry-After, by the watcher’s own backoff', async () => {
    const r = await rig({ script: ['throttle'] });
    const jobId = r.sim.addJob({ duration: 5_000 });
    const watch = track(r.watcher.watch(jobId));

    await r.runUntil(() => watch.status !== 'pending');

    const [throttled] = payloads(r.events, 'throttled');
    expect(throttled?.error).toBeInstanceOf(ThrottledError);
    expect(throttled).toMatchObject({ retryAfter: undefined, error: { status: 429, serviceCode: 'APIGW.0308' } });
    const [refused, next] = requestTimes(r.sim);
    expect(next! - refused!).toBeGreaterThanOrEqual(throttled!.pause);
    expect(watch.value?.status).toBe('SUCCESS');
  });

  it('pauses all polling on a 429 with Retry-After too, by its own backoff: the SDK drops response headers from its exceptions', async () => {
    const r = await rig({ script: ['throttle'], throttleRetryAfter: 7 });
    const jobId = r.sim.addJob({ duration: 5_000 });
    const watch = track(r.watcher.watch(jobId));

    await r.runUntil(() => watch.status !== 'pending');

    // If a later SDK keeps the headers, retryAfter becomes 7_000 here: update the README's "Already using the official SDK?".
    const [throttled] = payloads(r.events, 'throttled');
    expect(throttled).toMatchObject({ retryAfter: undefined, error: { status: 429 } });
    const [refused, next] = requestTimes(r.sim);
    expect(next! - refused!).toBeGreaterThanOrEqual(throttled!.pause);
    expect(watch.value?.status).toBe('SUCCESS');
  });

  it('retries a 503 as a retryable HttpError (pollError), then finishes', async () => {
    const r = await rig({ script: ['error503'] });
    const watch = track(r.watcher.watch(r.sim.addJob({ duration: 5_000 })));

    await r.runUntil(() => watch.status !== 'pending');

    const [pollError] = payloads(r.events, 'pollError');
    expect(pollError?.error).toBeInstanceOf(HttpError);
    expect(pollError?.error).toMatchObject({ status: 503, serviceCode: 'EVS.5030', retryable: true });
    expect(watch.value?.status).toBe('SUCCESS');
  });

  it('runs the README recipe (examples/huawei-sdk.ts), whose watcher keeps the system clock: under fake global timers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      const sim = await http.simulator({ auth: { accessKey: AK, secretKey: SK } });
      const jobId = sim.addJob({ duration: 30_000, volumeId: 'vol-42' });
      const ecs = createEcsClient(sim.url, sim.projectId, AK, SK);
      const calls = countCalls(ecs);
      const done = track(waitWithSdk(ecs, jobId));

      while (done.status === 'pending') {
        await vi.advanceTimersToNextTimerAsync();
        await settle(() => calls.inFlight === 0, 10_000);
      }

      expect(done.value).toMatchObject({ jobId, status: 'SUCCESS', entities: { volumeId: 'vol-42' } });
      expect(calls.started).toBe(sim.stats().requests);
    } finally {
      vi.useRealTimers();
    }
  });
});

/** Counts the calls of `ecs.showJob` in progress, so fake time moves on only once the SDK's real HTTP has finished. */
function countCalls(ecs: EcsClient): { readonly inFlight: number; readonly started: number } {
  const counts = { inFlight: 0, started: 0 };
  const showJob = ecs.showJob.bind(ecs);
  ecs.showJob = (request) => {
    counts.inFlight++;
    counts.started++;
    return showJob(request).finally(() => counts.inFlight--);
  };
  return counts;
}

describe('fromHuaweiSdk(client).getJob', () => {
  async function source(faults: FaultOptions = {}): Promise<{ clock: FakeClock; sim: Simulator; getJob: ReturnType<typeof fromHuaweiSdk>['getJob'] }> {
    const clock = createFakeClock({ start: Date.now() });
    const sim = await http.simulator({ clock, auth: { accessKey: AK, secretKey: SK }, faults });
    const jobs = fromHuaweiSdk(createEcsClient(sim.url, sim.projectId, AK, SK), { clock });
    return { clock, sim, getJob: (jobId, options) => jobs.getJob(jobId, options) };
  }

  it('starts no request once the signal has aborted', async () => {
    const { sim, getJob } = await source();
    const controller = new AbortController();
    controller.abort();

    await expect(getJob(sim.addJob(), { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(sim.stats().requests).toBe(0);
  });

  it('rejects with AbortError when aborted mid-flight (the SDK’s request finishes unseen) and leaves no listener behind', async () => {
    const { clock, sim, getJob } = await source({ script: ['latency'], latency: 10_000 });
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const poll = track(getJob(sim.addJob(), { signal: controller.signal }));
    await advanceUntil(clock, () => sim.stats().inFlight === 1, 0);

    controller.abort();
    await advanceUntil(clock, () => poll.status !== 'pending', 0);
    expect(poll.error).toBeInstanceOf(AbortError);

    await advanceUntil(clock, () => sim.stats().inFlight === 0, 10_000);
    expect(listeners.count).toBe(0);
  });

  it('maps a refused connection to NetworkError', async () => {
    const { sim, getJob } = await source();
    const jobId = sim.addJob();
    await sim.close();

    await expect(getJob(jobId, {})).rejects.toThrow(NetworkError);
    await expect(getJob(jobId, {})).rejects.toThrow(/ECONNREFUSED/);
  });

  it('maps error answers handed over as results by a client that resolves every status (axios validateStatus)', async () => {
    const clock = createFakeClock({ start: Date.now() });
    const sim = await http.simulator({ clock, auth: { accessKey: AK, secretKey: SK } });
    const credentials = new BasicCredentials().withAk(AK).withSk('WRONG').withProjectId(sim.projectId);
    const ecs = ecsSdk.EcsClient.newBuilder()
      .withCredential(credentials)
      .withEndpoint(sim.url)
      .withOptions({ axiosRequestConfig: { validateStatus: () => true } })
      .build();

    await expect(fromHuaweiSdk(ecs, { clock }).getJob(sim.addJob(), {})).rejects.toMatchObject({ name: 'AuthError', status: 401, serviceCode: 'APIGW.0301' });
  });

  it('refuses an unsafe job id before any request (the SDK would put it in the path unescaped)', async () => {
    const { sim, getJob } = await source();

    await expect(getJob('../../v2/servers', {})).rejects.toThrow(TypeError);
    expect(sim.stats().requests).toBe(0);
  });
});

describe('fromHuaweiSdk with other SDK versions and wrappers (any client with showJob)', () => {
  it('reads camelCase answers, as model objects of other SDK versions name their fields', async () => {
    const client = {
      showJob: () =>
        Promise.resolve({
          jobId: 'job-1',
          jobType: 'batchCreateVolume',
          status: 'RUNNING',
          beginTime: '2026-03-08T07:40:13.219Z',
          entities: { subJobs: [{ jobId: 'job-2', status: 'SUCCESS', entities: { volumeId: 'vol-1' } }] },
          httpStatusCode: 200,
        }),
    };

    const job = await fromHuaweiSdk(client).getJob('job-1', {});

    expect(job).toMatchObject({ jobId: 'job-1', jobType: 'batchCreateVolume', status: 'RUNNING', beginTime: new Date('2026-03-08T07:40:13.219Z') });
    expect(job.entities.subJobs[0]).toMatchObject({ jobId: 'job-2', status: 'SUCCESS', entities: { volumeId: 'vol-1' } });
  });

  it('honours Retry-After from an error that kept the response headers, and reads snake_case error fields', async () => {
    const client = { showJob: () => Promise.reject(Object.assign(new Error('throttled'), { status: 429, error_code: 'APIGW.0308', request_id: 'req-1', headers: { 'retry-after': '3' } })) };

    const error: unknown = await fromHuaweiSdk(client).getJob('job-1', {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ retryAfter: 3_000, serviceCode: 'APIGW.0308', requestId: 'req-1' });
  });

  it('passes errors that are not the SDK’s through unchanged', async () => {
    const bug = new TypeError('Cannot read properties of undefined');

    await expect(fromHuaweiSdk({ showJob: () => Promise.reject(bug) }).getJob('job-1', {})).rejects.toBe(bug);
  });

  it('checks its arguments with exact messages', () => {
    expect(() => fromHuaweiSdk({} as never)).toThrow(new TypeError('Expected `client` to be an official SDK client with a showJob() method (e.g. EcsClient)'));
    const client = { showJob: () => Promise.resolve({}) };
    expect(() => fromHuaweiSdk(client, { clok: undefined } as never)).toThrow(
      new TypeError('Unknown option `options.clok` (did you mean `clock`?); known: clock'),
    );
    expect(() => fromHuaweiSdk(client, { clock: {} as never })).toThrow(new TypeError('Expected `options.clock` to be a Clock (with wallNow())'));
  });
});
