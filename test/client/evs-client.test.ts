import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { SERVICES, type Service } from '../../src/index.js';
import { EvsClient } from '../../src/client/evs-client.js';
import type { CLIENT_OPTION_KEYS, EvsClientOptions, GetJobOptions } from '../../src/client/options.js';
import { VERSION } from '../../src/client/version.js';
import { AuthError } from '../../src/errors/auth-error.js';
import { ClosedError } from '../../src/errors/closed-error.js';
import { CredentialsError } from '../../src/errors/credentials-error.js';
import { HttpError } from '../../src/errors/http-error.js';
import { InvalidResponseError, ResponseTooLargeError } from '../../src/errors/invalid-response-error.js';
import { JobNotFoundError } from '../../src/errors/job-not-found-error.js';
import { AbortError, NetworkError, RequestTimeoutError } from '../../src/errors/request-errors.js';
import { ThrottledError } from '../../src/errors/throttled-error.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createFakeClock, settle, type FakeClock } from '../helpers/fake-clock.js';
import { track } from '../helpers/time.js';

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator(options);
  cleanups.push(() => sim.close());
  return sim;
}

function client(sim: Simulator, options: Partial<EvsClientOptions> = {}): EvsClient {
  const evs = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {}, ...options });
  cleanups.push(() => evs.destroy());
  return evs;
}

/** Runs `promise` to completion while fake time stands still, letting real I/O progress. */
async function settled<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  const result: { value?: PromiseSettledResult<T> } = {};
  void promise.then(
    (value) => (result.value = { status: 'fulfilled', value }),
    (reason: unknown) => (result.value = { status: 'rejected', reason }),
  );
  await settle(() => result.value !== undefined, 5_000);
  if (result.value === undefined) throw new Error('promise did not settle');
  return result.value;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const result = await settled(promise);
  if (result.status === 'fulfilled') throw new Error('expected a rejection');
  return result.reason;
}

describe('EvsClient.getJob against the simulator', () => {
  it('reads a job over HTTP and parses it, with the response request id', async () => {
    const sim = await simulator();
    const jobId = sim.addJob({ duration: 60_000 });

    const job = await client(sim).getJob(jobId);

    expect(job).toMatchObject({ jobId, jobType: 'createVolume', status: 'RUNNING' });
    expect(job.beginTime).toBeInstanceOf(Date);
    expect(job.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(job.raw).toEqual(sim.jobState(jobId));
  });

  it('follows a job from RUNNING to SUCCESS as the clock moves', async () => {
    const clock = createFakeClock();
    const sim = await simulator({ clock });
    const jobId = sim.addJob({ duration: 10_000 });
    const evs = client(sim, { clock });

    expect((await evs.getJob(jobId)).status).toBe('RUNNING');
    await clock.tick(10_000);
    const done = await evs.getJob(jobId);

    expect(done.status).toBe('SUCCESS');
    expect(done.endTime!.getTime() - done.beginTime!.getTime()).toBe(10_000);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const sim = await simulator({ recordRequests: true });
    const jobId = sim.addJob();
    const evs = client(sim);
    const sockets = new Set<unknown>();
    const server = (sim as unknown as { server?: Server }).server;
    server?.on('connection', (socket) => sockets.add(socket));

    for (let i = 0; i < 5; i++) await evs.getJob(jobId);

    expect(sim.stats().requests).toBe(5);
    if (server !== undefined) expect(sockets.size).toBeLessThanOrEqual(1);
  });
});

describe('EvsClient errors, one class per failure (one attempt each: `retries: 0`)', () => {
  it('maps an unknown job (HTTP 400 Common.0011) to JobNotFoundError', async () => {
    const sim = await simulator();
    const error = await rejection(client(sim, { retries: 0 }).getJob('0123456789abcdef0123456789abcdef'));

    expect(error).toBeInstanceOf(JobNotFoundError);
    expect(error).toMatchObject({ code: 'EVS_JOB_NOT_FOUND', status: 400, serviceCode: 'Common.0011', retryable: false, jobId: '0123456789abcdef0123456789abcdef' });
    expect((error as JobNotFoundError).requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('maps 429 APIGW.0308 with Retry-After to ThrottledError with the delay in ms', async () => {
    const sim = await simulator({ faults: { script: ['throttle'], throttleRetryAfter: 3 } });
    const error = await rejection(client(sim, { retries: 0 }).getJob(sim.addJob()));

    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ code: 'EVS_THROTTLED', status: 429, serviceCode: 'APIGW.0308', retryAfter: 3000, retryable: true });
  });

  it('leaves retryAfter absent when a 429 has no Retry-After', async () => {
    const sim = await simulator({ faults: { script: ['throttle'] } });
    const error = (await rejection(client(sim, { retries: 0 }).getJob(sim.addJob()))) as ThrottledError;

    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.retryAfter).toBeUndefined();
    expect('retryAfter' in error).toBe(false);
  });

  it.each([
    ['error500', 500],
    ['error503', 503],
  ] as const)('maps %s to a retryable HttpError', async (fault, status) => {
    const sim = await simulator({ faults: { script: [fault] } });
    const error = await rejection(client(sim, { retries: 0 }).getJob(sim.addJob()));

    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'EVS_HTTP_ERROR', status, retryable: true });
  });

  it.each(['malformed', 'truncated'] as const)('maps a %s 200 body to InvalidResponseError with status and request id', async (fault) => {
    const sim = await simulator({ faults: { script: [fault] } });
    const error = await rejection(client(sim, { retries: 0 }).getJob(sim.addJob()));

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ code: 'EVS_INVALID_RESPONSE', status: 200, field: '$' });
    expect((error as InvalidResponseError).requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a body over the size cap instead of buffering it', async () => {
    const sim = await simulator({ faults: { script: ['oversize'] } });
    const error = await rejection(client(sim, { retries: 0 }).getJob(sim.addJob()));

    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ code: 'EVS_RESPONSE_TOO_LARGE', limit: 1_048_576 });
  });

  it('cuts a body of undeclared length as soon as it crosses the cap, and closes that connection', async () => {
    let closed = false;
    const server = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'rid-chunked' });
      res.write(`{"job_id":"a","status":"RUNNING","pad":"${'x'.repeat(100)}`);
      res.write('x'.repeat(100));
      res.on('close', () => (closed = true));
    });
    const evs = new EvsClient({ endpoint: server, projectId: 'p', credentials: 'none', env: {}, maxResponseSize: 150, retries: 0 });
    cleanups.push(() => evs.destroy());

    const error = await rejection(evs.getJob('a'));

    expect(error).toMatchObject({ name: 'ResponseTooLargeError', limit: 150, status: 200, requestId: 'rid-chunked' });
    await settle(() => closed);
    expect(closed).toBe(true);
  });

  it('reads a body with a byte-order mark, as undici\'s text() does', async () => {
    const server = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"job_id":"a","status":"SUCCESS"}')]));
    });
    const evs = new EvsClient({ endpoint: server, projectId: 'p', credentials: 'none', env: {} });
    cleanups.push(() => evs.destroy());

    await expect(evs.getJob('a')).resolves.toMatchObject({ jobId: 'a', status: 'SUCCESS' });
  });

  it('times out a request still queued for a connection, on the same clock', async () => {
    const clock = createFakeClock();
    const sim = await simulator({ clock, faults: { latency: 30_000 } });
    const evs = client(sim, { clock, timeout: 2_000, connections: 1, retries: 0 });
    const sent = track(evs.getJob(sim.addJob()));
    const queued = track(evs.getJob(sim.addJob()));
    await settle(() => sim.stats().inFlight === 1);

    await clock.tick(2_000);
    await settle(() => sent.status !== 'pending' && queued.status !== 'pending');

    expect(sent.error).toMatchObject({ name: 'RequestTimeoutError', timeout: 2_000 });
    expect(queued.error).toMatchObject({ name: 'RequestTimeoutError', timeout: 2_000 });
    expect(sim.stats().requests).toBe(1);
  });

  it('applies a custom maxResponseSize', async () => {
    const sim = await simulator();
    const error = await rejection(client(sim, { maxResponseSize: 64, retries: 0 }).getJob(sim.addJob()));

    expect(error).toMatchObject({ code: 'EVS_RESPONSE_TOO_LARGE', limit: 64 });
  });

  it('maps a reset connection to NetworkError', async () => {
    const sim = await simulator({ faults: { script: ['reset'] } });
    const error = await rejection(client(sim, { retries: 0 }).getJob(sim.addJob()));

    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('EVS_NETWORK');
    expect(sim.stats().requests).toBe(1);
  });

  it('maps a refused connection to NetworkError', async () => {
    const sim = await simulator();
    const { url, projectId } = sim;
    await sim.close();
    const evs = new EvsClient({ endpoint: url, projectId, credentials: 'none', env: {}, retries: 0 });
    cleanups.push(() => evs.destroy());

    const error = await rejection(evs.getJob('0123456789abcdef0123456789abcdef'));

    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('times out on the injected clock when the answer is slower than `timeout`', async () => {
    const clock = createFakeClock();
    const sim = await simulator({ clock, faults: { latency: 30_000 } });
    const pending = settled(client(sim, { clock, timeout: 5_000, retries: 0 }).getJob(sim.addJob()));
    await settle(() => sim.stats().inFlight === 1);

    await clock.tick(5_000);
    const result = await pending;

    expect(result.status).toBe('rejected');
    const error = (result as PromiseRejectedResult).reason as RequestTimeoutError;
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ code: 'EVS_TIMEOUT', timeout: 5_000 });
  });

  it('rejects with AbortError when the signal aborts mid-request, and leaves no listener behind', async () => {
    const clock = createFakeClock();
    const sim = await simulator({ clock, faults: { latency: 30_000 } });
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const pending = settled(client(sim, { clock }).getJob(sim.addJob(), { signal: controller.signal }));
    await settle(() => sim.stats().inFlight === 1);
    expect(listeners.count).toBe(1);

    controller.abort(new Error('user cancelled'));
    const result = await pending;

    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(AbortError);
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'AbortError', code: 'EVS_ABORTED' });
    expect(listeners.count).toBe(0);
  });

  it('rejects at once, without a request, when the signal is already aborted', async () => {
    const sim = await simulator();
    const error = await rejection(client(sim, { retries: 0 }).getJob(sim.addJob(), { signal: AbortSignal.abort() }));

    expect(error).toBeInstanceOf(Error);
    expect(sim.stats().requests).toBe(0);
  });
});

describe('EvsClient.getJob retries transient failures (p-retry; waits on the injected clock)', () => {
  /** Lets real I/O finish until the simulator has answered `count` requests, fake time standing still. */
  const answered = (sim: Simulator, count: number): Promise<void> => settle(() => sim.stats().requests === count && sim.stats().inFlight === 0, 2_000);
  /** A fake clock that remembers the delay of the last timer armed on it. */
  const createClock = (): FakeClock & { readonly lastDelay: number } => {
    const clock = createFakeClock();
    let lastDelay = Number.NaN;
    return Object.assign(clock, {
      setTimeout: (callback: () => void, delay: number) => ((lastDelay = delay), clock.fake.setTimeout(callback, delay)),
      get lastDelay() {
        return lastDelay;
      },
    });
  };
  /** Lets real I/O finish until the client's one timer is its wait before the next attempt (not a request's timeout). */
  const waiting = (clock: FakeClock & { readonly lastDelay: number }): Promise<void> =>
    settle(() => clock.fake.countTimers() === 1 && clock.lastDelay <= 60_000 && clock.lastDelay !== 10_000 && clock.lastDelay !== 1_000, 2_000);

  it('retries 503s after 500 ms, then 500-1000 ms, and resolves with the job', async () => {
    const clock = createClock();
    const sim = await simulator({ clock, faults: { script: ['error503', 'error503', 'none'] } });
    const call = track(client(sim, { clock }).getJob(sim.addJob()));

    await answered(sim, 1);
    await waiting(clock);
    await clock.tick(499);
    expect(sim.stats().requests).toBe(1);
    await clock.tick(1);
    await answered(sim, 2);
    await waiting(clock);
    await clock.tick(499);
    expect(sim.stats().requests).toBe(2);
    await clock.tick(501);
    await answered(sim, 3);
    await settle(() => call.status !== 'pending');

    expect(call.value).toMatchObject({ status: 'RUNNING' });
    expect(clock.fake.countTimers()).toBe(0);
  });

  it('waits exactly Retry-After after a 429', async () => {
    const clock = createClock();
    const sim = await simulator({ clock, faults: { script: ['throttle', 'none'], throttleRetryAfter: 3 } });
    const call = track(client(sim, { clock }).getJob(sim.addJob()));

    await answered(sim, 1);
    await waiting(clock);
    await clock.tick(2_999);
    expect(sim.stats().requests).toBe(1);
    await clock.tick(1);
    await answered(sim, 2);
    await settle(() => call.status !== 'pending');

    expect(call.status).toBe('fulfilled');
  });

  it('rejects at once with the ThrottledError when Retry-After is over 60 s', async () => {
    const sim = await simulator({ faults: { script: ['throttle'], throttleRetryAfter: 120 } });
    const error = await rejection(client(sim).getJob(sim.addJob()));

    expect(error).toMatchObject({ name: 'ThrottledError', retryAfter: 120_000 });
    expect(sim.stats().requests).toBe(1);
  });

  it('retries a reset connection on a new one', async () => {
    const clock = createClock();
    const sim = await simulator({ clock, faults: { script: ['reset', 'none'] } });
    const call = track(client(sim, { clock }).getJob(sim.addJob()));

    await answered(sim, 1);
    await waiting(clock);
    await clock.tick(500);
    await answered(sim, 2);
    await settle(() => call.status !== 'pending');

    expect(call.status).toBe('fulfilled');
  });

  it('retries a request that timed out', async () => {
    const clock = createClock();
    const sim = await simulator({ clock, faults: { script: ['latency', 'none'], latency: 30_000 } });
    const call = track(client(sim, { clock, timeout: 1_000 }).getJob(sim.addJob()));

    await settle(() => sim.stats().inFlight === 1);
    await clock.tick(1_000);
    await waiting(clock);
    await clock.tick(500);
    await answered(sim, 2);
    await settle(() => call.status !== 'pending');

    expect(call.status).toBe('fulfilled');
  });

  it.each([
    ['Common.0011', { faults: { script: ['notFound'] } }, 'JobNotFoundError'],
    ['a malformed body', { faults: { script: ['malformed'] } }, 'InvalidResponseError'],
    ['a 401', { auth: { accessKey: AK, secretKey: 'another secret' } }, 'AuthError'],
  ] as const)('never retries %s', async (_what, options, name) => {
    const sim = await simulator(options);
    const error = await rejection(client(sim, { credentials: { accessKey: AK, secretKey: SK } }).getJob(sim.addJob()));

    expect(error).toMatchObject({ name });
    expect(sim.stats().requests).toBe(1);
  });

  it('gives up after `retries` more attempts, with the last error', async () => {
    const clock = createClock();
    const sim = await simulator({ clock, faults: { error500: 1 } });
    const call = track(client(sim, { clock, retries: 1 }).getJob(sim.addJob()));

    await answered(sim, 1);
    await waiting(clock);
    await clock.tick(500);
    await answered(sim, 2);
    await settle(() => call.status !== 'pending');

    expect(call.error).toMatchObject({ name: 'HttpError', status: 500 });
    expect(clock.fake.countTimers()).toBe(0);
  });

  it('sends one request with a call\'s `retries: 0`, whatever the client\'s default', async () => {
    const sim = await simulator({ faults: { error500: 1 } });
    const error = await rejection(client(sim, { retries: 5 }).getJob(sim.addJob(), { retries: 0 }));

    expect(error).toMatchObject({ status: 500 });
    expect(sim.stats().requests).toBe(1);
  });

  it('stops waiting when the caller aborts: AbortError at once, no timer, no listener, no more requests', async () => {
    const clock = createClock();
    const sim = await simulator({ clock, faults: { error503: 1 } });
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const call = track(client(sim, { clock }).getJob(sim.addJob(), { signal: controller.signal }));
    await answered(sim, 1);
    expect(clock.fake.countTimers()).toBe(1);

    controller.abort(new Error('user cancelled'));
    await settle(() => call.status !== 'pending');

    expect(call.error).toMatchObject({ name: 'AbortError', code: 'EVS_ABORTED', cause: new Error('user cancelled') });
    expect(clock.fake.countTimers()).toBe(0);
    expect(listeners.count).toBe(0);
    await clock.tick(60_000);
    expect(sim.stats().requests).toBe(1);
  });

  it('ends a wait on close() with the last error, and on destroy() with AbortError', async () => {
    const clock = createClock();
    const sim = await simulator({ clock, faults: { error503: 1 } });
    const closing = client(sim, { clock });
    const closed = track(closing.getJob(sim.addJob()));
    await answered(sim, 1);
    await closing.close();
    await settle(() => closed.status !== 'pending');
    expect(closed.error).toMatchObject({ name: 'HttpError', status: 503 });

    const destroying = client(sim, { clock });
    const destroyed = track(destroying.getJob(sim.addJob()));
    await answered(sim, 2);
    await destroying.destroy();
    await settle(() => destroyed.status !== 'pending');
    expect(destroyed.error).toMatchObject({ name: 'AbortError', message: 'the client was destroyed' });
    expect(clock.fake.countTimers()).toBe(0);
  });

  it.each([-1, 1.5, 11, '2'])('refuses retries %j with a TypeError', (retries) => {
    expect(() => new EvsClient({ endpoint: 'http://127.0.0.1:1', projectId: 'p', credentials: 'none', env: {}, retries: retries as number })).toThrow(
      new TypeError(`Expected \`retries\` to be an integer from 0 to 10, got \`${String(retries)}\` (${typeof retries})`),
    );
  });
});

describe('EvsClient authentication', () => {
  it('signs with AK/SK so the simulated gateway accepts the request', async () => {
    const sim = await simulator({ auth: { accessKey: AK, secretKey: SK } });
    const job = await client(sim, { credentials: { accessKey: AK, secretKey: SK } }).getJob(sim.addJob());

    expect(job.status).toBe('RUNNING');
    expect(sim.stats().authFailures).toBe(0);
  });

  it('signs and sends the security token of temporary credentials', async () => {
    const sim = await simulator({ auth: { accessKey: AK, secretKey: SK, securityToken: 'temp-token' } });
    const evs = client(sim, { credentials: { accessKey: AK, secretKey: SK, securityToken: 'temp-token' } });

    await expect(evs.getJob(sim.addJob())).resolves.toMatchObject({ status: 'RUNNING' });
  });

  it('reports a wrong secret key as AuthError after exactly one request (never retried: retries lock the key)', async () => {
    const sim = await simulator({ auth: { accessKey: AK, secretKey: SK } });
    const error = await rejection(client(sim, { credentials: { accessKey: AK, secretKey: 'wrong-secret' } }).getJob(sim.addJob()));

    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'EVS_AUTH', status: 401, serviceCode: 'APIGW.0301', retryable: false });
    expect(sim.stats().requests).toBe(1);
    expect(JSON.stringify(error)).not.toContain('wrong-secret');
    expect(String((error as Error).message)).not.toContain('wrong-secret');
  });

  it('learns the server clock from Date and retries once when its signature had expired', async () => {
    const clock = createFakeClock();
    const sim = await simulator({ clock, auth: { accessKey: AK, secretKey: SK }, skew: 20 * 60_000 });
    const evs = client(sim, { clock, credentials: { accessKey: AK, secretKey: SK } });

    const job = await evs.getJob(sim.addJob());

    expect(job.status).toBe('RUNNING');
    expect(sim.stats().requests).toBe(2);
    expect(sim.stats().authFailures).toBe(1);
    expect(Math.abs(evs.clockOffset - 20 * 60_000)).toBeLessThanOrEqual(1_000);
    // Later requests are signed on the server's clock from the start.
    await evs.getJob(sim.addJob());
    expect(sim.stats().requests).toBe(3);
  });

  it('sends a static token as X-Auth-Token', async () => {
    const sim = await simulator({ auth: { tokens: ['token-a'] } });
    await expect(client(sim, { credentials: { token: 'token-a' } }).getJob(sim.addJob())).resolves.toMatchObject({ status: 'RUNNING' });
  });

  it('calls a token provider once, caches the token, and refreshes it once after a 401', async () => {
    const sim = await simulator({ auth: { tokens: ['token-1'] } });
    const calls: boolean[] = [];
    const tokens = ['token-1', 'token-2'];
    const evs = client(sim, { credentials: { token: ({ refresh }) => (calls.push(refresh), tokens[calls.length - 1]!) } });
    const jobId = sim.addJob();

    await evs.getJob(jobId);
    await evs.getJob(jobId);
    expect(calls).toEqual([false]);

    sim.setAuth({ tokens: ['token-2'] });
    await evs.getJob(jobId);

    expect(calls).toEqual([false, true]);
    expect(sim.stats().authFailures).toBe(1);
  });

  it('shares one refresh among concurrent requests refused with the same token', async () => {
    const sim = await simulator({ auth: { tokens: ['new'] } });
    let calls = 0;
    const evs = client(sim, { credentials: { token: () => (++calls === 1 ? 'old' : 'new') } });
    const jobId = sim.addJob();

    const jobs = await Promise.all(Array.from({ length: 5 }, () => evs.getJob(jobId)));

    expect(jobs).toHaveLength(5);
    expect(calls).toBe(2);
  });

  it('gives up with AuthError when the refreshed token is refused too: never a loop', async () => {
    const sim = await simulator({ auth: { tokens: ['valid'] } });
    let calls = 0;
    const evs = client(sim, { credentials: { token: () => `invalid-${++calls}` } });

    const error = await rejection(evs.getJob(sim.addJob()));

    expect(error).toBeInstanceOf(AuthError);
    expect(calls).toBe(2);
    expect(sim.stats().requests).toBe(2);
  });

  it('wraps a failing token provider in CredentialsError and asks again next time', async () => {
    const sim = await simulator({ auth: { tokens: ['ok'] } });
    let calls = 0;
    const evs = client(sim, {
      credentials: {
        token: () => {
          if (++calls === 1) throw new Error('IAM unavailable');
          return 'ok';
        },
      },
    });
    const jobId = sim.addJob();

    expect(await rejection(evs.getJob(jobId))).toBeInstanceOf(CredentialsError);
    await expect(evs.getJob(jobId)).resolves.toMatchObject({ status: 'RUNNING' });
    expect(sim.stats().requests).toBe(1);
  });

  it('maps a project the credentials do not cover (403) to AuthError', async () => {
    const sim = await simulator();
    const evs = new EvsClient({ endpoint: sim.url, projectId: 'ffffffffffffffffffffffffffffffff', credentials: 'none', env: {} });
    cleanups.push(() => evs.destroy());

    const error = await rejection(evs.getJob(sim.addJob()));

    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 403 });
  });
});

describe('EvsClient requests on the wire', () => {
  it('sends the path, Host, X-Project-Id, a signed X-Sdk-Date and a User-Agent naming the library', async () => {
    const seen = await captureOneRequest({ credentials: { accessKey: AK, secretKey: SK } });

    expect(seen.url).toBe('/v1/0123456789abcdef0123456789abcdef/jobs/fedcba9876543210fedcba9876543210');
    expect(seen.headers['x-project-id']).toBe('0123456789abcdef0123456789abcdef');
    expect(seen.headers['user-agent']).toBe(`evs-job-watcher/${VERSION} (node ${process.version})`);
    expect(seen.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(seen.headers.authorization).toMatch(
      new RegExp(`^SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$`),
    );
  });

  it('keeps the endpoint base path in front of /v1', async () => {
    const seen = await captureOneRequest({}, '/evs-proxy/');

    expect(seen.url).toBe('/evs-proxy/v1/0123456789abcdef0123456789abcdef/jobs/fedcba9876543210fedcba9876543210');
  });

  it('signs an encoded base path exactly as sent, so the gateway accepts it with AK/SK', async () => {
    const keys = { accessKey: AK, secretKey: SK };
    const sim = await simulator({ basePath: '/a%20b/(x)', auth: keys, recordRequests: true });
    const evs = client(sim, { credentials: keys });

    await expect(evs.getJob(sim.addJob())).resolves.toMatchObject({ status: 'RUNNING' });
    expect(sim.stats().log.map((record) => record.rawPath)).toEqual([expect.stringMatching(/^\/a%20b\/%28x%29\/v1\//)]);
    expect(sim.stats().authFailures).toBe(0);
  });

  it('goes through HTTP_PROXY when the environment names one, and around it for NO_PROXY hosts', async () => {
    const sim = await simulator();
    const proxy = await startConnectProxy();
    const jobId = sim.addJob();

    await client(sim, { env: { HTTP_PROXY: proxy.url } }).getJob(jobId);
    expect(proxy.tunnels).toBe(1);

    await client(sim, { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } }).getJob(jobId);
    expect(proxy.tunnels).toBe(1);
  });
});

describe('EvsClient input checks, before any request', () => {
  it.each([
    ['a slash', 'abc/def'],
    ['a query', 'abc?x=1'],
    ['a fragment', 'abc#x'],
    ['dot-dot', 'abc..def'],
    ['only dots', '..'],
    ['whitespace', 'abc def'],
    ['a newline', 'abc\ndef'],
    ['a percent sign', 'abc%2Fdef'],
    ['an empty string', ''],
    ['129 characters', 'a'.repeat(129)],
    ['non-ASCII', 'jöb'],
  ])('refuses a job id with %s with a TypeError', async (_what, jobId) => {
    const sim = await simulator();
    const error = await rejection(client(sim).getJob(jobId));

    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^Expected `jobId` to be/);
    expect(sim.stats().requests).toBe(0);
  });

  it('refuses a non-string job id', async () => {
    const sim = await simulator();
    await expect(client(sim).getJob(42 as unknown as string)).rejects.toThrow('Expected `jobId` to be 1-128 characters of A-Z a-z 0-9 _ - . (no "..", not starting or ending with "."), got `42` (number)');
  });

  it.each<[string, unknown, string]>([
    ['a misspelt option', { signl: AbortSignal.abort() }, 'Unknown option `options.signl` (did you mean `signal`?); known: signal, retries'],
    ['a null signal', { signal: null }, 'Expected `options.signal` to be a value, got null: leave it out (or pass undefined) for the default'],
    ['a signal that is not an AbortSignal', { signal: new AbortController() }, 'Expected `signal` to be an AbortSignal, got `object` (object)'],
  ])('refuses getJob options with %s', async (_what, options, message) => {
    const sim = await simulator();
    await expect(client(sim).getJob(sim.addJob(), options as GetJobOptions)).rejects.toThrow(new TypeError(message));
    expect(sim.stats().requests).toBe(0);
  });

  it('takes an explicit undefined signal as none', async () => {
    const sim = await simulator();
    await expect(client(sim).getJob(sim.addJob(), { signal: undefined })).resolves.toMatchObject({ status: 'RUNNING' });
  });

  it('refuses an unsafe project id in the constructor', () => {
    expect(() => new EvsClient({ endpoint: 'http://127.0.0.1:1', projectId: '../admin', credentials: 'none', env: {} })).toThrow(TypeError);
  });
});

describe('EvsClient configuration', () => {
  const base = { credentials: 'none', env: {} } as const;

  it('builds https://{service}.{region}.myhuaweicloud.com from the region', () => {
    expect(new EvsClient({ ...base, region: 'cn-north-4', projectId: 'p1' }).endpoint).toBe('https://evs.cn-north-4.myhuaweicloud.com');
  });

  it.each(SERVICES)('knows the job API of %s, on its own host', (service) => {
    const evs = new EvsClient({ ...base, region: 'ap-southeast-1', projectId: 'p1', service });

    expect(evs.service).toBe(service);
    expect(evs.endpoint).toBe(`https://${service}.ap-southeast-1.myhuaweicloud.com`);
  });

  it('lists the services as a runtime array matching the Service type', () => {
    expect(SERVICES).toEqual(['evs', 'ecs', 'ims', 'bms']);
    expectTypeOf<(typeof SERVICES)[number]>().toEqualTypeOf<Service>();
    expectTypeOf<Service>().toEqualTypeOf<'evs' | 'ecs' | 'ims' | 'bms'>();
  });

  it.each(SERVICES)('reads a %s job from the same path through the simulator', async (service) => {
    const sim = await simulator({ recordRequests: true });
    const jobId = sim.addJob();

    await expect(client(sim, { service }).getJob(jobId)).resolves.toMatchObject({ jobId });
    expect(sim.stats().log[0]?.rawPath).toBe(`/v1/${sim.projectId}/jobs/${jobId}`);
  });

  it('reads region, project and AK/SK from the environment variables of the official SDKs', () => {
    const evs = new EvsClient({ env: { HUAWEICLOUD_SDK_REGION: 'cn-east-3', HUAWEICLOUD_SDK_PROJECT_ID: 'abc123', HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK } });

    expect(evs.endpoint).toBe('https://evs.cn-east-3.myhuaweicloud.com');
    expect(evs.projectId).toBe('abc123');
  });

  it.each<[string, EvsClientOptions, string]>([
    ['no project id', { ...base, region: 'cn-north-4' }, 'Expected `projectId` (or HUAWEICLOUD_SDK_PROJECT_ID), got none'],
    ['no region nor endpoint', { ...base, projectId: 'p1' }, 'Expected `region` (or HUAWEICLOUD_SDK_REGION) like "cn-north-4" when no `endpoint` is given, got none'],
    ['a malformed region', { ...base, projectId: 'p1', region: 'cn north' }, 'Expected `region` (or HUAWEICLOUD_SDK_REGION) like "cn-north-4" when no `endpoint` is given, got "cn north"'],
    ['http:// off loopback', { ...base, projectId: 'p1', endpoint: 'http://evs.example.com' }, 'Refusing plain http:// to evs.example.com: credentials would travel in clear text. Use https://, or set `allowInsecureHttp: true`'],
    ['a relative endpoint', { ...base, projectId: 'p1', endpoint: 'evs.example.com' }, 'Expected `endpoint` to be an absolute http(s) URL like https://evs.cn-north-4.myhuaweicloud.com, got (not quoted, it may hold a secret; it does not start with https://)'],
    ['user:password in the endpoint', { ...base, projectId: 'p1', endpoint: 'https://u:p@evs.example.com' }, 'Expected `endpoint` without user:password@ (or any "@"; write one in a base path as %40): pass `credentials` instead'],
    ['an unknown service', { ...base, projectId: 'p1', region: 'cn-north-4', service: 'deh' as 'evs' }, "Expected `service` to be one of 'evs', 'ecs', 'ims', 'bms', got `deh` (string)"],
    ['a zero timeout', { ...base, projectId: 'p1', region: 'cn-north-4', timeout: 0 }, 'Expected `timeout` to be an integer from 1 to 2147483647, got `0` (number)'],
    ['zero connections', { ...base, projectId: 'p1', region: 'cn-north-4', connections: 0 }, 'Expected `connections` to be an integer from 1 to 1024, got `0` (number)'],
    ['no credentials anywhere', { env: {}, projectId: 'p1', region: 'cn-north-4' }, "Expected `credentials`, or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HUAWEICLOUD_AUTH_TOKEN) in the environment; use `credentials: 'none'` for an endpoint without auth"],
    ['an AK without SK', { env: {}, projectId: 'p1', region: 'cn-north-4', credentials: { accessKey: AK } as never }, "Expected `credentials` to be { accessKey, secretKey, securityToken? }, { token }, or 'none'"],
  ])('throws a TypeError for %s', (_what, options, message) => {
    expect(() => new EvsClient(options)).toThrow(new TypeError(message));
  });

  it.each<[string, unknown, string]>([
    ['a misspelt option', { ...base, projectId: 'p1', region: 'cn-north-4', timout: 5_000 }, 'Unknown option `options.timout` (did you mean `timeout`?); known: region, endpoint, service, projectId, credentials, timeout, retries, connections, maxResponseSize, dispatcher, allowInsecureHttp, clock, env'],
    ['a null option', { ...base, projectId: 'p1', region: 'cn-north-4', timeout: null }, 'Expected `options.timeout` to be a value, got null: leave it out (or pass undefined) for the default'],
    ['options that are not an object', 'https://evs.example.com', 'Expected `options` to be an object, got string'],
    ['a clock without timers', { ...base, projectId: 'p1', region: 'cn-north-4', clock: { monotonicNow: () => 0, wallNow: () => 0 } }, 'Expected `clock` to be a Clock with monotonicNow, wallNow, setTimeout, clearTimeout, random() methods, missing setTimeout()'],
    ['an endpoint that is not a string', { ...base, projectId: 'p1', endpoint: new URL('https://evs.example.com') }, 'Expected `endpoint` to be a URL string, got object'],
    ['a region that is not a string', { ...base, projectId: 'p1', region: 4 }, 'Expected `region` (or HUAWEICLOUD_SDK_REGION) like "cn-north-4" when no `endpoint` is given, got 4'],
    ['allowInsecureHttp that is not a boolean', { ...base, projectId: 'p1', region: 'cn-north-4', allowInsecureHttp: 'yes' }, 'Expected `allowInsecureHttp` to be a boolean, got `yes` (string)'],
    ['env that is not an object', { credentials: 'none', projectId: 'p1', region: 'cn-north-4', env: 'HOME=/' }, 'Expected `env` to be an object of environment variables, got `HOME=/` (string)'],
  ])('refuses %s with an exact TypeError', (_what, options, message) => {
    expect(() => new EvsClient(options as EvsClientOptions)).toThrow(new TypeError(message));
  });

  it('accepts an explicit undefined for every optional field, as "the default"', () => {
    const options: Required<{ [K in keyof EvsClientOptions]: undefined }> = {
      region: undefined, endpoint: undefined, service: undefined, projectId: undefined, credentials: undefined, timeout: undefined, retries: undefined,
      connections: undefined, maxResponseSize: undefined, dispatcher: undefined, allowInsecureHttp: undefined, clock: undefined, env: undefined,
    };
    expectTypeOf(options).toExtend<EvsClientOptions>();
    expectTypeOf<(typeof CLIENT_OPTION_KEYS)[number]>().toEqualTypeOf<keyof EvsClientOptions>();
    expect(new EvsClient({ ...options, region: 'cn-north-4', projectId: 'p1', credentials: 'none', env: {} }).endpoint).toBe('https://evs.cn-north-4.myhuaweicloud.com');
  });

  it('accepts http:// to a non-loopback host only with allowInsecureHttp', () => {
    expect(new EvsClient({ ...base, projectId: 'p1', endpoint: 'http://evs.example.com', allowInsecureHttp: true }).endpoint).toBe('http://evs.example.com');
  });

  it('never quotes a secret in a configuration error', () => {
    let message = '';
    try {
      new EvsClient({ env: {}, projectId: 'p1', region: 'cn-north-4', credentials: { accessKey: AK, secretKey: '', securityToken: 'SECRET-TOKEN' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain('SECRET-TOKEN');
  });
});

describe('EvsClient lifecycle', () => {
  it('close() is idempotent, and getJob afterwards rejects with ClosedError', async () => {
    const sim = await simulator();
    const evs = client(sim);
    await evs.getJob(sim.addJob());

    const first = evs.close();
    expect(evs.close()).toBe(first);
    await first;

    await expect(evs.getJob(sim.addJob())).rejects.toBeInstanceOf(ClosedError);
  });

  it('close() waits for requests in flight; destroy() aborts them', async () => {
    const clock = createFakeClock();
    const sim = await simulator({ clock, faults: { latency: 1_000 } });
    const evs = client(sim, { clock, timeout: 60_000 });
    const jobId = sim.addJob();

    const graceful = settled(evs.getJob(jobId));
    await settle(() => sim.stats().inFlight === 1);
    const closing = evs.close();
    await clock.tick(1_000);
    expect((await graceful).status).toBe('fulfilled');
    await closing;

    const other = client(sim, { clock, timeout: 60_000 });
    const aborted = settled(other.getJob(jobId));
    await settle(() => sim.stats().inFlight === 1);
    await other.destroy();
    const result = await aborted;
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(AbortError);
    await tickAway(clock);
  });

  it('supports await using', async () => {
    const sim = await simulator();
    let captured: EvsClient | undefined;
    {
      await using evs = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {} });
      captured = evs;
      await evs.getJob(sim.addJob());
    }
    await expect(captured.getJob(sim.addJob())).rejects.toBeInstanceOf(ClosedError);
  });
});

/** Lets pending simulator latency timers run out, so no work is left behind. */
async function tickAway(clock: FakeClock): Promise<void> {
  await clock.tick(60_000);
}

function countListeners(signal: AbortSignal): { count: number } {
  const state = { count: 0 };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    state.count++;
    add(...args);
  });
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    state.count--;
    remove(...args);
  });
  return state;
}

/** A plain HTTP server on 127.0.0.1 answering with `handler`; returns its URL. */
async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('connection', (socket) => cleanups.push(() => socket.destroy()));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A one-shot server that records the request it gets and answers with a valid job. */
async function captureOneRequest(options: Partial<EvsClientOptions>, basePath = ''): Promise<{ url: string; headers: IncomingHttpHeaders }> {
  let seen: { url: string; headers: IncomingHttpHeaders } | undefined;
  const server = createServer((req, res) => {
    seen = { url: req.url ?? '', headers: req.headers };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ job_id: 'fedcba9876543210fedcba9876543210', status: 'RUNNING', job_type: 'createVolume', entities: {} }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  server.on('connection', (socket) => cleanups.push(() => socket.destroy()));
  const { port } = server.address() as AddressInfo;
  const evs = new EvsClient({ endpoint: `http://127.0.0.1:${port}${basePath}`, projectId: '0123456789abcdef0123456789abcdef', credentials: 'none', env: {}, ...options });
  cleanups.push(() => evs.destroy());
  await evs.getJob('fedcba9876543210fedcba9876543210');
  return seen!;
}

/** A minimal HTTP CONNECT proxy counting its tunnels. */
async function startConnectProxy(): Promise<{ url: string; readonly tunnels: number }> {
  const state = { tunnels: 0 };
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, clientSocket, head) => {
    state.tunnels++;
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
    cleanups.push(() => {
      upstream.destroy();
      clientSocket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get tunnels() {
      return state.tunnels;
    },
  };
}
