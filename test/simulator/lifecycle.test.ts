import { connect, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/clock/seeded-random.js';
import { ClosedError } from '../../src/errors/closed-error.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
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
