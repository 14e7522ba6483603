import { JobFailedError, JobWatcher, WatchTimeoutError, type EvsClient } from 'evs-job-watcher';

/** Provisioning code: wait for the volume a create call started, then use its id. */
export async function waitForVolume(client: EvsClient, jobId: string): Promise<string> {
  await using watcher = new JobWatcher({ client });
  try {
    const job = await watcher.watch(jobId, { timeout: 600_000, throwOnFail: true, jobType: 'createVolume' });
    return job.entities.volumeId!;
  } catch (error) {
    if (error instanceof JobFailedError) throw new Error(`volume not created: ${error.errorCode} ${error.failReason}`, { cause: error });
    if (error instanceof WatchTimeoutError) throw new Error(`still ${error.lastStatus ?? 'unknown'} after 10 minutes`, { cause: error });
    throw error;
  }
}
