import { conditionalQuantile, maxQuantile, quantileBeyond, survival, type DurationEstimate, type DurationLearner } from './duration-learner.js';
import { normalQuantile } from './normal.js';

/** The knobs of the schedule; the watcher validates and documents them. */
export interface PolicyOptions {
  /** Delay before the first poll and base of the backoff when not learning, in ms. */
  readonly initialDelay: number;
  /** Longest delay between two polls of one job, in ms. */
  readonly maxDelay: number;
  /** Growth of the backoff delay per poll when not learning. */
  readonly factor: number;
  /** Fraction by which a delay is randomly shortened (0..1), so jobs started together spread out. */
  readonly jitter: number;
  /** A finished job is noticed within this many ms… */
  readonly maxLag: number;
  /** …or within this fraction of the time it has run, whichever is larger. */
  readonly maxLagRatio: number;
  /** Whether to schedule from learned durations (true) or plain backoff (false). */
  readonly learn: boolean;
}

/** What the watcher knows about a job when it plans the next poll. */
export interface PollContext {
  /** Job type, or `ANY_TYPE` before the first answer. */
  readonly jobType: string;
  /** How long the job has run so far, in ms on the server's clock. */
  readonly elapsed: number;
  /** Polls already sent for this watch. */
  readonly polls: number;
  /**
   * Whether an answer has shown the job still running; until one has, the job
   * may already be done, so nothing is conditioned on it.
   * @default polls > 0
   */
  readonly seenRunning?: boolean;
  /**
   * The job's age when an answer last showed it running, in ms (a re-plan
   * between polls knows no more than that).
   * @default elapsed
   */
  readonly runningAt?: number;
  /** The job's duration estimate when it knows more than its type's (siblings); else the learner's for `jobType`. */
  readonly estimate?: DurationEstimate;
  /** For a batch job with sub-jobs listed: what they say about its end. */
  readonly batch?: BatchContext;
}

/** A batch job ends a short overhead after its slowest sub-job. */
export interface BatchContext {
  /** Type of the sub-jobs, e.g. `createVolume`. */
  readonly subJobType: string;
  /** How long each still-running sub-job has run, in ms. */
  readonly running: readonly number[];
  /** When the last finished sub-job ended, in ms since the batch began (0 if none). */
  readonly lastEnd: number;
  /** The sub-jobs' duration estimate given their finished siblings; else the learner's for `subJobType`. */
  readonly subEstimate?: DurationEstimate;
  /** Expected gap between the last sub-job's end and the batch's, in ms; else the learner's. */
  readonly overhead?: number;
  /**
   * Whether finished jobs back the sub-jobs' spread. A prior's wide spread puts
   * the slowest of many sub-jobs late, so until they do, the batch is planned
   * from its longest-running sub-job alone (sooner: never late).
   * @default true
   */
  readonly confirmed?: boolean;
}

/** Shortest delay between polls of one job, in ms: no answer changes faster than a request takes. */
export const MIN_DELAY = 500;
/**
 * Chance accepted that a job finishes before the earliest time we plan for.
 * Skipping the unlikely head of the distribution is where learning saves polls;
 * this fraction of jobs may be noticed later than `maxLag`.
 */
export const SKIP_QUANTILE = 0.02;
/**
 * A poll may go at this quantile of the job's end when that comes before one
 * lag past the skipped head: a type that always ends within a few seconds is
 * polled once just after, not a whole `maxLag` later, for a few more polls.
 */
export const COVER_QUANTILE = 0.9;
/** A job no answer has shown running, at least this likely to be done already, is polled now. */
export const LIKELY_DONE = 0.25;

/** How late a job that has run `elapsed` ms may be noticed, in ms. */
export function allowedLag(options: PolicyOptions, elapsed: number): number {
  return Math.max(options.maxLag, options.maxLagRatio * elapsed);
}

/**
 * Plans the delay until the next poll of one job, in ms (bounded, jittered).
 * Learning: aim one allowed lag past the earliest likely end, so polls go where
 * jobs actually finish. Not learning: exponential backoff. Both are capped so a
 * finished job is noticed within {@link allowedLag}.
 */
export function nextPollDelay(context: PollContext, learner: DurationLearner, options: PolicyOptions, random: () => number): number {
  const lagCap = allowedLag(options, context.elapsed);
  const planned = options.learn
    ? targetAge(context, learner, options) - context.elapsed
    : Math.min(options.initialDelay * options.factor ** context.polls, lagCap);
  const bounded = Math.min(Math.max(planned, MIN_DELAY), options.maxDelay);
  // `maxDelay` is the caller's hard cap and wins over the MIN_DELAY floor; jitter
  // shortens only the lag allowance, never a learned skip over the quiet head.
  const jittered = bounded - options.jitter * random() * Math.min(bounded, lagCap);
  return Math.min(options.maxDelay, Math.max(MIN_DELAY, jittered));
}

/**
 * The age (ms since the job began) a learned plan aims its next poll at:
 * one allowed lag past the earliest likely end (the head skipped once), or the
 * {@link COVER_QUANTILE} of the end if that comes first; now, for a job not
 * yet seen running that is likely done.
 */
export function targetAge(context: PollContext, learner: DurationLearner, options: PolicyOptions): number {
  const { batch, elapsed } = context;
  if (batch !== undefined) {
    const skip = context.polls === 0 ? SKIP_QUANTILE : SKIP_QUANTILE / 8;
    const earliest = batchEarliestEnd(context, batch, learner, skip);
    return earliest + allowedLag(options, earliest);
  }
  const estimate = context.estimate ?? learner.estimate(context.jobType);
  const seen = context.seenRunning ?? context.polls > 0;
  if (!seen && 1 - survival(estimate, elapsed) >= LIKELY_DONE) return elapsed;
  const from = seen ? Math.min(elapsed, context.runningAt ?? elapsed) : 0;
  const left = survival(estimate, from);
  // The late-notice budget is spent once, on the head of the distribution: a
  // job seen running past it only jumps quiet stretches, or every poll would spend it again.
  const skip = 1 - left < SKIP_QUANTILE ? SKIP_QUANTILE : SKIP_QUANTILE / 8;
  const earliest = quantileBeyond(estimate, skip, from, left);
  return Math.min(earliest + allowedLag(options, earliest), quantileBeyond(estimate, COVER_QUANTILE, from, left));
}

/**
 * Ages (ms) at which a scout of a cohort planned from `estimate` is polled
 * before the others' first poll: the end of the skipped head, then halves of
 * it down to `maxLag`, so a cohort that ends far sooner than its model says
 * is seen ending within about `maxLag` (or half its age).
 */
export function scoutAges(estimate: DurationEstimate, options: PolicyOptions): number[] {
  const head = conditionalQuantile(estimate, SKIP_QUANTILE, 0);
  const ages = [head];
  while (ages[0]! > options.maxLag && ages.length < 8) ages.unshift(ages[0]! / 2);
  return ages.filter((age) => age >= MIN_DELAY);
}

/** The time (since the batch began, in ms) before which a batch job is unlikely to end: it ends a short overhead after its slowest sub-job. */
function batchEarliestEnd({ jobType, elapsed }: PollContext, batch: BatchContext, learner: DurationLearner, skip: number): number {
  const overhead = batch.overhead ?? learner.overhead(jobType);
  if (batch.running.length === 0) return Math.max(elapsed, batch.lastEnd + overhead / 2);
  let longest = 0;
  for (const running of batch.running) longest = Math.max(longest, running);
  const estimate = batch.subEstimate ?? learner.estimate(batch.subJobType);
  const slowest = batch.confirmed === false ? conditionalQuantile(estimate, skip, longest) : slowestEnd(estimate, skip, batch.running);
  // Sub-jobs start near the batch's own start, so their times add up the same way.
  return Math.max(elapsed, elapsed - longest + slowest + overhead / 2);
}

/**
 * The `skip` quantile of when the slowest of `running` siblings ends. With a
 * shared factor still uncertain they are not independent (a fast batch is fast
 * throughout): half the skip goes to that factor being low, half to the
 * slowest ending early given it, which bounds the quantile from below.
 */
function slowestEnd(estimate: DurationEstimate, skip: number, running: readonly number[]): number {
  const shared = estimate.shared ?? 0;
  if (shared <= 0) return maxQuantile(estimate, skip, running);
  return maxQuantile({ mu: estimate.mu + shared * normalQuantile(skip / 2), sigma: estimate.sigma, samples: estimate.samples }, skip / 2, running);
}
