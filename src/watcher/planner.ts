import { isFinalStatus, type Job } from '../model/job.js';
import { Cohorts, SCOUTS } from '../schedule/cohorts.js';
import { ANY_TYPE, DurationLearner, type DurationPrior } from '../schedule/duration-learner.js';
import { readStats, type DurationStats } from '../schedule/duration-stats.js';
import { MIN_DELAY, nextPollDelay, scoutAges, targetAge, type BatchContext, type PolicyOptions, type PollContext } from '../schedule/poll-policy.js';
import { DEFAULT_PRIORS, FALLBACK_PRIOR } from '../schedule/priors.js';
import { WithinSpread, withSiblings, type SiblingEvidence } from '../schedule/siblings.js';
import type { LearnedState } from './snapshot.js';
import type { Watch } from './watch.js';

/** Version of the inside of {@link LearnedState} this planner writes and reads (version 1 held moving averages: ignored). */
const LEARNED_VERSION = 2;
/** Finished sub-jobs of a type needed before a batch is planned from the slowest of its sub-jobs. */
const SPREAD_SAMPLES = 4;
/** Untyped cohorts this large get scouts even when the any-job model is confirmed: a burst may be of a type it has not seen. */
const LARGE_COHORT = 16;
/** A model whose first poll moved this much sooner (share, and ms) re-plans the waiting jobs of its type. */
const MOVED_SHARE = 0.1;
const MOVED_MS = 500;

/** What the planner needs from its engine to move polls already planned. */
export interface PlannerHooks {
  /** Every live watch. */
  watches(): Iterable<Watch>;
  /** When `watch`'s next poll is planned, in monotonic ms (NaN: none is). */
  dueAt(watch: Watch): number;
  /** Moves `watch`'s next poll to monotonic time `at` if that is sooner and nothing else holds it (in flight, retrying, confirming). */
  pullIn(watch: Watch, at: number): void;
}

/** For an engine whose polls are planned elsewhere (a fleet's, in Redis): nothing here to move. */
export const NO_REPLANNING: PlannerHooks = { watches: () => [], dueAt: () => Number.NaN, pullIn: () => undefined };

/**
 * Decides when each job is polled next, from everything the watcher has seen:
 * durations per job type (finished jobs and the ones still running), what a
 * batch job's own sub-jobs did, and what the first jobs of a cohort started
 * together showed. New evidence that brings a type's likely end sooner moves
 * the polls already planned for its waiting jobs.
 */
export class Planner {
  readonly #learner: DurationLearner;
  readonly #siblings = new WithinSpread();
  readonly #policy: PolicyOptions;
  readonly #random: () => number;
  readonly #hooks: PlannerHooks;
  readonly #cohorts = new Cohorts<Watch>();
  /** Per key: the model revision and first-poll age that the waiting jobs were last (re-)planned against. */
  readonly #planned = new Map<string, { revision: number; age: number }>();
  /** Running sub-jobs of batch watches, counted once per batch at their mean age. */
  readonly #subJobs = new Map<Watch, { slot: number; count: number }>();

  constructor(policy: PolicyOptions, priors: Readonly<Record<string, DurationPrior>>, random: () => number, hooks: PlannerHooks) {
    this.#policy = policy;
    this.#random = random;
    this.#hooks = hooks;
    this.#learner = new DurationLearner({ ...DEFAULT_PRIORS, ...priors }, FALLBACK_PRIOR);
  }

  /**
   * Delay until the first poll of a new `watch`, in ms: as learned, sooner as
   * a scout of its cohort when its type's model is not confirmed (or an
   * untyped cohort is large), sooner as the type its cohort's scouts showed.
   */
  first(watch: Watch, now: number): number {
    let delay = this.delay(watch, undefined, now);
    if (!this.#policy.learn) return delay;
    const key = watch.jobType || ANY_TYPE;
    // What this poll is planned against: a later refit that brings the first poll sooner re-plans it.
    this.#moved(key, now);
    const cohort = this.#cohorts.join(key, watch, now, key === ANY_TYPE);
    if (typeof cohort.type === 'string') delay = Math.min(delay, this.#delayAs(watch, cohort.type, now));
    if (cohort.scouts < SCOUTS && (!this.#learner.confirmed(key) || (key === ANY_TYPE && cohort.size >= LARGE_COHORT))) {
      const ages = scoutAges(this.#learner.estimate(key), this.#policy);
      const elapsed = watch.elapsed(now);
      const next = ages.find((age) => age >= elapsed + MIN_DELAY);
      if (next !== undefined) {
        this.#cohorts.enlist(watch, cohort, ages);
        delay = Math.min(delay, next - elapsed);
      }
    }
    return delay;
  }

  /**
   * Delay until the next poll of `watch`, in ms, at local monotonic time `now`.
   * `job` is the answer just read, if any: it counts as a running job (and a
   * batch job's sub-jobs are read from it); without it, this is a re-plan.
   */
  delay(watch: Watch, job: Job | undefined, now: number): number {
    if (job !== undefined && !isFinalStatus(job.status)) this.#running(watch, job, now);
    let delay = nextPollDelay(this.#context(watch, job, now), this.#learner, this.#policy, this.#random);
    const scout = this.#cohorts.scout(watch);
    if (scout !== undefined) {
      const elapsed = watch.elapsed(now);
      const next = scout.ages.find((age) => age >= elapsed + MIN_DELAY);
      if (next === undefined) this.#cohorts.retire(watch);
      else delay = Math.min(delay, next - elapsed);
    }
    return delay;
  }

  /** A sub-job reached SUCCESS or FAIL: one more sample of its type. */
  subJobDone(subJob: Job, now: number): void {
    const duration = durationOf(subJob);
    if (duration === undefined) return;
    this.#learner.observe(subJob.jobType, duration, subJob.endTime?.getTime());
    this.#moved(subJob.jobType, now);
  }

  /** `watch`'s job finished: learn its duration, and for a batch its overhead and its sub-jobs' spread. */
  finished(watch: Watch, job: Job, now: number): void {
    const duration = durationOf(job);
    if (duration !== undefined) {
      const endedAt = job.endTime?.getTime();
      this.#learner.observe(job.jobType, duration, endedAt);
      this.#learner.observe(ANY_TYPE, duration, endedAt);
      this.#learnBatch(job);
    }
    this.#scouted(watch, job.jobType, now);
    this.#moved(job.jobType, now);
    this.#moved(ANY_TYPE, now);
  }

  /** Nobody polls `watch` any more: it no longer counts as running, nor scouts. */
  forget(watch: Watch): void {
    this.#learner.release(watch.runningSlot);
    watch.runningSlot = -1;
    const subJobs = this.#subJobs.get(watch);
    if (subJobs !== undefined) {
      this.#learner.release(subJobs.slot, subJobs.count);
      this.#subJobs.delete(watch);
    }
    this.#cohorts.retire(watch);
  }

  /**
   * Every count this planner learned from, as mergeable plain JSON (the format
   * is documented on {@link DurationStats}): what a fleet of watchers shares.
   * Finished jobs include those merged from others; running jobs are only this
   * planner's own (what it publishes), not the others' it merged.
   */
  stats(): DurationStats {
    return { format: 'evs-job-watcher/stats', version: 1, ...this.#learner.stats(true), siblings: this.#siblings.state() };
  }

  /**
   * Adds another process's stats to this planner's: finished counts, overheads
   * and spreads add up; its running jobs replace those merged before (a gauge).
   * @throws {TypeError} naming the first malformed field (nothing is merged then).
   */
  merge(stats: unknown): void {
    const checked = readStats(stats, 'stats');
    this.#learner.merge(checked, 'stats', true);
    this.#siblings.load(checked.siblings, 'stats.siblings');
  }

  /** What was learned, for a snapshot (finished counts; what runs now is the next process's to see). */
  state(): LearnedState {
    return { format: 'evs-job-watcher/learned', version: LEARNED_VERSION, stats: { format: 'evs-job-watcher/stats', version: 1, ...this.#learner.stats(false), siblings: this.#siblings.state() } };
  }

  /**
   * Loads what a snapshot learned (added to what this planner knows).
   * @returns false when it was written by a version of the planner this one does not read (it is then ignored).
   * @throws {TypeError} when it claims this version but is malformed.
   */
  load(learned: unknown): boolean {
    const state = object(learned, 'snapshot.learned');
    if (state['format'] !== 'evs-job-watcher/learned') throw new TypeError("Expected `snapshot.learned.format` to be 'evs-job-watcher/learned'");
    if (state['version'] !== LEARNED_VERSION) return false;
    const stats = readStats(state['stats'], 'snapshot.learned.stats');
    this.#learner.merge(stats, 'snapshot.learned.stats', false);
    this.#siblings.load(stats.siblings, 'snapshot.learned.stats.siblings');
    return true;
  }

  #context(watch: Watch, job: Job | undefined, now: number): PollContext {
    const elapsed = watch.elapsed(now);
    const jobType = watch.jobType || ANY_TYPE;
    const batch = job === undefined ? undefined : this.#batchContext(watch, job, elapsed);
    // Between answers, the job is known to run only up to the last poll.
    const runningAt = job === undefined && watch.seen ? watch.seenAge : elapsed;
    return { jobType, elapsed, polls: watch.polls, seenRunning: watch.seen, runningAt, ...(batch && { batch }) };
  }

  /** The first-poll delay of `watch` were it of type `jobType`. */
  #delayAs(watch: Watch, jobType: string, now: number): number {
    return nextPollDelay({ jobType, elapsed: watch.elapsed(now), polls: 0, seenRunning: false }, this.#learner, this.#policy, this.#random);
  }

  /** An answer showed `watch` running: it counts as a censored duration, and a scout tells its cohort the type. */
  #running(watch: Watch, job: Job, now: number): void {
    const jobType = watch.jobType || job.jobType;
    watch.runningSlot = this.#learner.running(watch.runningSlot, jobType, watch.elapsed(now), 1, true);
    this.#scouted(watch, jobType, now);
    this.#moved(jobType, now);
  }

  /**
   * An answer told the type of `watch`: if it scouts an untyped cohort, the
   * cohort's waiting members are planned as that type too (sooner only: a
   * wrong guess costs polls, never lag), and the scout goes on only while that
   * type's model is unconfirmed, at that model's head.
   */
  #scouted(watch: Watch, jobType: string, now: number): void {
    const scout = this.#cohorts.scout(watch);
    if (scout?.cohort.key !== ANY_TYPE) return;
    if (this.#learner.confirmed(jobType)) this.#cohorts.retire(watch);
    else scout.ages = scoutAges(this.#learner.estimate(jobType), this.#policy);
    const shown = scout.cohort.showed(jobType);
    if (shown === undefined) return;
    for (const member of scout.cohort.members ?? []) {
      if (member !== watch && member.polls === 0) this.#hooks.pullIn(member, now + this.#delayAs(member, shown, now));
    }
  }

  /**
   * Re-plans the waiting jobs of `key` when its model was refitted and its
   * first poll now comes materially sooner: a poll planned on what was believed
   * before must not wait past what is known now.
   */
  #moved(key: string, now: number): void {
    if (!this.#policy.learn) return;
    this.#learner.estimate(key);
    const revision = this.#learner.revision(key);
    const planned = this.#planned.get(key);
    if (planned?.revision === revision) return;
    const age = targetAge({ jobType: key, elapsed: 0, polls: 0, seenRunning: false }, this.#learner, this.#policy);
    // Each re-plan needs the first poll 10 % sooner than the last: a cold start re-plans a few times, not at every answer.
    if (planned === undefined || age >= planned.age * (1 - MOVED_SHARE) - MOVED_MS) {
      // The reference only rises: small steps sooner add up until they re-plan.
      this.#planned.set(key, { revision, age: Math.max(age, planned?.age ?? age) });
      return;
    }
    this.#planned.set(key, { revision, age });
    for (const watch of this.#hooks.watches()) {
      // A job seen running whose poll is due within the lag bound cannot be noticed late; one never seen may be over already.
      if ((watch.jobType || ANY_TYPE) !== key || watch.isBatch || (watch.seen && this.#hooks.dueAt(watch) - now <= this.#policy.maxLag)) continue;
      this.#hooks.pullIn(watch, now + this.delay(watch, undefined, now));
    }
  }

  /**
   * What a batch job's sub-jobs say about when it will end: it ends with the
   * slowest, and they are siblings. Their ages are read off the batch's own
   * (anchored) age and the offsets of their `begin_time`s, never off a clock.
   * The running ones count as censored durations of their type.
   */
  #batchContext(watch: Watch, job: Job, elapsed: number): BatchContext | undefined {
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
    const counted = this.#subJobs.get(watch);
    if (counted !== undefined) this.#learner.release(counted.slot, counted.count);
    this.#subJobs.set(watch, { slot: running.length === 0 ? -1 : this.#learner.running(-1, subJobType, meanElapsed, running.length), count: running.length });
    const evidence: SiblingEvidence = { finished, residualSum, running: Math.max(0, running.length - 1), runningElapsed: Math.max(1, meanElapsed) };
    const subEstimate = withSiblings(base, this.#siblings.variance(subJobType), evidence);
    return { subJobType, running, lastEnd, subEstimate, overhead: this.#learner.overhead(job.jobType), confirmed: base.samples >= SPREAD_SAMPLES };
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
