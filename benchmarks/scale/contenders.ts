import { createWaiter, waiterServiceDefaults, WaiterState } from '@smithy/util-waiter';
import { isFinalStatus, JobWatcher, type FetchJob, type Job } from '../lib/library.js';
import type { HeapClock } from './heap-clock.js';

export type ContenderName = 'ours' | 'ours-batch' | 'naive' | 'waiter';

/** Starts watching every job at once; resolves with their final states, in order. */
export type WatchAll = (jobIds: readonly string[]) => Promise<Job[]>;

/** `watchAll` of one watcher: the batch API, one promise for every job. */
export function batchContender(fetchJob: FetchJob, clock: HeapClock): WatchAll {
  const watcher = new JobWatcher({ fetchJob, clock });
  return (jobIds) => watcher.watchAll(jobIds);
}

/** Starts watching one job; resolves with its final state. */
export type WatchOne = (jobId: string) => Promise<Job>;

const NAIVE_INTERVAL = 10_000;

export function contender(name: Exclude<ContenderName, 'ours-batch'>, fetchJob: FetchJob, clock: HeapClock): WatchOne {
  const signal = new AbortController().signal;
  switch (name) {
    case 'ours': {
      const watcher = new JobWatcher({ fetchJob, clock });
      return (jobId) => watcher.watch(jobId);
    }
    case 'naive':
      // The leanest loop one would write: a timer, a fetch, repeat. Written as a promise chain, so
      // nothing but the timer and one closure lives between polls (an async loop's suspended frame
      // may keep the last job alive, depending on how V8 compiled it; this one never does).
      return (jobId) =>
        new Promise<Job>((resolve, reject) => {
          const tick = (): void => {
            Promise.resolve(fetchJob(jobId, { signal })).then((job) => (isFinalStatus(job.status) ? resolve(job) : clock.setTimeout(tick, NAIVE_INTERVAL)), reject);
          };
          clock.setTimeout(tick, NAIVE_INTERVAL);
        });
    case 'waiter': {
      // createWaiter sleeps on the global setTimeout and reads Date.now / Math.random: point them at the virtual clock.
      Object.assign(globalThis, { setTimeout: (callback: () => void, delay: number) => clock.setTimeout(callback, delay) });
      Date.now = () => clock.now();
      Math.random = clock.random;
      const check = async (_client: unknown, jobId: string) => {
        const job = await fetchJob(jobId, { signal });
        if (!isFinalStatus(job.status)) return { state: WaiterState.RETRY };
        return { state: job.status === 'SUCCESS' ? WaiterState.SUCCESS : WaiterState.FAILURE, reason: job };
      };
      return async (jobId) => {
        const result = await createWaiter({ ...waiterServiceDefaults, client: {}, maxWaitTime: 7_200 }, jobId, check);
        return result.reason as Job;
      };
    }
  }
}
