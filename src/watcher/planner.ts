import { isFinalStatus, type Job } from '../model/job.js';
import { ANY_TYPE, DurationLearner, type DurationPrior, type LearnerState } from '../schedule/duration-learner.js';
import { nextPollDelay, type BatchContext, type PolicyOptions, type PollContext } from '../schedule/poll-policy.js';
import { DEFAULT_PRIORS, FALLBACK_PRIOR } from '../schedule/priors.js';
import { WithinSpread, withSiblings, type SiblingEvidence, type SiblingState } from '../schedule/siblings.js';
import type { Watch } from './watch.js';

/** What the planner learned, as saved in a snapshot. */
export interface PlannerState {
  readonly learner: LearnerState;
  readonly siblings: SiblingState;
}

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
   * Delay until the next poll of `watch`, in ms. `job` is the answer just read,
   * if any (a batch job's sub-jobs are read from it); `localNow`/`serverNow` are the two clocks' readings.
   */
  delay(watch: Watch, job: Job | undefined, localNow: number, serverNow: number): number {
    return nextPollDelay(this.#context(watch, job, localNow, serverNow), this.#learner, this.#policy, this.#random);
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

  state(): PlannerState {
    return { learner: this.#learner.state(), siblings: this.#siblings.state() };
  }

  load(state: { learner?: LearnerState | undefined; siblings?: SiblingState | undefined }): void {
    if (state.learner !== undefined) this.#learner.load(state.learner);
    if (state.siblings !== undefined) this.#siblings.load(state.siblings);
  }

  #context(watch: Watch, job: Job | undefined, localNow: number, serverNow: number): PollContext {
    const began = watch.beginTime;
    const known = !Number.isNaN(began);
    const elapsed = Math.max(0, known ? serverNow - began : localNow - watch.startedAt);
    const jobType = watch.jobType || ANY_TYPE;
    const batch = job === undefined || !known ? undefined : this.#batchContext(job, began, serverNow);
    return { jobType, elapsed, polls: watch.polls, seenRunning: watch.status !== undefined, ...(batch && { batch }) };
  }

  /** What a batch job's sub-jobs say about when it will end: it ends with the slowest, and they are siblings. */
  #batchContext(job: Job, began: number, serverNow: number): BatchContext | undefined {
    const { subJobs } = job.entities;
    if (subJobs.length === 0) return undefined;
    const subJobType = subJobs[0]!.jobType;
    const base = this.#learner.estimate(subJobType);
    const running: number[] = [];
    let lastEnd = 0;
    let residualSum = 0;
    let finished = 0;
    for (const sub of subJobs) {
      const duration = durationOf(sub);
      if (isFinalStatus(sub.status)) {
        lastEnd = Math.max(lastEnd, (sub.endTime?.getTime() ?? began) - began);
        if (duration !== undefined) {
          residualSum += Math.log(Math.max(1, duration)) - base.mu;
          finished += 1;
        }
      } else running.push(Math.max(0, serverNow - (sub.beginTime?.getTime() ?? began)));
    }
    const meanElapsed = running.reduce((sum, e) => sum + e, 0) / Math.max(1, running.length);
    const evidence: SiblingEvidence = { finished, residualSum, running: Math.max(0, running.length - 1), runningElapsed: Math.max(1, meanElapsed) };
    const subEstimate = withSiblings(base, this.#siblings.variance(subJobType), evidence);
    return { subJobType, running, lastEnd, subEstimate, overhead: this.#learner.overhead(job.jobType) };
  }

  /** A finished batch: the gap after its last sub-job, and how much its sub-jobs' durations spread around their own mean. */
  #learnBatch(job: Job): void {
    const { subJobs } = job.entities;
    if (subJobs.length === 0) return;
    const lastSubEnd = Math.max(...subJobs.map((sub) => sub.endTime?.getTime() ?? Number.NEGATIVE_INFINITY));
    if (Number.isFinite(lastSubEnd)) this.#learner.observeOverhead(job.jobType, job.endTime!.getTime() - lastSubEnd);
    const logs = subJobs.map(durationOf).filter((d): d is number => d !== undefined).map((d) => Math.log(Math.max(1, d)));
    if (logs.length < 2) return;
    const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
    const ss = logs.reduce((sum, x) => sum + (x - mean) ** 2, 0);
    this.#siblings.add(subJobs[0]!.jobType, ss, logs.length - 1);
  }
}

function durationOf(job: Job): number | undefined {
  const begin = job.beginTime?.getTime();
  const end = job.endTime?.getTime();
  return begin === undefined || end === undefined ? undefined : end - begin;
}
