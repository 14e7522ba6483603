import { JobWatcher, type Job, type JobSource } from 'evs-job-watcher';

/** Batch tooling: wait for many jobs at once, printing progress, and split the results. */
export async function waitForAll(client: JobSource, jobIds: string[]): Promise<{ succeeded: Job[]; failed: Job[] }> {
  await using watcher = new JobWatcher({ client, concurrency: 32, maxRequestsPerSecond: 20 });
  let finished = 0;
  watcher.on('done', () => console.log(`${++finished}/${jobIds.length} finished`));
  const jobs = await watcher.watchAll(jobIds, { timeout: 3_600_000 });
  return {
    succeeded: jobs.filter((job) => job.status === 'SUCCESS'),
    failed: jobs.filter((job) => job.status === 'FAIL'),
  };
}
