import { JobWatcher } from 'evs-job-watcher';

/** The first recipe in plain JavaScript on Node 20, which cannot parse `await using`: close the watcher in `finally`. */
export async function waitForVolume(client, jobId) {
  const watcher = new JobWatcher({ client });
  try {
    const job = await watcher.watch(jobId, { timeout: 600_000, throwOnFail: true, jobType: 'createVolume' });
    return job.entities.volumeId;
  } finally {
    await watcher.close(); // what `await using` does when the block ends
  }
}
