import { describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import { fleetKeys } from '../../src/redis/keys.js';
import { RedisFleet } from '../../src/redis/index.js';
import type { Simulator } from '../../src/simulator/index.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatcherSettings } from '../../src/watcher/options.js';
import { useRedis } from '../helpers/fleet.js';
import { useWorkers, type WorkerProcess } from '../helpers/fleet-workers.js';
import { useSimulators } from '../helpers/simulators.js';

// One request budget for the whole fleet, measured where it matters: at the simulator, over every
// one-second window, while far more polls are due than the budget allows.
const redis = useRedis();
const simulator = useSimulators();
const spawnWorker = useWorkers();

const BUDGET = 100;
/** Every job is due again 500 ms after each poll: 400 jobs ask for 800 polls per second. */
const EAGER: WatcherSettings = { learn: false, initialDelay: 500, factor: 1, jitter: 0, maxRequestsPerSecond: BUDGET, concurrency: 20 };

/** The most requests that arrived in any window of `width` ms starting at a request, among those in [from, to). */
function busiestWindow(times: readonly number[], from: number, to: number, width = 1_000): number {
  const inside = times.filter((time) => time >= from && time < to).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < inside.length; start++) {
    while (end < inside.length && inside[end]! < inside[start]! + width) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

/** A watcher of `count` jobs that run far longer than the test, registered in the fleet by a process that does not poll. */
async function register(sim: Simulator, name: string, count: number): Promise<JobWatcher> {
  const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
  const fleet = new RedisFleet({ redis: redis.client(), name, worker: false });
  const api = new JobWatcher({ client, fleet, ...EAGER });
  await fleet.ready();
  api.watchAll(Array.from({ length: count }, () => sim.addJob({ duration: 600_000 })), { settle: 'all' }).catch(() => undefined);
  return api;
}

/** Resolves once the simulator's stats show `count` requests (read every 10 ms). */
function requestsSeen(sim: Simulator, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (sim.stats().requests >= count) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
}

describe('the fleet request budget', () => {
  it.each([1, 2, 4])('holds within +5 percent in every second with %i worker(s), and uses it', async (workerCount) => {
    const sim = await simulator({ recordRequests: true });
    const name = redis.name();
    const api = await register(sim, name, 400);
    const config = { redisUrl: redis.server().url, name, sim, watcher: EAGER, fleet: { lease: 5_000, idleInterval: 100 } };
    const workers = await Promise.all(Array.from({ length: workerCount }, () => spawnWorker(config)));
    // Measured from half a second after the first poll, over the next two seconds.
    await requestsSeen(sim, 1);
    const first = sim.stats().log[0]!.time;
    await requestsSeen(sim, Math.round(BUDGET * 2.5));
    await Promise.all(workers.map((worker) => worker.stop()));
    await api.destroy();

    const times = sim.stats().log.map((request) => request.time);
    const from = first + 500;
    const to = Math.min(from + 2_000, Math.max(...times));
    const busiest = busiestWindow(times, from, to);
    const mean = (times.filter((time) => time >= from && time < to).length * 1_000) / (to - from);
    console.log(`${workerCount} worker(s): busiest second ${busiest} requests, mean ${mean.toFixed(1)}/s, budget ${BUDGET}/s`);
    expect(busiest).toBeLessThanOrEqual(BUDGET * 1.05);
    expect(mean).toBeGreaterThanOrEqual(BUDGET * 0.8);
  });

  it('pauses every worker for exactly Retry-After when one sees a 429, then resumes at half the rate', async () => {
    const sim = await simulator({ recordRequests: true });
    const name = redis.name();
    const api = await register(sim, name, 200);
    const config = { redisUrl: redis.server().url, name, sim, watcher: { ...EAGER, maxRequestsPerSecond: 50 }, fleet: { lease: 5_000, idleInterval: 100 } };
    const workers: WorkerProcess[] = await Promise.all([spawnWorker(config), spawnWorker(config)]);
    await requestsSeen(sim, 60);
    sim.setFaults({ script: ['throttle'], throttleRetryAfter: 1 });
    const throttled = await Promise.race(workers.map((worker) => worker.next((message) => message.event === 'throttled')));
    const budget = await redis.client().hgetall(fleetKeys(name).control);
    const pausedAt = Number(budget['ps']);
    const resumedAt = Number(budget['pu']);
    await requestsSeen(sim, sim.stats().requests + 40);
    await Promise.all(workers.map((worker) => worker.stop()));
    await api.destroy();

    expect(throttled).toMatchObject({ event: 'throttled', pause: 1_000 });
    expect(resumedAt - pausedAt).toBe(1_000);
    expect(workers.flatMap((worker) => worker.messages.filter((message) => message.event === 'throttled'))).toHaveLength(1);
    const times = sim.stats().log.map((request) => request.time);
    // Requests given a token before the pause may still arrive as it begins (a busy machine delays them); none later, from either worker.
    expect(times.filter((time) => time >= pausedAt + 200 && time < resumedAt)).toEqual([]);
    expect(busiestWindow(times, resumedAt, resumedAt + 1_000)).toBeLessThanOrEqual(50 * 0.6);
  });
});
