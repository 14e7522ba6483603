import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import type { Job } from '../../src/model/job.js';
import { stateKey, fleetKeys } from '../../src/redis/keys.js';
import { RedisFleet } from '../../src/redis/index.js';
import type { Simulator } from '../../src/simulator/index.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatcherSettings } from '../../src/watcher/options.js';
import { useRedis } from '../helpers/fleet.js';
import { useWorkers } from '../helpers/fleet-workers.js';
import { useSimulators } from '../helpers/simulators.js';

// Real worker processes (the built package) against one redis-server and the simulator, on real time:
// jobs of about half a second, a lease of one second, so a run of thousands of jobs takes seconds.
const redis = useRedis();
const simulator = useSimulators();
const spawnWorker = useWorkers();

/** Planning for jobs of about 500 ms; a finished job noticed within 100 ms. */
const FAST: WatcherSettings = { maxLag: 100, maxLagRatio: 0.1, durations: { '*': { median: 500, spread: 0.3 }, createVolume: { median: 500, spread: 0.3 }, batchCreateVolume: { median: 700, spread: 0.3 } } };
const LEASE = 1_000;

/** The fleet's view of a job: who holds its lease (`owner`, '' when nobody does) and its fencing token. */
async function jobStates(client: Redis, name: string, jobIds: readonly string[]): Promise<Map<string, { owner: string; fence: number }>> {
  const { prefix } = fleetKeys(name);
  const values = await Promise.all(jobIds.map((jobId) => client.hget(stateKey(prefix, jobId), jobId)));
  const states = new Map<string, { owner: string; fence: number }>();
  values.forEach((value, index) => {
    if (value === null) return;
    const [fence = '0', , , owner = ''] = value.split('|')[0]!.split(',');
    states.set(jobIds[index]!, { owner, fence: Number(fence) });
  });
  return states;
}

/** Every outcome the fleet publishes, counted per job, from a subscriber of the test's own. */
async function countOutcomes(url: string, name: string): Promise<{ counts: Map<string, number>; close(): void }> {
  const subscriber = new Redis(url);
  const counts = new Map<string, number>();
  subscriber.on('message', (_channel: string, text: string) => {
    if (!text.startsWith('o')) return;
    const jobId = text.slice(1, text.indexOf('\n'));
    counts.set(jobId, (counts.get(jobId) ?? 0) + 1);
  });
  await subscriber.subscribe(fleetKeys(name).channel);
  return { counts, close: () => subscriber.disconnect() };
}

/** Jobs of the simulator: singles, and a fifth of batches of three; 750 of them fail (250 batches by a sub-job). */
function addJobs(sim: Simulator, count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const duration = 300 + (index % 7) * 60;
    if (index % 5 === 0) return sim.addJob({ subJobs: [{ duration }, { duration: duration + 50, outcome: index % 20 === 5 ? 'FAIL' : 'SUCCESS' }, { duration: duration - 50 }] });
    return sim.addJob({ duration, outcome: index % 10 === 3 ? 'FAIL' : 'SUCCESS' });
  });
}

describe('a fleet of worker processes', () => {
  it('settles 5 000 watches exactly once with their true status, through a kill -9 and a SIGSTOP past the lease, never two polls of a job at once', async () => {
    const sim = await simulator({ recordRequests: true, faults: { latency: { min: 5, max: 30 } } });
    const name = redis.name();
    const outcomes = await countOutcomes(redis.server().url, name);
    const config = { redisUrl: redis.server().url, name, sim, watcher: { ...FAST, concurrency: 40, maxRequestsPerSecond: 4_000 }, fleet: { lease: LEASE, idleInterval: 200 } };
    const workers = await Promise.all([spawnWorker(config), spawnWorker(config), spawnWorker(config)]);
    const [killed, stopped, survivor] = workers;
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
    const fleet = new RedisFleet({ redis: redis.client(), name, worker: false });
    const api = new JobWatcher({ client, fleet, ...FAST });
    await fleet.ready();

    const jobIds = addJobs(sim, 5_000);
    const settled = new Map<string, Job | Error>();
    const waiting = new Set<{ done: () => boolean; resolve: () => void }>();
    const until = (done: () => boolean): Promise<void> => new Promise((resolve) => (done() ? resolve() : waiting.add({ done, resolve })));
    const record = (jobId: string, result: Job | Error): void => {
      expect(settled.has(jobId)).toBe(false);
      settled.set(jobId, result);
      for (const entry of [...waiting]) {
        if (!entry.done()) continue;
        waiting.delete(entry);
        entry.resolve();
      }
    };
    // Singles one promise each, the rest in watchAll batches of 100.
    const singles = jobIds.slice(0, 2_500);
    const watches = singles.map((jobId) => api.watch(jobId).then((job) => record(jobId, job), (error: Error) => record(jobId, error)));
    for (let index = 2_500; index < jobIds.length; index += 100) {
      const batch = jobIds.slice(index, index + 100);
      watches.push(api.watchAll(batch, { settle: 'all' }).then((results) => results.forEach((result, at) => record(batch[at]!, result.status === 'fulfilled' ? result.value : (result.reason as Error)))));
    }
    const inspector = redis.client();

    // kill -9 mid-run: its leased jobs go back to the fleet when their leases end, and are polled by the others.
    await until(() => settled.size >= 1_000);
    const exited = new Promise((resolve) => killed.child.once('exit', resolve));
    killed.child.kill('SIGKILL');
    const killedAt = Date.now();
    await exited;
    // Whatever it wrote before dying has reached Redis by now: the jobs it still holds are its orphans.
    const orphans = [...(await jobStates(inspector, name, jobIds))].filter(([, state]) => state.owner === killed.owner).map(([jobId]) => jobId);
    expect(orphans.length).toBeGreaterThan(0);

    // SIGSTOP past the lease: the others poll its jobs; once all of them settled, it continues, and its stale answers are fenced off.
    await until(() => settled.size >= 2_500);
    stopped.child.kill('SIGSTOP');
    const held = [...(await jobStates(inspector, name, jobIds))].filter(([jobId, state]) => state.owner === stopped.owner && !settled.has(jobId)).map(([jobId]) => jobId);
    expect(held.length).toBeGreaterThan(0);
    await until(() => held.every((jobId) => settled.has(jobId)));
    stopped.child.kill('SIGCONT');

    await Promise.all(watches);
    const [stoppedReport, survivorReport] = await Promise.all([stopped.stop(), survivor.stop()]);
    await api.close();
    await client.close();
    outcomes.close();

    // Every watch settled once, with the status the service ends with.
    expect(settled.size).toBe(5_000);
    const wrong = jobIds.filter((jobId) => {
      const result = settled.get(jobId);
      return !(result !== undefined && !(result instanceof Error) && result.status === sim.jobState(jobId)?.['status']);
    });
    expect(wrong).toEqual([]);
    expect([...settled.values()].filter((job) => !(job instanceof Error) && job.status === 'FAIL').length).toBe(750);
    // One outcome per job for the whole fleet: nothing double-settled.
    expect(jobIds.filter((jobId) => outcomes.counts.get(jobId) !== 1)).toEqual([]);
    // The stopped worker's late answers were written under fences that had moved on.
    expect(stoppedReport.fleet.fenced).toBeGreaterThan(0);
    expect(survivorReport.fleet.claimed).toBeGreaterThan(0);
    // Checked at the simulator: no job had two polls in flight at once, and the orphans were polled again only after their lease.
    const stats = sim.stats();
    expect(stats.overlappingPolls).toBe(0);
    const repolled = orphans.map((jobId) => stats.log.find((request) => request.jobId === jobId && request.time > killedAt)?.time ?? Number.NaN);
    expect(repolled.filter((time) => Number.isNaN(time))).toEqual([]);
    console.log(`kill -9: ${orphans.length} orphans re-polled ${Math.min(...repolled) - killedAt}–${Math.max(...repolled) - killedAt} ms after the kill (lease ${LEASE} ms); SIGSTOP: ${held.length} held, ${stoppedReport.fleet.fenced} writes fenced; ${stats.requests} polls`);
  }, 120_000);

  it('reports each sub-job of a batch done exactly once across workers, a SIGSTOP past the lease included', async () => {
    const sim = await simulator({ faults: { latency: { min: 5, max: 30 } } });
    const name = redis.name();
    const config = { redisUrl: redis.server().url, name, sim, watcher: { ...FAST, concurrency: 20 }, fleet: { lease: LEASE, idleInterval: 200 } };
    const [first, second] = await Promise.all([spawnWorker(config), spawnWorker(config)]);
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
    const fleet = new RedisFleet({ redis: redis.client(), name, worker: false });
    const api = new JobWatcher({ client, fleet, ...FAST });
    await fleet.ready();
    // Sub-jobs end 200, 600 and 1 000 ms in: each batch is polled several times, by whichever worker claims it.
    const parents = Array.from({ length: 200 }, () => sim.addJob({ subJobs: [{ duration: 200 }, { duration: 600, outcome: 'FAIL' }, { duration: 1_000 }] }));
    let settled = 0;
    let quarter: () => void = () => undefined;
    const quarterSettled = new Promise<void>((resolve) => (quarter = resolve));
    const watches = parents.map((jobId) => api.watch(jobId).finally(() => (++settled === 50 ? quarter() : undefined)));
    await quarterSettled;
    second.child.kill('SIGSTOP');
    const held = [...(await jobStates(redis.client(), name, parents))].filter(([, state]) => state.owner === second.owner).map(([jobId]) => jobId);
    await Promise.all(watches.filter((_, index) => held.includes(parents[index]!)));
    second.child.kill('SIGCONT');

    const jobs = await Promise.all(watches);
    const [, stoppedReport] = await Promise.all([first.stop(), second.stop()]);
    await api.close();
    await client.close();

    expect(jobs.every((job) => job.status === 'FAIL')).toBe(true);
    const reported = [first, second].flatMap((worker) => worker.messages.flatMap((message) => (message.event === 'subJobDone' ? [`${message.parent}/${message.subJob}`] : [])));
    const expected = jobs.flatMap((job) => job.entities.subJobs.map((subJob) => `${job.jobId}/${subJob.jobId}`));
    expect(reported.length).toBe(expected.length);
    expect(new Set(reported)).toEqual(new Set(expected));
    expect(held.length === 0 || stoppedReport.fleet.fenced > 0).toBe(true);
  });
});
