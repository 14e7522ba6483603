import { isFinalStatus, type Clock, type FetchJob, type Job } from '../../lib/library.js';
import type { FleetJob } from '../fleet.js';
import type { Runner, Strategy } from './strategy.js';

/** Delay (ms) before poll number `poll` (0-based) of `job`. */
export type Schedule = (poll: number, job: FleetJob) => number;

/** A plain per-job loop: sleep, poll, until the job is final. How every peer schedule below runs. */
export function scheduleStrategy(name: string, note: string, schedule: Schedule): Strategy {
  return { name, note, create: ({ fetchJob, clock }) => loopRunner(fetchJob, clock, schedule) };
}

function loopRunner(fetchJob: FetchJob, clock: Clock, schedule: Schedule): Runner {
  const signal = new AbortController().signal;
  return {
    async watch(job) {
      for (let poll = 0; ; poll++) {
        await sleep(clock, schedule(poll, job));
        const state: Job = await fetchJob(job.id, { signal });
        if (isFinalStatus(state.status)) return state;
      }
    },
  };
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** First poll after `first` ms, then every `gap` ms. */
export function fixedGap(first: number, gap: number): Schedule {
  return (poll) => (poll === 0 ? first : gap);
}

/** terraform-provider-huaweicloud: `StateChangeConf` with Delay 5 s, PollInterval 10 s. */
export const terraform = scheduleStrategy('terraform (5 s, then every 10 s)', 'terraform-provider-huaweicloud StateChangeConf', fixedGap(5_000, 10_000));

/** The Ansible Huawei modules: first poll after 3 s, then 1 s doubling up to 10 s. */
export const ansible = scheduleStrategy('ansible (3 s, then 1 s doubling to 10 s)', 'huaweicloud ansible modules wait loop', (poll) =>
  poll === 0 ? 3_000 : Math.min(10_000, 1_000 * 2 ** (poll - 1)),
);

export const fixedOneSecond = scheduleStrategy('fixed 1 s', 'a tight loop', fixedGap(1_000, 1_000));

/** One poll exactly at `end_time`: knows every job's future. The floor. */
export const oracle = scheduleStrategy('oracle (one poll at end)', 'knows each job\'s end time', (poll, job) => (poll === 0 ? Math.max(0, job.endAt - job.watchAt) : 1));
