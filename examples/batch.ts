import { JobWatcher, type Job, type JobSource } from 'evs-job-watcher';

/**
 * Batch tooling: wait for many jobs at once, printing progress, and split the
 * results; one stale id in the list costs its own result, not the others'.
 */
export async function waitForAll(client: JobSource, jobIds: string[]): Promise<{ succeeded: Job[]; failed: Job[]; unknown: string[] }> {
  await using watcher = new JobWatcher({ client, concurrency: 32, maxRequestsPerSecond: 20 });
  let finished = 0;
  watcher.on('done', () => console.log(`${++finished}/${jobIds.length} finished`));
  const results = await watcher.watchAll(jobIds, { timeout: 3_600_000, settle: 'all' });
  const jobs = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  return {
    succeeded: jobs.filter((job) => job.status === 'SUCCESS'),
    failed: jobs.filter((job) => job.status === 'FAIL'),
    unknown: jobIds.filter((_, index) => results[index]!.status === 'rejected'),
  };
}
