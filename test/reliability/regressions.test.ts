import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redactEndpoint } from '../../src/client/endpoint.js';
import { EvsClient } from '../../src/client/evs-client.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import { parseJobText } from '../../src/model/parse-job.js';
import { Throttle } from '../../src/schedule/throttle.js';
import { startSimulator } from '../../src/simulator/index.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import { createFakeClock, settle } from '../helpers/fake-clock.js';
import { countListeners, track } from '../helpers/time.js';
import { expectQuiet, guardProcess } from './support/guard.js';

// One minimal reproduction per library bug the reliability suites found (see
// docs/RELIABILITY.md, "Bugs found and fixed"). Each failed before its fix.
// Reproduce: npx vitest run test/reliability/regressions.test.ts

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A throttle that has been running at 40 requests per second for 10 s. */
function busyThrottle(): { throttle: Throttle; now: number } {
  const throttle = new Throttle({ maxRequestsPerSecond: 40, throttleDelay: 2_000, maxThrottleDelay: 60_000 }, 0, () => 0.5);
  let now = 0;
  for (; now < 10_000; now += 25) expect(throttle.acquire(now)).toBe(0);
  return { throttle, now };
}

/** Runs the throttle as a saturated client would until `until`, returning the rate then. */
function runUntil(throttle: Throttle, from: number, until: number): number {
  for (let now = from; now < until; ) {
    const wait = throttle.acquire(now);
    now += wait === 0 ? 1 : wait;
  }
  return throttle.rate;
}

describe('Throttle (src/schedule/throttle.ts)', () => {
  it('recovers within seconds after a 429 storm: the ceiling is not learned from the one request let out after each pause', () => {
    const { throttle, now: start } = busyThrottle();
    // An 8 s storm with Retry-After: 2 s: each first request after a pause is throttled too.
    let now = start;
    for (let i = 0; i < 4; i++) {
      const sentAt = Math.max(now, throttle.pausedUntil);
      now = sentAt + 5;
      expect(throttle.acquire(sentAt)).toBe(0);
      throttle.throttled(now, sentAt, 2_000);
    }
    // Before the fix the ceiling fell to 1 request per second, and polling stayed there for minutes.
    expect(runUntil(throttle, now, now + 30_000)).toBeGreaterThanOrEqual(30);
  });

  it('probes above the 1-request floor when a decrease lands exactly on the ceiling', () => {
    const throttle = new Throttle({ maxRequestsPerSecond: undefined, throttleDelay: 2_000, maxThrottleDelay: 60_000 }, 0, () => 0.5);
    // One request per second, then a 429: rate and ceiling both floor at 1.
    for (let now = 0; now < 5_000; now += 1_000) expect(throttle.acquire(now)).toBe(0);
    throttle.throttled(5_000, 4_900, 1_000);
    expect(throttle.rate).toBe(1);
    // Before the fix it never probed (its "quiet at the ceiling since" stayed +Infinity): 1 per second for good.
    expect(runUntil(throttle, 6_000, 600_000)).toBeGreaterThan(2);
  });
});

describe('one abort listener per signal (src/lifecycle/abort-listeners.ts)', () => {
  it('50 watches on one signal: no MaxListenersExceededWarning, one listener, removed at the end', async () => {
    const clock = createFakeClock();
    const watcher = new JobWatcher({ fetchJob: () => new Promise(() => undefined), clock, learn: false });
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const watches = Array.from({ length: 50 }, (_, i) => track(watcher.watch(i.toString(16).padStart(32, '0'), { signal: controller.signal })));
    expect(listeners.count).toBe(1);
    controller.abort();
    await clock.tick(0);
    expect(watches.every((watch) => watch.status === 'rejected')).toBe(true);
    expect(listeners.count).toBe(0);
    await watcher.destroy();
    // expectQuiet (afterEach) fails on the warning Node printed before the fix.
  });

  it('50 concurrent EvsClient.getJob calls on one signal: no warning either', async () => {
    const sim = await startSimulator({ host: '127.0.0.1', port: 0, faults: { latency: 200 } });
    cleanups.push(() => sim.close());
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {} });
    cleanups.push(() => client.destroy());
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const calls = Array.from({ length: 50 }, () => client.getJob(sim.addJob(), { signal: controller.signal }).catch((error: unknown) => error));
    // Sixteen on the wire (the pool's connections), the rest queued: every one is listening by then.
    await settle(() => sim.stats().inFlight === 16, 2_000);
    expect(listeners.count).toBe(1);
    controller.abort();
    expect((await Promise.all(calls)).every((error) => (error as Error).name === 'AbortError')).toBe(true);
    expect(listeners.count).toBe(0);
  });
});

describe('EvsClient clock offset (src/client/clock-offset.ts)', () => {
  it('ignores a Date header the signer could not express, instead of failing every later request before sending it', async () => {
    let requests = 0;
    const body = JSON.stringify({ job_id: '0123456789abcdef0123456789abcdef', status: 'RUNNING' });
    const server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(200, { date: requests === 1 ? 'Sat, 13 Sep 275760 00:00:00 GMT' : new Date().toUTCString(), 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const client = new EvsClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, projectId: 'p', credentials: { accessKey: 'AK', secretKey: 'SK' }, env: {} });
    cleanups.push(() => client.destroy());

    for (let i = 0; i < 3; i++) await expect(client.getJob('0123456789abcdef0123456789abcdef')).resolves.toMatchObject({ status: 'RUNNING' });
    expect(requests).toBe(3);
    expect(client.clockOffset).toBe(0);
  });
});

describe('endpoints in error messages (src/client/endpoint.ts, src/cli/args.ts)', () => {
  const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
  // Bug 10 (issue 9): the old redaction only recognised a well-formed `scheme://user:pass@`;
  // each of these was quoted whole, SK included, by the client's TypeError and the CLI's usage error.
  it.each([
    `https://AK:${SK}@evs.example.com:44x3`,
    `http//AK:${SK}@evs.example.com`,
    `https://AK:${SK}/x@evs.example.com`,
    ` https://AK:${SK}@evs.example.com:44x3`,
    `AK:${SK}@evs.example.com`,
    `https://user:p@ss${SK}@[evs`,
  ])('never quotes the secret of %j', (endpoint) => {
    expect(redactEndpoint(endpoint)).not.toContain(SK);
    expect(() => new EvsClient({ endpoint, projectId: 'p', credentials: 'none', env: {} })).toThrow(TypeError);
    let message = '';
    try {
      new EvsClient({ endpoint, projectId: 'p', credentials: 'none', env: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain(SK);
    expect(message).not.toContain('AK');
  });
});

describe('encoded base paths (src/client/endpoint.ts)', () => {
  it('signs exactly the path it sends: AK/SK under /a%20b is accepted, with no strike toward the key lockout', async () => {
    // Bug 11 (issue 9): the base path was signed as if decoded, over `/a%2520b/…`; the gateway answered
    // 401 `signature mismatch` every time, and each one counted toward the five-strike lockout.
    const keys = { accessKey: 'AK_TEST', secretKey: 'SK_very_secret' };
    const sim = await startSimulator({ host: '127.0.0.1', port: 0, basePath: '/a%20b', auth: keys });
    cleanups.push(() => sim.close());
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: keys, env: {} });
    cleanups.push(() => client.destroy());

    await expect(client.getJob(sim.addJob())).resolves.toMatchObject({ status: 'RUNNING' });
    expect(sim.stats()).toMatchObject({ requests: 1, authFailures: 0 });
  });
});

describe('timestamps (src/model/parse-job.ts)', () => {
  it.each(['2016-03-08T07:60:13.219Z', '2016-03-08T07:40:60.219Z', '2016-03-08 07:60:13', '2016-03-08T07:40:60+08:00'])('refuses %s in every form, the API\'s own included', (time) => {
    expect(() => parseJobText(JSON.stringify({ job_id: 'a', status: 'RUNNING', begin_time: time }))).toThrow(InvalidResponseError);
  });
});

describe('simulator fidelity (src/simulator)', () => {
  it('stamps begin_time/end_time on its own (skewed) clock, like its Date header', async () => {
    const clock = createFakeClock();
    const skew = 20 * 60_000;
    const sim = await startSimulator({ host: '127.0.0.1', port: 0, clock, skew });
    cleanups.push(() => sim.close());
    const jobId = sim.addJob({ duration: 1_000 });
    expect(Date.parse(String(sim.jobState(jobId)!['begin_time']))).toBe(clock.wallNow() + skew);
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {}, clock });
    cleanups.push(() => client.destroy());
    await clock.tick(2_000);
    const job = await client.getJob(jobId);
    // The client's estimate of how long the job ran (server now − begin) is right: 2 s (to the Date header's
    // 1 s resolution), not 20 minutes.
    expect(client.serverNow() - job.beginTime!.getTime()).toBeGreaterThanOrEqual(2_000);
    expect(client.serverNow() - job.beginTime!.getTime()).toBeLessThanOrEqual(3_000);
    expect(job.endTime!.getTime() - job.beginTime!.getTime()).toBe(1_000);
  });

  it('stops waiting on a delayed answer when the client hangs up: not in flight, not answered', async () => {
    const clock = createFakeClock();
    const sim = await startSimulator({ host: '127.0.0.1', port: 0, clock, faults: { latency: 5_000 }, recordRequests: true });
    cleanups.push(() => sim.close());
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {}, clock, timeout: 1_000, retries: 0 });
    cleanups.push(() => client.destroy());
    const jobId = sim.addJob({ duration: 100 });
    await clock.tick(200);
    const call = track(client.getJob(jobId));
    await settle(() => sim.stats().inFlight === 1, 2_000);
    await clock.tick(1_000);
    await settle(() => call.status !== 'pending' && sim.stats().inFlight === 0, 2_000);
    expect((call.error as Error).name).toBe('RequestTimeoutError');
    // Before the fix it stayed in flight until its 5 s were up, then "answered" SUCCESS to nobody.
    expect(sim.stats()).toMatchObject({ inFlight: 0, pollsAfterFinal: 0 });
    expect(sim.stats().log.map((record) => record.status)).toEqual([0]);
  });

  it('reports a forced status for `statusFor` ms only, then the timeline (JobSpec.statusFor)', async () => {
    const clock = createFakeClock();
    const sim = await startSimulator({ host: '127.0.0.1', port: 0, clock });
    cleanups.push(() => sim.close());
    const jobId = sim.addJob({ status: 'PENDING', statusFor: 3_000, duration: 5_000 });
    expect(sim.jobState(jobId)!['status']).toBe('PENDING');
    await clock.tick(3_000);
    expect(sim.jobState(jobId)!['status']).toBe('RUNNING');
    await clock.tick(2_000);
    expect(sim.jobState(jobId)!['status']).toBe('SUCCESS');
  });
});
