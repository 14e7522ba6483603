import { createWaiter, waiterServiceDefaults, WaiterState, type WaiterResult } from '@smithy/util-waiter';
import { isFinalStatus, type Job } from '../../lib/library.js';
import type { Strategy } from './strategy.js';

/**
 * The real AWS SDK waiter, `createWaiter` from @smithy/util-waiter, with its
 * service defaults (minDelay 2 s, maxDelay 120 s) and a 2 h maxWaitTime like
 * ours. It sleeps with the GLOBAL setTimeout and reads Date.now() and
 * Math.random(): VirtualTime installs fake-timers on those globals (and a
 * seeded Math.random), so it runs in the same virtual time as everyone else.
 */
export const awsWaiter: Strategy = {
  name: 'aws waiter (smithy createWaiter, 2–120 s)',
  note: '@smithy/util-waiter createWaiter, waiterServiceDefaults',
  create({ fetchJob }) {
    const signal = new AbortController().signal;
    const check = async (_client: unknown, jobId: string): Promise<WaiterResult<Job>> => {
      const job = await fetchJob(jobId, { signal });
      if (!isFinalStatus(job.status)) return { state: WaiterState.RETRY };
      return { state: job.status === 'SUCCESS' ? WaiterState.SUCCESS : WaiterState.FAILURE, reason: job };
    };
    return {
      async watch(job) {
        const result = await createWaiter({ ...waiterServiceDefaults, client: {}, maxWaitTime: 7_200 }, job.id, check);
        if (result.state !== WaiterState.SUCCESS && result.state !== WaiterState.FAILURE) throw new Error(`waiter ended ${result.state}`);
        return result.reason as Job;
      },
    };
  },
};
