import { ratio, round } from '../lib/stats.js';
import { atMost, type Target } from '../lib/targets.js';
import { evsFleet, type Fleet } from './fleet.js';
import { informedStrategy, type FixedGap } from './informed.js';
import { summarize, type Summary } from './metrics.js';
import { isLong, simulate } from './simulate.js';
import { awsWaiter } from './strategies/aws-waiter.js';
import { ours } from './strategies/ours.js';
import { ansible, fixedOneSecond, oracle, terraform } from './strategies/schedule-loop.js';
import type { Strategy } from './strategies/strategy.js';

export const OURS = 'evs-job-watcher (defaults)';

export interface FleetResult {
  readonly fleet: string;
  readonly jobs: number;
  readonly shortJobs: number;
  readonly longJobs: number;
  readonly summaries: readonly Summary[];
  readonly informedSchedules: Readonly<Record<string, FixedGap>>;
  readonly targets: readonly Target[];
  readonly ratios: Readonly<Record<string, number>>;
}

/** Every strategy on the same fleet, in virtual time; Terraform first, since the informed bound is held to its p95 lag. */
export async function runFleet(fleet: Fleet, seed: number, quick: boolean): Promise<FleetResult> {
  const summaries: Summary[] = [];
  const run = async (strategy: Strategy): Promise<Summary> => {
    const summary = summarize(fleet, await simulate(fleet, strategy, seed));
    summaries.push(summary);
    return summary;
  };
  const tf = await run(terraform);
  const aws = await run(awsWaiter);
  const me = await run(ours(OURS, 'new JobWatcher({ fetchJob, clock }), watch(jobId)'));
  if (!quick) {
    await run(ours('evs-job-watcher (learn: false)', 'plain backoff 2 s ×1.5, capped by maxLag', { learn: false }));
    await run(ours('evs-job-watcher (+ jobType hint)', 'watch(jobId, { jobType }): the caller knows what it created', {}, true));
    await run(ansible);
    await run(fixedOneSecond);
    await run(oracle);
  }
  const bound = tf.short.lagP95 * 1000;
  const informed = informedStrategy(fleet.jobs.filter((job) => !isLong(job)).concat(fleet.jobs.filter(isLong)), () => bound);
  const best = await run(informed.strategy);
  return {
    fleet: fleet.name,
    jobs: fleet.jobs.length,
    shortJobs: me.short.jobs,
    longJobs: me.long.jobs,
    summaries,
    informedSchedules: informed.schedules,
    ...judge(tf, aws, me, best),
  };
}

function judge(tf: Summary, aws: Summary, me: Summary, best: Summary): { targets: Target[]; ratios: Record<string, number> } {
  const ratios = {
    pollsVsTerraform: ratio(me.all.polls, tf.all.polls),
    pollsVsAwsWaiter: ratio(me.all.polls, aws.all.polls),
    p95LagVsTerraform: ratio(me.all.lagP95, tf.all.lagP95),
    p95LagVsAwsWaiter: ratio(me.all.lagP95, aws.all.lagP95),
    shortPollsVsTerraform: ratio(me.short.polls, tf.short.polls),
    shortP95LagVsTerraform: ratio(me.short.lagP95, tf.short.lagP95),
    shortPollsVsAwsWaiter: ratio(me.short.polls, aws.short.polls),
    shortP95LagVsAwsWaiter: ratio(me.short.lagP95, aws.short.lagP95),
    shortPollsVsInformedBound: ratio(me.short.polls, best.short.polls),
    longPollsVsTerraform: ratio(me.long.polls, tf.long.polls),
    longP95LagFraction: me.long.lagFractionP95,
    longMaxLagFraction: me.long.lagFractionMax,
  };
  const polls = (s: Summary, key: 'all' | 'short' | 'long'): string => `${s[key].polls} polls, p95 lag ${s[key].lagP95} s`;
  const targets = [
    atMost('all: polls vs terraform', ratios.pollsVsTerraform, 0.5, `ours ${polls(me, 'all')}; terraform ${polls(tf, 'all')}`),
    atMost('all: polls vs aws waiter', ratios.pollsVsAwsWaiter, 0.5, `aws waiter ${polls(aws, 'all')}`),
    atMost('all: p95 lag vs terraform', ratios.p95LagVsTerraform, 1, `${me.all.lagP95} s vs ${tf.all.lagP95} s`),
    atMost('all: p95 lag vs aws waiter', ratios.p95LagVsAwsWaiter, 1, `${me.all.lagP95} s vs ${aws.all.lagP95} s`),
    atMost('short: polls vs terraform', ratios.shortPollsVsTerraform, 0.65, `ours ${polls(me, 'short')}; terraform ${polls(tf, 'short')}`),
    atMost('short: p95 lag vs terraform', ratios.shortP95LagVsTerraform, 1, `${me.short.lagP95} s vs ${tf.short.lagP95} s`),
    atMost('short: polls vs aws waiter', ratios.shortPollsVsAwsWaiter, 0.45, `aws waiter ${polls(aws, 'short')}`),
    atMost('short: p95 lag vs aws waiter', ratios.shortP95LagVsAwsWaiter, 0.25, `${me.short.lagP95} s vs ${aws.short.lagP95} s`),
    atMost('long: polls vs terraform', ratios.longPollsVsTerraform, 0.2, `ours ${me.long.polls}; terraform ${tf.long.polls} (${me.long.jobs} jobs)`),
    atMost('long: max lag / duration', ratios.longMaxLagFraction, 0.1, `p95 ${round(me.long.lagFractionP95 * 100)} %, max ${round(me.long.lagFractionMax * 100)} %`),
    { ...atMost('ambition: short polls vs informed bound', ratios.shortPollsVsInformedBound, 1, `ours ${me.short.polls}; informed ${polls(best, 'short')}`), pass: ratios.shortPollsVsInformedBound < 1 },
  ];
  return { targets, ratios };
}

/** Both fleets: durations independent, then correlated within bursts (quick: the first only). */
export async function economy(options: { quick: boolean; seed: number; jobs: number }): Promise<FleetResult[]> {
  const results: FleetResult[] = [];
  for (const correlated of options.quick ? [false] : [false, true]) {
    const name = correlated ? 'EVS mix, durations correlated within bursts' : 'EVS mix, independent durations';
    results.push(await runFleet(evsFleet({ name, jobs: options.jobs, seed: options.seed, correlated }), options.seed, options.quick));
  }
  return results;
}
