import { connect, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/clock/seeded-random.js';
import { ClosedError } from '../../src/errors/closed-error.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createFakeClock, settle } from '../helpers/fake-clock.js';
import { body, getJob, jobPath, useSimulators } from './helpers.js';

const start = useSimulators();

/** A raw TCP connection, left idle, that reports when the server drops it. */
async function idleConnection(simulator: Simulator): Promise<{ socket: Socket; closed: () => boolean }> {
  const socket = connect(simulator.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let closed = false;
  socket.once('close', () => {
    closed = true;
  });
  return { socket, closed: () => closed };
}

function handles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap' || kind === 'TCPSocketWrap').length;
}

describe('startSimulator()', () => {
  it('binds 127.0.0.1 on a free port and reports its URL', async () => {
    const simulator = await start();

    expect(simulator.port).toBeGreaterThan(0);
    expect(simulator.url).toBe(`http://127.0.0.1:${simulator.port}`);
    expect(simulator.projectId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('listens on a given port', async () => {
    const probe = await startSimulator();
    const port = probe.port;
    await probe.close();
    const simulator = await start({ port });

    expect(simulator.port).toBe(port);
  });

  it('repeats ids exactly under a seeded random', async () => {
    const first = await start({ random: seededRandom(7) });
    const second = await start({ random: seededRandom(7) });

    expect(second.projectId).toBe(first.projectId);
    expect([second.addJob(), second.addJob()]).toEqual([first.addJob(), first.addJob()]);
  });

  it('rejects invalid options with exact messages', async () => {
    await expect(startSimulator({ port: 70_000 })).rejects.toThrow(new TypeError('Expected `port` to be an integer from 0 to 65535, got `70000` (number)'));
    await expect(startSimulator({ host: '' })).rejects.toThrow('Expected `host` to be a non-empty string, got `` (string)');
    await expect(startSimulator({ apiJobs: { failureRate: 2 } })).rejects.toThrow(/`apiJobs\.failureRate`/);
    await expect(startSimulator({ faults: { reset: -1 } })).rejects.toThrow('Expected `faults.reset` to be a number from 0 to 1, got `-1` (number)');
    await expect(startSimulator({ auth: { tokens: [''] } })).rejects.toThrow(/`auth\.tokens\[0\]`/);
  });

  it('refuses unknown keys and null values at every level, naming the key and the closest known one', async () => {
    const refusal = (options: unknown): Promise<unknown> => startSimulator(options as SimulatorOptions).then(() => 'started', (error: unknown) => error);
    const known = 'port, host, basePath, projectId, clock, random, auth, faults, skew, maxSkew, recordRequests, defaultDuration, batchOverhead, apiJobs';
    const faults = 'error500, error503, throttle, reset, malformed, truncated, oversize, notFound, latency, latencyProbability, script, throttleRetryAfter, rateLimit';

    expect(await refusal({ prot: 8080 })).toEqual(new TypeError(`Unknown option \`options.prot\` (did you mean \`port\`?); known: ${known}`));
    expect(await refusal({ port: null })).toEqual(new TypeError('Expected `options.port` to be a value, got null: leave it out (or pass undefined) for the default'));
    expect(await refusal({ apiJobs: { failurRate: 0.1 } })).toEqual(
      new TypeError('Unknown option `apiJobs.failurRate` (did you mean `failureRate`?); known: duration, initDuration, invisibleFor, failureRate'),
    );
    expect(await refusal({ apiJobs: { duration: { median: 1_000, sigam: 0.2 } } })).toEqual(
      new TypeError('Unknown option `apiJobs.duration.sigam` (did you mean `sigma`?); known: median, sigma'),
    );
    expect(await refusal({ apiJobs: { duration: '5s' } })).toEqual(new TypeError('Expected `apiJobs.duration` to be a number from 0 to 9007199254740991, got `5s` (string)'));
    expect(await refusal({ faults: { error50: 0.1 } })).toEqual(new TypeError(`Unknown option \`faults.error50\` (did you mean \`error500\`?); known: ${faults}`));
    expect(await refusal({ auth: { tokens: 't' } })).toEqual(new TypeError('Expected `auth.tokens` to be an array, got `t` (string)'));
    expect(await refusal({ clock: {} })).toEqual(
      new TypeError('Expected `clock` to be a Clock with monotonicNow, wallNow, setTimeout, clearTimeout, random() methods, missing monotonicNow()'),
    );
    expect(await refusal({ recordRequests: 'yes' })).toEqual(new TypeError('Expected `recordRequests` to be a boolean, got `yes` (string)'));
    expect(await refusal(null)).toEqual(new TypeError('Expected `options` to be an object, got null'));
  });

  it('takes an explicit undefined as the default, for callers passing maybe-values through', async () => {
    const simulator = await start({ port: undefined, host: undefined, faults: { rateLimit: undefined }, apiJobs: { duration: undefined } });

    expect(simulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(simulator.addJob({ duration: undefined, subJobs: undefined })).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('restart()', () => {
  it('reopens on the same port, keeping jobs, faults and stats', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { script: ['none', 'error503'] } });
    const jobId = simulator.addJob({ duration: 1_000 });
    const port = simulator.port;
    await getJob(simulator, jobId);

    await simulator.restart();
    await clock.tick(1_000);
    expect(simulator.port).toBe(port);
    expect((await getJob(simulator, jobId)).status).toBe(503);
    expect(body(await getJob(simulator, jobId))).toMatchObject({ job_id: jobId, status: 'SUCCESS' });
    expect(simulator.stats().requests).toBe(3);
  });

  it('drops open connections, as a server restart does', async () => {
    const simulator = await start();
    const connection = await idleConnection(simulator);

    await simulator.restart();
    await settle(connection.closed);
    expect(connection.closed()).toBe(true);
  });

  it('gives way to a close() that comes while it runs', async () => {
    const simulator = await start();
    const restarting = simulator.restart();
    await simulator.close();

    await expect(restarting).rejects.toThrow(ClosedError);
    await expect(getJob(simulator, simulator.addJob())).rejects.toThrow(/ECONNREFUSED/);
  });

  it('rejects after close()', async () => {
    const simulator = await start();
    await simulator.close();

    await expect(simulator.restart()).rejects.toThrow(ClosedError);
  });
});

describe('close()', () => {
  it('is idempotent', async () => {
    const simulator = await start();

    await Promise.all([simulator.close(), simulator.close()]);
    await simulator.close();
    await expect(getJob(simulator, simulator.addJob())).rejects.toThrow(/ECONNREFUSED/);
  });

  it('destroys idle keep-alive sockets instead of waiting for them', async () => {
    const simulator = await start();
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    const jobId = simulator.addJob();
    await (await request(`${simulator.url}${jobPath(simulator, jobId)}`, { dispatcher: agent })).body.text();
    const connection = await idleConnection(simulator);

    await simulator.close();
    await settle(connection.closed);
    expect(connection.closed()).toBe(true);
    await agent.close();
  });

  it('cancels pending delays, failing their requests, and leaves no timer or handle behind', async () => {
    const before = handles();
    const clock = createFakeClock();
    const simulator = await startSimulator({ clock, faults: { latency: 60_000 } });
    const agent = new Agent();
    const pending = request(`${simulator.url}${jobPath(simulator, simulator.addJob())}`, { dispatcher: agent });
    await settle(() => simulator.stats().faults.latency === 1, 1_000);

    await simulator[Symbol.asyncDispose]();
    await expect(pending).rejects.toThrow();
    await agent.close();
    await settle(() => handles() <= before);
    expect(clock.fake.countTimers()).toBe(0);
    expect(handles()).toBeLessThanOrEqual(before);
  });
});
