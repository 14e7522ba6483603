// What a user would build with BullMQ 5: one delayed job per watch; the worker polls it, and while it runs
// moves it back to delayed for 500 ms; the queue's limiter is the budget. argv[2]: JSON { redisUrl, name, simUrl, projectId, rate }.
import { DelayedError, Worker } from 'bullmq';
import { EvsClient, isFinalStatus } from '../../dist/index.js';

const config = JSON.parse(process.argv[2]);
const client = new EvsClient({ endpoint: config.simUrl, projectId: config.projectId, credentials: 'none', allowInsecureHttp: true, connections: 50 });
const url = new URL(config.redisUrl);
let polls = 0;
const worker = new Worker(
  config.name,
  async (job, token) => {
    polls += 1;
    const answer = await client.getJob(job.data.jobId);
    if (isFinalStatus(answer.status)) return answer.status;
    await job.moveToDelayed(Date.now() + 500, token);
    throw new DelayedError();
  },
  { connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null }, concurrency: 50, limiter: { max: config.rate, duration: 1_000 }, autorun: false },
);
worker.on('error', () => undefined);
void worker.run();
await worker.waitUntilReady();
process.send({ event: 'ready', cpu: process.cpuUsage() });
process.on('message', async () => {
  await worker.close();
  process.send({ event: 'stopped', polls, cpu: process.cpuUsage() });
  await client.close();
  process.disconnect();
});
