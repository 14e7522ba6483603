import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import { AuthError } from '../../src/errors/auth-error.js';
import type { Job } from '../../src/model/job.js';
import { FleetStateLostError, FleetUnavailableError, RedisFleet, type RedisFleetOptions } from '../../src/redis/index.js';
import { fleetKeys, stateKey } from '../../src/redis/keys.js';
import type { Simulator } from '../../src/simulator/index.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatcherSettings } from '../../src/watcher/options.js';
import { useRedis } from '../helpers/fleet.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { useSimulators } from '../helpers/simulators.js';

// What the fleet does when Redis or the service fails it, in one process (the engine is the same in
// every process): watches wait, resume, or reject with an error that says what happened; never hang.
const redis = useRedis();
const simulator = useSimulators();
const FAST: WatcherSettings = { maxLag: 100, maxLagRatio: 0.1, durations: { '*': { median: 400, spread: 0.3 } } };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A watcher in a fleet, on its own ioredis client, polling the simulator; destroyed after the test. */
function member(sim: Simulator, fleet: Omit<RedisFleetOptions, 'redis'> & { readonly url?: string }, settings: WatcherSettings = {}, credentials: 'none' | { token: string } = 'none'): { watcher: JobWatcher; fleet: RedisFleet } {
  const { url, ...options } = fleet;
  const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials, allowInsecureHttp: true, connections: 32 });
  const connection = url === undefined ? redis.client() : new Redis(url, { maxRetriesPerRequest: null });
  // What ioredis reports while Redis is away; the fleet logs its own view of it.
  connection.on('error', () => undefined);
  const redisFleet = new RedisFleet({ redis: connection, lease: 1_000, idleInterval: 100, ...options });
  const watcher = new JobWatcher({ client, fleet: redisFleet, ...FAST, concurrency: 20, ...settings });
  cleanups.push(async () => {
    await watcher.destroy();
    await client.close();
    if (url !== undefined) connection.disconnect();
  });
  return { watcher, fleet: redisFleet };
}

/** Watches every job; resolves with how each settled, once `settled(count)` is reached the callback runs once. */
function watchAll(watcher: JobWatcher, jobIds: readonly string[], at: number, midway: () => Promise<void>): Promise<(Job | Error)[]> {
  let settled = 0;
  let fired: Promise<void> | undefined;
  const results = jobIds.map((jobId) =>
    watcher.watch(jobId).then(
      (job) => job,
      (error: Error) => error,
    ).finally(() => {
      settled += 1;
      if (settled === at) fired = midway();
    }),
  );
  return Promise.all(results).then(async (all) => {
    await fired;
    return all;
  });
}

async function restartable(appendonly: boolean): Promise<RedisServer> {
  const server = await startRedisServer({ appendonly });
  cleanups.unshift(() => server.close());
  return server;
}

describe('a fleet whose Redis restarts', () => {
  /** 300 watches in one process; Redis restarts once 100 settled. */
  async function restartMidway(appendonly: boolean): Promise<{ sim: Simulator; watcher: JobWatcher; jobIds: string[]; results: (Job | Error)[] }> {
    const server = await restartable(appendonly);
    const sim = await simulator();
    const { watcher } = member(sim, { url: server.url, name: redis.name() });
    const jobIds = Array.from({ length: 300 }, (_, index) => sim.addJob({ duration: 200 + (index % 10) * 50 }));
    const results = await watchAll(watcher, jobIds, 100, async () => {
      await server.stop();
      await server.start();
    });
    return { sim, watcher, jobIds, results };
  }

  it('survives it with AOF on: every watch settles with its true status', async () => {
    const { sim, jobIds, results } = await restartMidway(true);

    expect(results.filter((result) => result instanceof Error)).toEqual([]);
    expect(results.map((job) => (job as Job).status)).toEqual(jobIds.map((jobId) => sim.jobState(jobId)?.['status']));
  });

  it('fails clearly with AOF off: the watches it lost reject with FleetStateLostError, none hangs', async () => {
    const { sim, watcher, results } = await restartMidway(false);

    const lost = results.filter((result) => result instanceof Error);
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((error) => error instanceof FleetStateLostError)).toBe(true);
    expect(lost[0]!.message).toMatch(/appendonly yes/);
    expect(results.filter((result) => !(result instanceof Error)).every((job) => (job as Job).status === 'SUCCESS')).toBe(true);
    // The fleet goes on in the new data set: a new watch works.
    await expect(watcher.watch(sim.addJob({ duration: 100 }))).resolves.toMatchObject({ status: 'SUCCESS' });
  });

  it('rejects the waiting watches with FleetUnavailableError once Redis stays away past unavailableTimeout', async () => {
    const server = await restartable(true);
    const sim = await simulator();
    const { watcher, fleet } = member(sim, { url: server.url, name: redis.name(), unavailableTimeout: 300 });
    const watch = watcher.watch(sim.addJob({ duration: 60_000 }));
    await fleet.ready();

    await server.stop();

    const error = await watch.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FleetUnavailableError);
    expect((error as FleetUnavailableError).code).toBe('EVS_FLEET_UNAVAILABLE');
  });
});

/** Resolves once `check` holds, checking Redis state every 10 ms. */
async function untilRedis(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('fleet outcomes', () => {
  it('keeps one schedule for a job however many processes watch it, and settles them all', async () => {
    const sim = await simulator();
    const name = redis.name();
    const jobId = sim.addJob({ duration: 300 });
    const first = member(sim, { name, worker: false });
    const second = member(sim, { name, worker: false });
    const watches = [first.watcher.watch(jobId), second.watcher.watch(jobId)];
    const inspector = redis.client();
    const { prefix } = fleetKeys(name);
    await untilRedis(async () => (await inspector.hget(stateKey(prefix, jobId), jobId))?.split(',')[1] === '2');
    expect(await inspector.zcard(fleetKeys(name).due)).toBe(1);

    member(sim, { name });
    const [one, two] = await Promise.all(watches);

    expect([one?.status, two?.status]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sim.stats().overlappingPolls).toBe(0);
    expect(await inspector.zcard(fleetKeys(name).due)).toBe(0);
  });

  it('reads an outcome published while its subscription was down, once it is back', async () => {
    const sim = await simulator();
    const name = redis.name();
    // Its subscriber (a duplicate of this client) reconnects a whole second after it is cut.
    const connection = new Redis(redis.server().url, { maxRetriesPerRequest: null, retryStrategy: () => 1_000 });
    connection.on('error', () => undefined);
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
    const fleet = new RedisFleet({ redis: connection, name, worker: false });
    const watcher = new JobWatcher({ client, fleet, ...FAST });
    cleanups.push(async () => {
      await watcher.destroy();
      await client.close();
      connection.disconnect();
    });
    const jobId = sim.addJob({ duration: 300 });
    let settled = false;
    const watch = watcher.watch(jobId).finally(() => (settled = true));
    const inspector = redis.client();
    await untilRedis(async () => (await inspector.zcard(fleetKeys(name).due)) === 1);

    await inspector.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // A worker joins and sees the job finish while the watcher's side is not subscribed.
    member(sim, { name });
    await untilRedis(async () => (await inspector.exists(fleetKeys(name).outcome(jobId))) === 1);
    expect(settled).toBe(false);

    await expect(watch).resolves.toMatchObject({ jobId });
  });

  it('resolves a watch of a job another process saw finish without polling it', async () => {
    const sim = await simulator();
    const name = redis.name();
    const worker = member(sim, { name });
    const jobId = sim.addJob({ duration: 100 });
    const first = await worker.watcher.watch(jobId);
    const polls = sim.stats().requests;

    const late = member(sim, { name, worker: false });
    const again = await late.watcher.watch(jobId);

    expect(again.status).toBe(first.status);
    expect(again.jobId).toBe(jobId);
    expect(sim.stats().requests).toBe(polls);
  });
});

describe('credentials refused', () => {
  it('stop every process with that credential key, and only those, without the key in Redis', async () => {
    const sim = await simulator({ auth: { tokens: ['good-token'] } });
    const name = redis.name();
    const polling = member(sim, { name, credentialKey: 'AKBADEXAMPLE' }, {}, { token: 'bad-token' });
    const waiting = member(sim, { name, credentialKey: 'AKBADEXAMPLE', worker: false }, {}, { token: 'bad-token' });
    const refused = [polling.watcher.watch(sim.addJob()), waiting.watcher.watch(sim.addJob())].map((watch) => watch.catch((error: unknown) => error));

    const [seen, told] = await Promise.all(refused);

    expect(seen).toBeInstanceOf(AuthError);
    expect(told).toBeInstanceOf(AuthError);
    expect(sim.stats().authFailures).toBe(1);
    expect(waiting.watcher.stats().pollsSent).toBe(0);
    const other = member(sim, { name, credentialKey: 'AKGOODEXAMPLE' }, {}, { token: 'good-token' });
    await expect(other.watcher.watch(sim.addJob({ duration: 100 }))).resolves.toMatchObject({ status: 'SUCCESS' });
    const inspector = redis.client();
    const keys = await inspector.keys(`evsjw:{${name}}:*`);
    const values = await Promise.all(keys.map((key) => inspector.type(key).then((type) => (type === 'string' ? inspector.get(key) : ''))));
    const control = await inspector.hgetall(fleetKeys(name).control);
    expect(Object.keys(control).filter((field) => field.startsWith('a:'))).toHaveLength(1);
    expect([...keys, ...values, ...Object.entries(control).flat()].join('\n')).not.toMatch(/AKBADEXAMPLE|bad-token/);
  });
});
