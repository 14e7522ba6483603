// Fleet mode in one script, runnable with plain Node after `npm run build`:
//   redis-server --appendonly yes &          # any Redis 7 (6.2+), with AOF
//   REDIS_URL=redis://127.0.0.1:6379 node examples/fleet.mjs
// It starts the simulator, two worker processes that share ONE request budget through Redis, and an
// "API server" (this process) that submits 20 volumes and awaits them without polling any itself.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { EvsClient, JobWatcher } from 'evs-job-watcher';
import { RedisFleet } from 'evs-job-watcher/redis';
import { startSimulator } from 'evs-job-watcher/simulator';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One member of the fleet `name`: its own Redis connection, client and watcher; `worker: false` polls nothing. */
function join({ endpoint, projectId, name, worker }) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const client = new EvsClient({ endpoint, projectId, credentials: 'none', allowInsecureHttp: true });
  const fleet = new RedisFleet({ redis, name, lease: 10_000, worker });
  // The budget is the fleet's: 20 requests per second for all workers together.
  const watcher = new JobWatcher({ client, fleet, maxRequestsPerSecond: 20, maxLag: 500, durations: { createVolume: { median: 2_000, spread: 0.3 } } });
  const leave = async () => {
    await watcher.close();
    await client.close();
    redis.disconnect();
  };
  return { fleet, watcher, leave };
}

if (process.argv[2] === 'worker') {
  const { fleet, watcher, leave } = join({ ...JSON.parse(process.argv[3]), worker: true });
  await fleet.ready();
  process.send('ready');
  await once(process, 'message');
  await leave();
  process.send(watcher.stats().pollsSent);
  process.disconnect();
} else {
  const sim = await startSimulator({ defaultDuration: 2_000 });
  const member = { endpoint: sim.url, projectId: sim.projectId, name: `demo-${process.pid}` };
  const workers = [1, 2].map(() => fork(process.argv[1], ['worker', JSON.stringify(member)]));
  await Promise.all(workers.map((worker) => once(worker, 'message')));

  const api = join({ ...member, worker: false });
  const jobIds = Array.from({ length: 20 }, () => sim.addJob());
  const jobs = await api.watcher.watchAll(jobIds, { jobType: 'createVolume' });
  const ownPolls = api.watcher.stats().pollsSent;
  await api.leave();
  const polls = await Promise.all(
    workers.map(async (worker) => {
      worker.send('stop');
      const [count] = await once(worker, 'message');
      return count;
    }),
  );
  const created = jobs.filter((job) => job.status === 'SUCCESS').length;
  console.log(`${created}/${jobIds.length} volumes created; polls by the workers ${polls.join(' + ')}, by this process ${ownPolls}, seen by the service ${sim.stats().requests}`);
  await sim.close();
}
