import { isFinalStatus, type Job } from '../model/job.js';
import { ANY_TYPE, DurationLearner, type DurationPrior, type LearnerState } from '../schedule/duration-learner.js';
import { nextPollDelay, type BatchContext, type PolicyOptions, type PollContext } from '../schedule/poll-policy.js';
import { DEFAULT_PRIORS, FALLBACK_PRIOR } from '../schedule/priors.js';
import { WithinSpread, withSiblings, type SiblingEvidence, type SiblingState } from '../schedule/siblings.js';
import type { LearnedState } from './snapshot.js';
import type { Watch } from './watch.js';

/** Version of the inside of {@link LearnedState} this planner writes and reads. */
const LEARNED_VERSION = 1;

/**
 * Decides when each job is polled next, from everything the watcher has seen:
 * durations per job type, and for a batch job what its own sub-jobs did.
 */
export class Planner {
  readonly #learner: DurationLearner;
  readonly #siblings = new WithinSpread();
  readonly #policy: PolicyOptions;
  readonly #random: () => number;

  constructor(policy: PolicyOptions, priors: Readonly<Record<string, DurationPrior>>, random: () => number) {
    this.#policy = policy;
    this.#random = random;
    this.#learner = new DurationLearner({ ...DEFAULT_PRIORS, ...priors }, FALLBACK_PRIOR);
  }

  /**
   * Delay until the next poll of `watch`, in ms, at local monotonic time `now`.
   * `job` is the answer just read, if any (a batch job's sub-jobs are read from it).
   */
  delay(watch: Watch, job: Job | undefined, now: number): number {
    return nextPollDelay(this.#context(watch, job, now), this.#learner, this.#policy, this.#random);
  }

  /** A sub-job reached SUCCESS or FAIL: one more sample of its type. */
  subJobDone(subJob: Job): void {
    const duration = durationOf(subJob);
    if (duration !== undefined) this.#learner.observe(subJob.jobType, duration);
  }

  /** A watched job finished: learn its duration, and for a batch its overhead and its sub-jobs' spread. */
  finished(job: Job): void {
    const duration = durationOf(job);
    if (duration === undefined) return;
    this.#learner.observe(job.jobType, duration);
    this.#learner.observe(ANY_TYPE, duration);
    this.#learnBatch(job);
  }

  /** What was learned, for a snapshot. */
  state(): LearnedState {
    return { format: 'evs-job-watcher/learned', version: LEARNED_VERSION, learner: this.#learner.state(), siblings: this.#siblings.state() };
  }

  /**
   * Loads what a snapshot learned.
   * @returns false when it was written by a version of the planner this one does not read (it is then ignored).
   * @throws {TypeError} when it claims this version but is malformed.
   */
  load(learned: unknown): boolean {
    const state = object(learned, 'snapshot.learned');
    if (state['format'] !== 'evs-job-watcher/learned') throw new TypeError("Expected `snapshot.learned.format` to be 'evs-job-watcher/learned'");
    if (state['version'] !== LEARNED_VERSION) return false;
    if (state['learner'] !== undefined) this.#learner.load(state['learner'] as LearnerState);
    if (state['siblings'] !== undefined) this.#siblings.load(object(state['siblings'], 'snapshot.learned.siblings') as SiblingState);
    return true;
  }

  #context(watch: Watch, job: Job | undefined, now: number): PollContext {
    const elapsed = watch.elapsed(now);
    const jobType = watch.jobType || ANY_TYPE;
    const batch = job === undefined ? undefined : this.#batchContext(job, elapsed);
    return { jobType, elapsed, polls: watch.polls, seenRunning: watch.seen, ...(batch && { batch }) };
  }

  /**
   * What a batch job's sub-jobs say about when it will end: it ends with the
   * slowest, and they are siblings. Their ages are read off the batch's own
   * (anchored) age and the offsets of their `begin_time`s, never off a clock.
   */
  #batchContext(job: Job, elapsed: number): BatchContext | undefined {
    const { subJobs } = job.entities;
    const began = job.beginTime?.getTime();
    if (subJobs.length === 0 || began === undefined) return undefined;
    const subJobType = subJobs[0]!.jobType;
    const base = this.#learner.estimate(subJobType);
    const running: number[] = [];
    let lastEnd = 0;
    let residualSum = 0;
    let finished = 0;
    let elapsedSum = 0;
    for (const sub of subJobs) {
      if (isFinalStatus(sub.status)) {
        lastEnd = Math.max(lastEnd, (sub.endTime?.getTime() ?? began) - began);
        const duration = durationOf(sub);
        if (duration !== undefined) {
          residualSum += Math.log(Math.max(1, duration)) - base.mu;
          finished += 1;
        }
        continue;
      }
      const subElapsed = Math.max(0, elapsed - ((sub.beginTime?.getTime() ?? began) - began));
      running.push(subElapsed);
      elapsedSum += subElapsed;
    }
    const meanElapsed = elapsedSum / Math.max(1, running.length);
    const evidence: SiblingEvidence = { finished, residualSum, running: Math.max(0, running.length - 1), runningElapsed: Math.max(1, meanElapsed) };
    const subEstimate = withSiblings(base, this.#siblings.variance(subJobType), evidence);
    return { subJobType, running, lastEnd, subEstimate, overhead: this.#learner.overhead(job.jobType) };
  }

  /** A finished batch: the gap after its last sub-job, and how much its sub-jobs' durations spread around their own mean. */
  #learnBatch(job: Job): void {
    const { subJobs } = job.entities;
    if (subJobs.length === 0) return;
    let lastSubEnd = Number.NEGATIVE_INFINITY;
    const logs: number[] = [];
    for (const sub of subJobs) {
      lastSubEnd = Math.max(lastSubEnd, sub.endTime?.getTime() ?? Number.NEGATIVE_INFINITY);
      const duration = durationOf(sub);
      if (duration !== undefined) logs.push(Math.log(Math.max(1, duration)));
    }
    if (Number.isFinite(lastSubEnd) && job.endTime !== undefined) this.#learner.observeOverhead(job.jobType, job.endTime.getTime() - lastSubEnd);
    if (logs.length < 2) return;
    const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
    const ss = logs.reduce((sum, x) => sum + (x - mean) ** 2, 0);
    this.#siblings.add(subJobs[0]!.jobType, ss, logs.length - 1);
  }
}

/** How long `job` ran by its own timestamps, in ms; `undefined` until it has both. */
export function durationOf(job: Job): number | undefined {
  const begin = job.beginTime?.getTime();
  const end = job.endTime?.getTime();
  return begin === undefined || end === undefined ? undefined : end - begin;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`Expected \`${path}\` to be an object`);
  return value as Record<string, unknown>;
}
