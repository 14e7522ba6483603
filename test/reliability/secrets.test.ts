import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import type { EvsClientOptions } from '../../src/client/options.js';
import { seededRandom } from '../../src/clock/seeded-random.js';
import { EvsError } from '../../src/errors/evs-error.js';
import { startSimulator, type FaultOptions, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import { runCli, startCli } from '../cli/helpers.js';
import { createFakeClock, settle } from '../helpers/fake-clock.js';
import { EVENT_NAMES, recordingLogger } from '../helpers/watcher.js';
import { expectQuiet, guardProcess } from './support/guard.js';

// Secrets never leave: AK, SK, IAM token and security token are set to marker
// strings, every error path is driven, and everything the library emits is
// scanned for the markers. Reproduce: npx vitest run test/reliability/secrets.test.ts

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

const AK = 'AKMARK7Q2W9E4R6T1Y3U';
const SK = 'SKMARK-b7c1e9f04d2a6e8c3f5b';
const TOKEN = 'TOKENMARK-MIIx8c2f7a0b';
const STOKEN = 'STOKENMARK-4b9e1c7d2e';
/** Each marker whole, and its first 10 characters (a cut-off secret leaks too). */
const MARKERS = [AK, SK, TOKEN, STOKEN].flatMap((marker) => [marker, marker.slice(0, 10)]);
const ENV = { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK, HUAWEICLOUD_SDK_SECURITY_TOKEN: STOKEN, HUAWEICLOUD_AUTH_TOKEN: TOKEN };
const KEYS = { accessKey: AK, secretKey: SK, securityToken: STOKEN };

/** Every text form of `value` someone could print or ship: messages, stacks and causes, inspect, JSON. */
function texts(value: unknown): string[] {
  const out = [inspect(value, { depth: 10, showHidden: true }), inspect(value, { depth: 10 })];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    // Circular: inspect covered it.
  }
  for (let error: unknown = value, depth = 0; error instanceof Error && depth < 20; error = error.cause, depth++) {
    out.push(String(error), error.message, error.stack ?? '');
    if (error instanceof AggregateError) for (const inner of error.errors as unknown[]) out.push(...texts(inner));
  }
  return out;
}

/** What was scanned, for the test's own sanity checks. */
const scanned = { values: 0, errors: new Set<string>() };

function expectNoSecret(where: string, value: unknown): void {
  scanned.values += 1;
  if (value instanceof Error) scanned.errors.add(value.name);
  for (const text of texts(value)) {
    for (const marker of MARKERS) {
      if (text.includes(marker)) throw new Error(`${where}: leaked ${marker.slice(0, 10)}… in:\n${text.slice(Math.max(0, text.indexOf(marker) - 300), text.indexOf(marker) + 100)}`);
    }
  }
}

/** Runs `call`, which must fail; scans and returns its error. */
async function failure(where: string, call: () => unknown): Promise<unknown> {
  let error: unknown;
  try {
    await call();
  } catch (caught) {
    error = caught;
  }
  expect(error, `${where} did not fail`).toBeDefined();
  expectNoSecret(where, error);
  return error;
}

const simulators: Simulator[] = [];
async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ host: '127.0.0.1', port: 0, ...options });
  simulators.push(sim);
  return sim;
}
const clients: EvsClient[] = [];
/** One attempt per call (`retries: 0`): each error below is one answer's. */
function client(sim: Simulator, options: Partial<EvsClientOptions> = {}): EvsClient {
  const evs = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: KEYS, env: ENV, timeout: 2_000, retries: 0, ...options });
  clients.push(evs);
  return evs;
}
afterAll(async () => {
  await Promise.all(clients.map((evs) => evs.destroy()));
  await Promise.all(simulators.map((sim) => sim.close()));
});

describe('EvsClient errors carry no secret', () => {
  it.each<[string, SimulatorOptions, Partial<EvsClientOptions>, string]>([
    ['an unknown access key (401)', { auth: { accessKey: 'OTHERACCESSKEY000001', secretKey: 'other' } }, {}, 'AuthError'],
    ['a wrong secret key (401, signature mismatch)', { auth: { accessKey: AK, secretKey: 'other-secret' } }, {}, 'AuthError'],
    ['a refused security token (401)', { auth: { accessKey: AK, secretKey: SK, securityToken: 'other-token' } }, {}, 'AuthError'],
    ['a refused IAM token (401)', { auth: { tokens: ['other-token'] } }, { credentials: { token: TOKEN } }, 'AuthError'],
    ['a token provider whose fresh token is refused too (401 twice)', { auth: { tokens: ['other-token'] } }, { credentials: { token: () => TOKEN } }, 'AuthError'],
    ['a token provider that throws', {}, { credentials: { token: () => Promise.reject(new Error('token service unreachable')) } }, 'CredentialsError'],
    ['a token provider that returns nothing', {}, { credentials: { token: () => '' } }, 'CredentialsError'],
    ['a token read from a file with its newline (an invalid header value)', {}, { credentials: { token: `${TOKEN}\n` } }, 'NetworkError'],
    ['a security token with a newline', {}, { credentials: { ...KEYS, securityToken: `${STOKEN}\r\n` } }, 'NetworkError'],
    ['HTTP 500', { faults: { script: ['error500'] } }, {}, 'HttpError'],
    ['HTTP 503', { faults: { script: ['error503'] } }, {}, 'HttpError'],
    ['HTTP 429 with Retry-After', { faults: { script: ['throttle'], throttleRetryAfter: 3 } }, {}, 'ThrottledError'],
    ['HTTP 429 without Retry-After', { faults: { script: ['throttle'] } }, {}, 'ThrottledError'],
    ['a reset connection', { faults: { script: ['reset'] } }, {}, 'NetworkError'],
    ['malformed JSON', { faults: { script: ['malformed'] } }, {}, 'InvalidResponseError'],
    ['truncated JSON', { faults: { script: ['truncated'] } }, {}, 'InvalidResponseError'],
    ['a body above the size cap', { faults: { script: ['oversize'] } }, {}, 'ResponseTooLargeError'],
    ['a job that does not exist (400 Common.0011)', { faults: { script: ['notFound'] } }, {}, 'JobNotFoundError'],
  ])('%s', async (what, simOptions, clientOptions, expected) => {
    const sim = await simulator(simOptions);
    const evs = client(sim, clientOptions);
    const error = await failure(what, () => evs.getJob(sim.addJob()));
    expect((error as Error).name).toBe(expected);
  });

  it('a refused connection, TLS to a plain HTTP port, an unresolvable host, an unsafe job id', async () => {
    const sim = await simulator();
    const jobId = sim.addJob();
    const closedPort = await simulator();
    const port = closedPort.port;
    await closedPort.close();
    await failure('refused', () => new EvsClient({ endpoint: `http://127.0.0.1:${port}`, projectId: 'p', credentials: KEYS, env: ENV, retries: 0 }).getJob(jobId));
    await failure('tls to http', () => client(sim, { endpoint: `https://127.0.0.1:${sim.port}` }).getJob(jobId));
    await failure('dns', () => client(sim, { endpoint: 'https://evs.no-such-host.invalid' }).getJob(jobId));
    await failure('bad id', () => client(sim).getJob('a/b'));
  });

  it('a request in flight that times out, is aborted, or whose client is destroyed; a call after close', async () => {
    // The simulator's clock never moves on its own, so each request waits there until its client gives up.
    const clock = createFakeClock();
    const parked = await simulator({ clock, faults: { latency: 60_000 } });
    const jobId = parked.addJob();
    const arrived = async (count: number): Promise<void> => {
      await settle(() => parked.stats().requests === count && parked.stats().inFlight === 1, 10_000);
      expect(parked.stats().inFlight, 'the request is in flight at the simulator').toBe(1);
    };

    // Each failure is listened to from the start: it settles while the test drives the clock or the signal.
    const timingOut = client(parked, { clock, timeout: 30_000 });
    const timedOut = failure('timeout', () => timingOut.getJob(jobId));
    await arrived(1);
    await clock.tick(30_000);
    expect(await timedOut).toMatchObject({ name: 'RequestTimeoutError' });

    const controller = new AbortController();
    const aborted = failure('abort', () => client(parked).getJob(jobId, { signal: controller.signal }));
    await arrived(2);
    controller.abort(new Error('user gave up'));
    expect(await aborted).toMatchObject({ name: 'AbortError' });

    const destroyed = client(parked);
    const inFlight = failure('destroy', () => destroyed.getJob(jobId));
    await arrived(3);
    void destroyed.destroy();
    expect(await inFlight).toMatchObject({ name: 'AbortError' });
    expect(await failure('after close', () => destroyed.getJob(jobId))).toMatchObject({ name: 'ClosedError' });
  });
});

describe('configuration errors carry no secret', () => {
  const base = { endpoint: 'http://127.0.0.1:1', projectId: 'p', env: ENV };
  it.each<[string, () => unknown]>([
    ['an unsafe project id', () => new EvsClient({ ...base, credentials: KEYS, projectId: '../x' })],
    ['an empty security token', () => new EvsClient({ ...base, credentials: { accessKey: AK, secretKey: SK, securityToken: '' } })],
    ['an AK without SK', () => new EvsClient({ ...base, credentials: { accessKey: AK } as never })],
    ['an SK that is not a string', () => new EvsClient({ ...base, credentials: { accessKey: AK, secretKey: 42 } as never })],
    ['the secret passed as `credentials`', () => new EvsClient({ ...base, credentials: SK as never })],
    ['an empty token', () => new EvsClient({ ...base, credentials: { token: '' } })],
    ['plain http to another host', () => new EvsClient({ ...base, credentials: KEYS, endpoint: 'http://evs.example.com' })],
    ['credentials in the endpoint URL', () => new EvsClient({ ...base, credentials: 'none', endpoint: `https://${AK}:${SK}@evs.example.com` })],
    ['credentials in an endpoint URL that does not parse', () => new EvsClient({ ...base, credentials: 'none', endpoint: `https://${AK}:${SK}@evs.example.com:44x3` })],
    ['a token in an endpoint URL that does not parse', () => new EvsClient({ ...base, credentials: 'none', endpoint: `https://x:${TOKEN}@[evs` })],
    ['a bad region, credentials from the environment', () => new EvsClient({ env: { ...ENV, HUAWEICLOUD_SDK_REGION: 'Not A Region', HUAWEICLOUD_SDK_PROJECT_ID: 'p' } })],
    ['a bad timeout', () => new EvsClient({ ...base, credentials: KEYS, timeout: 0 })],
    ['a bad watcher option', () => new JobWatcher({ client: new EvsClient({ ...base, credentials: KEYS }), concurrency: 0 })],
  ])('%s', async (what, make) => {
    await failure(what, make);
  });
});

describe('a watcher under every fault, in fake time: errors, events, logs, stats and snapshots carry no secret', () => {
  it('with AK/SK and a security token, then with the credentials revoked', async () => {
    const clock = createFakeClock({ seed: 5 });
    const faults: FaultOptions = { error500: 0.08, error503: 0.04, throttle: 0.04, throttleRetryAfter: 1, reset: 0.04, malformed: 0.04, truncated: 0.04, oversize: 0.03, notFound: 0.04, latency: { min: 0, max: 3_000 }, latencyProbability: 0.2 };
    const sim = await simulator({ clock, random: seededRandom(8), auth: KEYS, faults, batchOverhead: 1_000 });
    const evs = client(sim, { clock, timeout: 2_000 });
    const logger = recordingLogger();
    const watcher = new JobWatcher({ client: evs, logger, concurrency: 4, timeout: 600_000 });
    const emitted: [string, unknown][] = [];
    for (const event of EVENT_NAMES) watcher.on(event, (payload: unknown) => emitted.push([event, payload]));
    // A listener that throws: the watcher logs it (logger.error) and carries on.
    watcher.once('statusChange', () => {
      throw new Error('a listener bug');
    });
    const outcomes: unknown[] = [];
    const watch = (promise: Promise<unknown>): void => void promise.then((value) => outcomes.push(value), (error: unknown) => outcomes.push(error));
    for (let i = 0; i < 30; i++) watch(watcher.watch(sim.addJob({ duration: 5_000 + i * 1_000, ...(i % 5 === 0 && { outcome: 'FAIL' as const }) }), { throwOnFail: i % 10 === 0 }));
    for (let i = 0; i < 6; i++) watch(watcher.watch(sim.addJob({ subJobs: [{ duration: 8_000 }, { duration: 12_000, ...(i === 2 && { outcome: 'FAIL' as const }) }] })));
    watch(watcher.watch('0123456789abcdef0123456789abcdef'));
    watch(watcher.watch(sim.addJob({ status: 'PENDING' }), { timeout: 60_000 }));
    const controller = new AbortController();
    watch(watcher.watch(sim.addJob({ duration: 600_000 }), { signal: controller.signal }));
    watch(watcher.watchAll([sim.addJob({ duration: 4_000 }), sim.addJob({ duration: 9_000 })]));
    const long = Array.from({ length: 5 }, () => sim.addJob({ duration: 3_600_000 }));
    for (const id of long) watch(watcher.watch(id));

    const idle = (): boolean => watcher.stats().inFlight === sim.stats().inFlight;
    const run = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 250) {
        await clock.tick(250);
        await settle(idle, 2_000);
      }
    };
    await run(20_000);
    controller.abort(new Error('stop that one'));
    expectNoSecret('snapshot, mid-run', watcher.snapshot());
    expectNoSecret('stats, mid-run', watcher.stats());
    await run(100_000);
    // The credentials are revoked: the next poll is refused and every remaining watch rejects with AuthError.
    sim.setAuth({ accessKey: 'ROTATEDACCESSKEY0001', secretKey: 'rotated' });
    await run(30_000);

    expect(outcomes.length).toBe(30 + 6 + 1 + 1 + 1 + 1 + 5);
    for (const [index, outcome] of outcomes.entries()) expectNoSecret(`outcome ${index}`, outcome);
    for (const [event, payload] of emitted) expectNoSecret(`event ${event}`, payload);
    for (const call of logger.calls) expectNoSecret(`logger.${call.level} ${call.message}`, call);
    expectNoSecret('stats', watcher.stats());
    expectNoSecret('snapshot', watcher.snapshot());
    expectNoSecret('the watcher itself', watcher);
    expectNoSecret('the client itself', evs);
    // The run did reach the paths it is meant to scan.
    const names = new Set(emitted.map(([event]) => event));
    for (const event of ['statusChange', 'subJobDone', 'succeeded', 'failed', 'done', 'pollError', 'throttled', 'timeout', 'authFailed']) expect(names, event).toContain(event);
    expect(new Set(logger.calls.map((call) => call.level))).toEqual(new Set(['debug', 'warn', 'error']));
    for (const name of ['JobFailedError', 'WatchTimeoutError', 'JobNotFoundError', 'AbortError', 'AuthError']) expect(outcomes.some((outcome) => outcome instanceof EvsError && outcome.name === name), name).toBe(true);
    await watcher.destroy();
  });
});

describe('the evs-jobs CLI prints no secret', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulator({ auth: { accessKey: 'OTHERACCESSKEY000001', secretKey: 'other' } });
  });

  function expectClean(where: string, result: { stdout: string; stderr: string }): void {
    expectNoSecret(`${where} stdout`, result.stdout);
    expectNoSecret(`${where} stderr`, result.stderr);
  }

  it.each<[string, string[], Record<string, string>, number]>([
    ['credentials refused (AK/SK + security token)', ['--json'], ENV, 3],
    ['credentials refused, plain output', [], ENV, 3],
    ['a token refused', ['--json'], { HUAWEICLOUD_AUTH_TOKEN: TOKEN }, 3],
  ])('%s', async (what, flags, env, code) => {
    const result = await runCli(['wait', '--endpoint', sim.url, '--project', sim.projectId, '--poll-interval', '100', '--timeout', '20s', ...flags, sim.addJob({ duration: 100 })], { env });
    expect(result.code, result.stderr).toBe(code);
    expectClean(what, result);
  });

  it('polling through 5xx, 429, resets, bad bodies and not-found with the right credentials', async () => {
    // One of each fault first (scripted), then clean answers.
    const script = ['error500', 'throttle', 'reset', 'malformed', 'truncated', 'oversize', 'notFound', 'error503'] as const;
    const faulty = await simulator({ auth: KEYS, faults: { script, throttleRetryAfter: 1 } });
    const ids = Array.from({ length: 6 }, (_, i) => faulty.addJob({ duration: 200 + i * 150, ...(i === 4 && { outcome: 'FAIL' as const }) }));
    const result = await runCli(['wait', '--endpoint', faulty.url, '--project', faulty.projectId, '--poll-interval', '100', '--timeout', '30s', '--json', ...ids], { env: ENV });
    expect([0, 1]).toContain(result.code);
    expect(result.stdout).toMatch(/"type":"pollError"/);
    expectClean('faults', result);
  });

  it.each<[string, string[]]>([
    ['a bad region', ['--region', 'Not A Region', '--project', 'p']],
    ['plain http to another host', ['--endpoint', 'http://evs.example.com', '--project', 'p']],
    ['credentials in an endpoint that does not parse', ['--endpoint', `https://${AK}:${SK}@evs.example.com:44x3`, '--project', 'p']],
    ['credentials in an endpoint that parses', ['--endpoint', `https://${AK}:${SK}@evs.example.com`, '--project', 'p']],
    ['an unsafe project', ['--endpoint', 'https://evs.example.com', '--project', '../p']],
    ['a bad timeout', ['--endpoint', 'https://evs.example.com', '--project', 'p', '--timeout', 'soon']],
  ])('usage error: %s', async (what, flags) => {
    const result = await runCli(['wait', ...flags, '0123456789abcdef0123456789abcdef'], { env: ENV });
    expect(result.code, result.stderr).toBe(2);
    expectClean(what, result);
  });

  it('simulate, enforcing the AK/SK from the environment', async () => {
    const run = startCli(['simulate', '--jobs', '3'], { env: ENV });
    await run.waitForStdout('serving until');
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.stdout).toMatch(/auth: AK\/SK from HUAWEICLOUD_SDK_AK/);
    expectClean('simulate', result);
  });

  afterAll(() => {
    // The scans above saw every error class the paths produce.
    expect(scanned.values).toBeGreaterThan(300);
    for (const name of ['AuthError', 'CredentialsError', 'NetworkError', 'HttpError', 'ThrottledError', 'RequestTimeoutError', 'InvalidResponseError', 'ResponseTooLargeError', 'JobNotFoundError', 'AbortError', 'ClosedError', 'TypeError', 'JobFailedError', 'WatchTimeoutError']) {
      expect(scanned.errors, name).toContain(name);
    }
  });
});
