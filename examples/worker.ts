import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { JobWatcher, type JobSource, type WatcherSnapshot } from 'evs-job-watcher';

/**
 * A long-running worker: `handle(jobId)` is what its queue consumer calls for
 * each message (an API server's "volume requested" event, say). Jobs are
 * watched with `add()`, so there is no promise to await or to leave rejected:
 * every outcome arrives as an event. It survives restarts by saving a
 * snapshot on shutdown and resuming from it on start.
 */
export function startWorker(client: JobSource, stateFile: string): { watcher: JobWatcher; handle: (jobId: string) => void; stop: () => Promise<void> } {
  const restore = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as WatcherSnapshot) : undefined;
  const watcher = new JobWatcher({ client, concurrency: 16, restore });

  watcher.on('statusChange', ({ jobId, status, previous }) => console.log(`${jobId}: ${previous ?? 'new'} → ${status}`));
  watcher.on('subJobDone', ({ parent, done, total }) => console.log(`${parent.jobId}: ${done}/${total} volumes`));
  watcher.on('failed', ({ job }) => console.error(`${job.jobId} failed: ${job.errorCode} ${job.failReason}`));
  watcher.on('timeout', ({ jobId, job }) => console.error(`${jobId} still ${job?.status ?? 'unseen'} after 6 h: left to an operator`));
  watcher.on('watchError', ({ jobId, error }) => console.error(`${jobId} cannot be watched: ${String(error)}`));
  watcher.on('throttled', ({ pause }) => console.warn(`throttled by the API, pausing ${pause} ms`));

  const handle = (jobId: string): void => {
    watcher.add(jobId, { timeout: 6 * 3_600_000 });
  };
  const stop = async (): Promise<void> => {
    await watcher.close(); // polls in flight finish first
    writeFileSync(stateFile, JSON.stringify(watcher.snapshot()));
  };
  return { watcher, handle, stop };
}
