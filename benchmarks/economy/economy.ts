import { ratio, round } from '../lib/stats.js';
import { atMost, type Target } from '../lib/targets.js';
import { burstFleet, evsFleet, oldIdsFleet, scaledFleet, type Fleet } from './fleet.js';
import { informedStrategy, type FixedGap } from './informed.js';
import { summarize, type ClassSummary, type Summary } from './metrics.js';
import { isLong, simulate, type Run } from './simulate.js';
import { awsWaiter } from './strategies/aws-waiter.js';
import { ours } from './strategies/ours.js';
import { ansible, fixedOneSecond, oracle, terraform } from './strategies/schedule-loop.js';
import type { Strategy } from './strategies/strategy.js';

export const OURS = 'evs-job-watcher (defaults)';
/** The lag every target is judged at: the watcher's default `maxLag`, in s. */
const MAX_LAG = 10;

/** Which targets a fleet is judged by (see benchmarks/README.md). */
type Judged = 'evs' | 'bursts' | 'shorter' | 'longer' | 'old-ids' | 'cold';

export interface FleetResult {
  /** Short name, the key of its ratios in the headline. */
  readonly key: string;
  readonly fleet: string;
  readonly jobs: number;
  readonly shortJobs: number;
  readonly longJobs: number;
  readonly summaries: readonly Summary[];
  readonly informedSchedules: Readonly<Record<string, FixedGap>>;
  readonly targets: readonly Target[];
  readonly ratios: Readonly<Record<string, number>>;
}

interface FleetSpec {
  readonly key: string;
  readonly judged: Judged;
  readonly fleet: Fleet;
  /** Our strategy, when not one watcher with the defaults. */
  readonly ours?: Strategy;
}

/** Every strategy on the same fleet, in virtual time; Terraform first, since the informed bound is held to its p95 lag. */
async function runFleet(spec: FleetSpec, seed: number, quick: boolean): Promise<FleetResult> {
  const { fleet } = spec;
  const summaries: Summary[] = [];
  const runs: Run[] = [];
  const run = async (strategy: Strategy): Promise<Summary> => {
    const result = await simulate(fleet, strategy, seed);
    runs.push(result);
    const summary = summarize(fleet, result);
    summaries.push(summary);
    return summary;
  };
  const tf = await run(terraform);
  const aws = await run(awsWaiter);
  const me = await run(spec.ours ?? ours(OURS, 'new JobWatcher({ fetchJob, clock }), watch(jobId)'));
  if (!quick && spec.ours === undefined) {
    await run(ours('evs-job-watcher (learn: false)', 'plain backoff 2 s ×1.5, capped by maxLag', { learn: false }));
    await run(ours('evs-job-watcher (+ jobType hint)', 'watch(jobId, { jobType }): the caller knows what it created', {}, { typeHint: true }));
    await run(ansible);
    await run(fixedOneSecond);
    await run(oracle);
  }
  // Held to Terraform's p95 lag on short jobs (on all jobs when none is short).
  const bound = (tf.short.jobs > 0 ? tf.short.lagP95 : tf.all.lagP95) * 1000;
  const informed = informedStrategy(fleet.jobs.filter((job) => !isLong(job)).concat(fleet.jobs.filter(isLong)), () => bound);
  const best = await run(informed.strategy);
  // Fleets that open with a cohort: how it and the jobs after it fare apart (ours, then Terraform).
  const cohort = spec.judged === 'shorter' || spec.judged === 'longer' ? split(fleet, runs[2]!, runs[0]!) : undefined;
  return {
    key: spec.key,
    fleet: fleet.name,
    jobs: fleet.jobs.length,
    shortJobs: me.short.jobs,
    longJobs: me.long.jobs,
    summaries,
    informedSchedules: informed.schedules,
    ...judge(spec.judged, tf, aws, me, best, cohort),
  };
}

/** Polls and lags of the opening cohort (burst 0) and of the jobs after it, ours against Terraform. */
interface CohortSplit {
  readonly first: { readonly ours: ClassSummary; readonly terraform: ClassSummary };
  readonly after: { readonly ours: ClassSummary; readonly terraform: ClassSummary };
}

function split(fleet: Fleet, ours: Run, terraform: Run): CohortSplit {
  const part = (first: boolean) => {
    const jobs = { ...fleet, jobs: fleet.jobs.filter((job) => (job.burst === 0) === first) };
    return { ours: summarize(jobs, ours).all, terraform: summarize(jobs, terraform).all };
  };
  return { first: part(true), after: part(false) };
}

function judge(judged: Judged, tf: Summary, aws: Summary, me: Summary, best: Summary, cohort: CohortSplit | undefined): { targets: Target[]; ratios: Record<string, number> } {
  const ratios: Record<string, number> = {
    pollsVsTerraform: ratio(me.all.polls, tf.all.polls),
    pollsVsAwsWaiter: ratio(me.all.polls, aws.all.polls),
    pollsVsInformedBound: ratio(me.all.polls, best.all.polls),
    p95LagVsTerraform: ratio(me.all.lagP95, tf.all.lagP95),
    p95LagVsAwsWaiter: ratio(me.all.lagP95, aws.all.lagP95),
    maxLag: me.all.lagMax,
  };
  if (me.short.jobs > 0) {
    Object.assign(ratios, {
      shortPollsVsTerraform: ratio(me.short.polls, tf.short.polls),
      shortP95LagVsTerraform: ratio(me.short.lagP95, tf.short.lagP95),
      shortMaxLag: me.short.lagMax,
      shortPollsVsInformedBound: ratio(me.short.polls, best.short.polls),
    });
  }
  if (cohort !== undefined) {
    Object.assign(ratios, {
      firstCohortPollsVsTerraform: ratio(cohort.first.ours.polls, cohort.first.terraform.polls),
      firstCohortP95Lag: cohort.first.ours.lagP95,
      afterCohortPollsVsTerraform: ratio(cohort.after.ours.polls, cohort.after.terraform.polls),
      afterCohortP95Lag: cohort.after.ours.lagP95,
    });
  }
  const phases =
    cohort === undefined
      ? ''
      : `; the opening cohort ${cohort.first.ours.polls} polls (terraform ${cohort.first.terraform.polls}), p95 lag ${cohort.first.ours.lagP95} s; the jobs after it ${cohort.after.ours.polls} (terraform ${cohort.after.terraform.polls}), p95 lag ${cohort.after.ours.lagP95} s`;
  if (me.long.jobs > 0) {
    Object.assign(ratios, { longPollsVsTerraform: ratio(me.long.polls, tf.long.polls), longP95LagFraction: me.long.lagFractionP95, longMaxLagFraction: me.long.lagFractionMax });
  }
  const polls = (s: Summary, key: 'all' | 'short' | 'long'): string => `${s[key].polls} polls, p95 lag ${s[key].lagP95} s`;
  const short = (limit: number | undefined): Target[] => [
    atMost('short: p95 lag vs terraform', ratio(me.short.lagP95, tf.short.lagP95), 1, `${me.short.lagP95} s vs ${tf.short.lagP95} s`),
    atMost('short: max lag (s)', me.short.lagMax, 2 * MAX_LAG, `ours ${me.short.lagMax} s; terraform ${tf.short.lagMax} s`),
    ...(limit === undefined ? [] : [atMost('short: polls vs terraform', ratio(me.short.polls, tf.short.polls), limit, `ours ${polls(me, 'short')}; terraform ${polls(tf, 'short')}`)]),
  ];
  const long = (): Target[] =>
    me.long.jobs === 0
      ? []
      : [
          atMost('long: polls vs terraform', ratio(me.long.polls, tf.long.polls), 0.2, `ours ${me.long.polls}; terraform ${tf.long.polls} (${me.long.jobs} jobs)`),
          atMost('long: max lag / duration', me.long.lagFractionMax, 0.1, `p95 ${round(me.long.lagFractionP95 * 100)} %, max ${round(me.long.lagFractionMax * 100)} %`),
        ];
  const targets: Target[] = [];
  switch (judged) {
    case 'evs':
      Object.assign(ratios, { shortPollsVsAwsWaiter: ratio(me.short.polls, aws.short.polls), shortP95LagVsAwsWaiter: ratio(me.short.lagP95, aws.short.lagP95) });
      targets.push(
        atMost('all: polls vs terraform', ratios['pollsVsTerraform']!, 0.5, `ours ${polls(me, 'all')}; terraform ${polls(tf, 'all')}`),
        atMost('all: polls vs aws waiter', ratios['pollsVsAwsWaiter']!, 0.5, `aws waiter ${polls(aws, 'all')}`),
        ...short(0.65),
        atMost('short: polls vs aws waiter', ratios['shortPollsVsAwsWaiter']!, 0.45, `aws waiter ${polls(aws, 'short')}`),
        atMost('short: p95 lag vs aws waiter', ratios['shortP95LagVsAwsWaiter']!, 0.25, `${me.short.lagP95} s vs ${aws.short.lagP95} s`),
        ...long(),
        { ...atMost('ambition: short polls vs informed bound', ratios['shortPollsVsInformedBound']!, 1, `ours ${me.short.polls}; informed ${polls(best, 'short')}`), pass: ratios['shortPollsVsInformedBound']! < 1 },
      );
      break;
    case 'bursts':
      targets.push(...short(0.8));
      break;
    case 'shorter':
      targets.push(...short(undefined).map((target) => ({ ...target, detail: `${target.detail}${phases}` })));
      break;
    case 'longer':
      targets.push(
        atMost('slower than prior: polls vs terraform', ratios['pollsVsTerraform']!, 0.55, `ours ${polls(me, 'all')}; terraform ${polls(tf, 'all')}${phases}`),
        atMost('slower than prior: p95 lag / duration', me.all.lagFractionP95, 0.1, `p95 ${round(me.all.lagFractionP95 * 100)} %, max ${round(me.all.lagFractionMax * 100)} %`),
      );
      break;
    case 'old-ids':
      targets.push(
        atMost('already finished: max lag after the watch (s)', me.all.lagMax, 2, `p95 ${me.all.lagP95} s; terraform max ${tf.all.lagMax} s`),
        atMost('already finished: most polls of one job', me.all.pollsMax, 1, `mean ${me.all.polls}; terraform ${tf.all.polls}`),
      );
      break;
    case 'cold':
      targets.push(...short(undefined), ...long().slice(1));
      break;
  }
  return { targets, ratios };
}

/** The fleets, the EVS mix first (the headline's); quick: fewer and smaller. */
function fleets(quick: boolean, seed: number, jobs: number): FleetSpec[] {
  const evs = (name: string, correlated: boolean, ids: 'timestamped' | 'random' = 'timestamped', count = jobs): Fleet => evsFleet({ name, jobs: count, seed, correlated, ids });
  const specs: FleetSpec[] = [{ key: 'evs', judged: 'evs', fleet: evs('EVS mix, independent durations', false) }];
  if (!quick) specs.push({ key: 'evsCorrelated', judged: 'evs', fleet: evs('EVS mix, durations correlated within bursts', true) });
  specs.push(
    { key: 'bursts', judged: 'bursts', fleet: burstFleet({ name: 'bursts of 500–2 000 jobs of one type, started within 1 s', seed, bursts: quick ? 3 : 6, minSize: 500, maxSize: 2_000 }) },
    { key: 'shorter', judged: 'shorter', fleet: scaledFleet({ name: 'durations 10× shorter than the priors (200 started at once, then arrivals)', seed, jobs: quick ? 400 : 600, opening: 200, factor: 0.1 }) },
    { key: 'longer', judged: 'longer', fleet: scaledFleet({ name: 'durations 10× longer than the priors (200 started at once, then arrivals)', seed, jobs: quick ? 400 : 600, opening: 200, factor: 10 }) },
    { key: 'oldIds', judged: 'old-ids', fleet: oldIdsFleet({ name: 'ids already finished when watched (1–60 min old), read from files', seed, files: quick ? 2 : 3, perFile: 100 }) },
    {
      key: 'cold',
      judged: 'cold',
      fleet: evs('EVS mix, a cold watcher for every job (nothing learned)', false, 'timestamped', quick ? 500 : 1_000),
      ours: ours('evs-job-watcher (a new watcher per job)', 'new JobWatcher() for each watch(jobId): no samples, its own credentials probe', {}, { perJob: true }),
    },
    { key: 'randomIds', judged: 'evs', fleet: evs('EVS mix, ids without a timestamp (random hex)', false, 'random') },
  );
  return specs;
}

/** Every fleet in turn (see {@link fleets}). */
export async function economy(options: { quick: boolean; seed: number; jobs: number }): Promise<FleetResult[]> {
  const results: FleetResult[] = [];
  for (const spec of fleets(options.quick, options.seed, options.jobs)) results.push(await runFleet(spec, options.seed, options.quick));
  return results;
}
