import { EvsClient, JobWatcher } from 'evs-job-watcher';
import { startSimulator } from 'evs-job-watcher/simulator';

/** A test of your own code against a local EVS that throttles now and then. */
export async function watchOnTheSimulator(): Promise<{ status: string; requests: number }> {
  await using sim = await startSimulator({ faults: { throttle: 0.05, throttleRetryAfter: 1 } });
  const jobId = sim.addJob({ duration: 2_000, subJobs: [{ duration: 1_000 }, { duration: 1_500 }] });
  await using client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none' });
  await using watcher = new JobWatcher({ client, maxLag: 500 });
  const job = await watcher.watch(jobId);
  return { status: job.status, requests: sim.stats().requests };
}
