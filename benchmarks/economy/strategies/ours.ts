import { JobWatcher, type JobWatcherOptions } from '../../lib/library.js';
import type { Strategy } from './strategy.js';

type Extra = Omit<JobWatcherOptions, 'fetchJob' | 'clock' | 'client'>;

/** evs-job-watcher: ONE watcher for the whole fleet, so it learns from every job that finishes. */
export function ours(name: string, note: string, extra: Extra = {}, typeHint = false): Strategy {
  return {
    name,
    note,
    create({ fetchJob, clock }) {
      const watcher = new JobWatcher({ fetchJob, clock, ...extra });
      return {
        watch: (job) => watcher.watch(job.id, typeHint ? { jobType: job.type } : {}),
        close: () => watcher.close(),
      };
    },
  };
}
