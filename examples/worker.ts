import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { JobWatcher, type JobSource, type WatcherSnapshot } from 'evs-job-watcher';

/**
 * A long-running worker: reports every job it is handed, and survives restarts
 * by saving a snapshot on shutdown and resuming from it on start.
 */
export function startWorker(client: JobSource, stateFile: string): { watcher: JobWatcher; stop: () => Promise<void> } {
  const restore = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as WatcherSnapshot) : undefined;
  const watcher = new JobWatcher({ client, concurrency: 16, ...(restore && { restore }) });

  watcher.on('statusChange', ({ jobId, status, previous }) => console.log(`${jobId}: ${previous ?? 'new'} → ${status}`));
  watcher.on('subJobDone', ({ parent, done, total }) => console.log(`${parent.jobId}: ${done}/${total} volumes`));
  watcher.on('failed', ({ job }) => console.error(`${job.jobId} failed: ${job.errorCode} ${job.failReason}`));
  watcher.on('throttled', ({ pause }) => console.warn(`throttled by the API, pausing ${pause} ms`));

  const stop = async (): Promise<void> => {
    await watcher.close(); // polls in flight finish first
    writeFileSync(stateFile, JSON.stringify(watcher.snapshot()));
  };
  return { watcher, stop };
}
