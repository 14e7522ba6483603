// The in-memory watcher on the same workload, for CPU per poll. argv[2]: JSON { simUrl, projectId, rate, jobIds }.
import { EvsClient, JobWatcher } from '../../dist/index.js';

const config = JSON.parse(process.argv[2]);
const client = new EvsClient({ endpoint: config.simUrl, projectId: config.projectId, credentials: 'none', allowInsecureHttp: true, connections: 50 });
const watcher = new JobWatcher({ client, concurrency: 50, maxRequestsPerSecond: config.rate, learn: false, initialDelay: 500, factor: 1, jitter: 0 });
process.send({ event: 'ready', cpu: process.cpuUsage() });
watcher.watchAll(config.jobIds, { settle: 'all' }).catch(() => undefined);
process.on('message', async () => {
  await watcher.destroy();
  process.send({ event: 'stopped', polls: watcher.stats().pollsSent, cpu: process.cpuUsage() });
  await client.close();
  process.disconnect();
});
