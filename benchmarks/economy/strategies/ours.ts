import { JobWatcher, type JobWatcherOptions } from '../../lib/library.js';
import type { Strategy } from './strategy.js';

type Extra = Omit<JobWatcherOptions, 'fetchJob' | 'clock' | 'client'>;

/** How our strategy is used. */
export interface Use {
  /** `watch(id, { jobType })`: the caller knows what it created. */
  readonly typeHint?: boolean;
  /** A new watcher for every job (one process per `evs-jobs wait`): nothing learned carries over. */
  readonly perJob?: boolean;
}

/** evs-job-watcher: by default ONE watcher for the whole fleet, so it learns from every job that finishes. */
export function ours(name: string, note: string, extra: Extra = {}, use: Use = {}): Strategy {
  return {
    name,
    note,
    create({ fetchJob, clock }) {
      const options = (job: { type: string }) => (use.typeHint === true ? { jobType: job.type } : {});
      if (use.perJob === true) {
        return {
          async watch(job) {
            const watcher = new JobWatcher({ fetchJob, clock, ...extra });
            try {
              return await watcher.watch(job.id, options(job));
            } finally {
              await watcher.close();
            }
          },
        };
      }
      const watcher = new JobWatcher({ fetchJob, clock, ...extra });
      return {
        watch: (job) => watcher.watch(job.id, options(job)),
        close: () => watcher.close(),
      };
    },
  };
}
