// A fleet worker (evs-job-watcher/redis, from the build). argv[2]: JSON { redisUrl, name, simUrl, projectId, rate, lease }.
// Sends 'ready' with its CPU time so far, then polls until told 'stop', then sends its polls and CPU time.
import { Redis } from 'ioredis';
import { EvsClient, JobWatcher } from '../../dist/index.js';
import { RedisFleet } from '../../dist/redis/index.js';

const config = JSON.parse(process.argv[2]);
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const client = new EvsClient({ endpoint: config.simUrl, projectId: config.projectId, credentials: 'none', allowInsecureHttp: true, connections: 50 });
const fleet = new RedisFleet({ redis, name: config.name, lease: config.lease, idleInterval: 100 });
const watcher = new JobWatcher({ client, fleet, concurrency: 50, maxRequestsPerSecond: config.rate, learn: false, initialDelay: 500, factor: 1, jitter: 0 });
await fleet.ready();
process.send({ event: 'ready', owner: fleet.stats().owner, cpu: process.cpuUsage() });
process.on('message', async () => {
  await watcher.close();
  process.send({ event: 'stopped', polls: watcher.stats().pollsSent, cpu: process.cpuUsage() });
  await client.close();
  redis.disconnect();
  process.disconnect();
});
