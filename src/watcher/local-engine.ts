import type { AuthError } from '../errors/auth-error.js';
import type { EvsError } from '../errors/evs-error.js';
import { HttpError } from '../errors/http-error.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import { AbortError } from '../errors/request-errors.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import { jobAgeFromId } from '../model/job-id.js';
import type { Job } from '../model/job.js';
import { backoffDelay } from '../schedule/backoff.js';
import type { PollScheduler } from '../schedule/scheduler.js';
import { Throttle } from '../schedule/throttle.js';
import type { HeapEntry } from '../schedule/timer-heap.js';
import { classifyPollError } from './classify.js';
import type { EngineReports, EngineStats, PollEngine } from './engine.js';
import { Interner } from './interner.js';
import { Planner } from './planner.js';
import { Poller, type PollInFlight } from './poller.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { LearnedState } from './snapshot.js';
import { Counters } from './stats.js';
import { MAX_MARGIN } from './subscriptions.js';
import { Watch, type WatchRecord } from './watch.js';

/** The scheduler as the engine uses it: polls and request time limits (deadlines are the watcher's). */
export type EngineScheduler = PollScheduler<Watch, HeapEntry, PollInFlight>;

/**
 * Polls every watched job from this process: one heap-driven schedule, the
 * poller's bounded concurrency, the shared throttle, and the planner. Turns
 * each answer or failure into the next action (plan, retry, pause, stop) and
 * reports it to the watcher.
 */
export class LocalEngine implements PollEngine {
  readonly #options: ResolvedOptions;
  readonly #scheduler: EngineScheduler;
  readonly #reports: EngineReports;
  readonly #poller: Poller;
  readonly #throttle: Throttle;
  readonly #planner: Planner;
  readonly #interner = new Interner();
  readonly #watches = new Map<string, Watch>();
  readonly #counters = new Counters();
  #stopped: AuthError | undefined;
  #stopping = false;
  /** The watch whose poll goes out at once to check the credentials (until the first poll is sent). */
  #probe: Watch | undefined;
  #probed = false;

  constructor(options: ResolvedOptions, scheduler: EngineScheduler, reports: EngineReports) {
    this.#options = options;
    this.#scheduler = scheduler;
    this.#reports = reports;
    const { clock } = options;
    const random = (): number => clock.random();
    this.#throttle = new Throttle(options, clock.monotonicNow(), random);
    this.#planner = new Planner(options, options.durations, random, {
      watches: () => this.#watches.values(),
      pullIn: (watch, at) => {
        if (!this.#live(watch) || watch.inFlight || watch.failing || watch.confirming || !scheduler.hasPoll(watch) || at >= watch.dueAt) return;
        scheduler.schedulePoll(watch, at);
      },
    });
    this.#poller = new Poller(options, clock, {
      answered: (watch, job) => {
        if (this.#live(watch)) this.#onAnswer(watch, job);
      },
      failed: (watch, error) => {
        if (this.#live(watch)) this.#onFailure(watch, error);
      },
      scheduleTimeout: (poll, at) => scheduler.scheduleTimeout(poll, at),
      cancelTimeout: (poll) => scheduler.cancelTimeout(poll),
      freed: () => scheduler.wake(),
    });
  }

  get stopped(): AuthError | undefined {
    return this.#stopped;
  }

  get latency(): number {
    return this.#poller.latency;
  }

  /** The scheduler's gate: room in flight, then the throttle's pause and rate. */
  gate(now: number): number {
    return this.#stopping || !this.#poller.hasCapacity() ? Number.POSITIVE_INFINITY : this.#throttle.acquire(now);
  }

  /** The scheduler's poll handler. */
  send(watch: Watch): void {
    this.#probed = true;
    this.#probe = undefined;
    this.#poller.start(watch);
    this.#options.logger?.debug({ jobId: watch.jobId, poll: watch.polls, status: watch.status }, 'poll');
  }

  /** The scheduler's timeout handler. */
  timedOut(poll: PollInFlight): void {
    this.#poller.timedOut(poll);
  }

  get(jobId: string): Watch | undefined {
    return this.#watches.get(jobId);
  }

  watchFor(jobId: string, typeHint: string | undefined): Watch {
    const existing = this.#watches.get(jobId);
    if (existing !== undefined) {
      existing.hintType(typeHint);
      return existing;
    }
    const now = this.#options.clock.monotonicNow();
    // Before any answer, the job's age is what its id says (guarded), else zero: as if just created.
    const watch = new Watch(jobId, now - (jobAgeFromId(jobId, this.#options.serverNow()) ?? 0), typeHint);
    this.#watches.set(jobId, watch);
    const delay = this.#planner.first(watch, now);
    this.#scheduler.schedulePoll(watch, now + (this.#probing(watch) ? 0 : delay));
    return watch;
  }

  resume(record: WatchRecord, nextPollIn: number): Watch {
    const now = this.#options.clock.monotonicNow();
    const watch = Watch.restore(record, now);
    this.#watches.set(record.jobId, watch);
    this.#scheduler.schedulePoll(watch, now + (this.#probing(watch) ? 0 : nextPollIn));
    return watch;
  }

  release(watch: Watch): void {
    if (this.#probe === watch) this.#probe = undefined;
    this.#planner.forget(watch);
    if (this.#live(watch)) this.#watches.delete(watch.jobId);
    this.#scheduler.cancelPoll(watch);
    watch.abortPoll(new AbortError('nobody waits for the job any more'));
  }

  lastCall(watch: Watch, latest: number): void {
    if (!this.#live(watch)) return;
    watch.keepLastJob();
    if (watch.inFlight || (this.#scheduler.hasPoll(watch) && watch.dueAt <= latest)) return;
    this.#scheduler.schedulePoll(watch, this.#options.clock.monotonicNow());
  }

  watches(): IterableIterator<Watch> {
    return this.#watches.values();
  }

  nextPollIn(watch: Watch): number {
    return this.#scheduler.hasPoll(watch) ? Math.max(0, watch.dueAt - this.#options.clock.monotonicNow()) : 0;
  }

  stats(): EngineStats {
    const counters = this.#counters;
    return {
      watched: this.#watches.size,
      inFlight: this.#poller.inFlight,
      pollsSent: this.#poller.sent,
      errors: { ...counters.errors },
      throttlePauses: counters.throttlePauses,
      rateLimit: this.#throttle.rate,
      finished: counters.finished,
      meanPollsPerFinishedJob: counters.finished === 0 ? 0 : counters.pollsOfFinished / counters.finished,
    };
  }

  learned(): LearnedState {
    return this.#planner.state();
  }

  learn(learned: unknown): boolean {
    return this.#planner.load(learned);
  }

  async stop(abort: boolean): Promise<void> {
    this.#stopping = true;
    if (abort) this.#poller.abortAll(new AbortError('the watcher was destroyed'));
    else await this.#poller.drained();
  }

  /**
   * Whether `watch` carries the credentials probe: a learning watcher's first
   * poll goes out at once, so a wrong key or endpoint is reported within a
   * request, not after the first learned plan (`learn: false` keeps the
   * `initialDelay` it was given).
   */
  #probing(watch: Watch): boolean {
    if (!this.#options.learn || this.#probed || this.#probe !== undefined || this.#poller.credentialsConfirmed) return false;
    this.#probe = watch;
    return true;
  }

  /** Whether `watch` is still the live watch of its job (not ended, not replaced). */
  #live(watch: Watch): boolean {
    return this.#watches.get(watch.jobId) === watch;
  }

  #onAnswer(watch: Watch, job: Job): void {
    if (job.jobId !== watch.jobId) {
      this.#onFailure(watch, new InvalidResponseError(`expected job ${watch.jobId}, got ${job.jobId.slice(0, 64)}`, { field: 'job_id' }));
      return;
    }
    this.#poller.confirmCredentials();
    const now = this.#options.clock.monotonicNow();
    const previous = watch.status;
    const state = watch.recordAnswer(job, this.#interner, this.#options.successConfirmations, this.#options.serverNow(), now);
    const progress = watch.recordSubJobs(job);
    if (progress !== undefined) for (const subJob of progress.finished) this.#planner.subJobDone(subJob, now);
    if (state === 'final') {
      this.#planner.finished(watch, job, now);
      this.#counters.finished += 1;
      this.#counters.pollsOfFinished += watch.polls;
      this.release(watch);
    } else {
      const at = state === 'confirming' ? now + this.#options.confirmationDelay : now + this.#planner.delay(watch, job, now);
      this.#scheduler.schedulePoll(watch, at);
      // No poll is planned before the deadline's last call: this answer is the one a timeout will carry.
      if (at >= this.#reports.earliestDeadline(watch) - MAX_MARGIN) watch.keepLastJob(job);
    }
    this.#reports.answered(watch, job, previous, state, progress);
  }

  #onFailure(watch: Watch, error: unknown): void {
    const failure = classifyPollError(error);
    this.#counters.errors[failure.kind] += 1;
    if (failure.error instanceof HttpError && failure.action !== 'stop-all' && failure.action !== 'pause-all') this.#poller.confirmCredentials();
    switch (failure.action) {
      case 'stop-all':
        this.#stopAll(failure.error);
        return;
      case 'pause-all':
        this.#onThrottled(watch, failure.error);
        return;
      case 'not-found': {
        const checks = watch.recordNotFound();
        if (checks > this.#options.notFoundChecks) this.#reject(watch, failure.error);
        else this.#retry(watch, failure.error, checks);
        return;
      }
      case 'retry':
        this.#retry(watch, failure.error, watch.recordFailure());
        return;
      case 'reject':
        this.#reject(watch, failure.error);
    }
  }

  #reject(watch: Watch, error: unknown): void {
    this.release(watch);
    this.#reports.rejected(watch, error);
  }

  /** Transient failure: jittered exponential delay (the deadline's last call still pulls a poll in before it). */
  #retry(watch: Watch, error: EvsError, attempt: number): void {
    const { clock, errorDelay, maxErrorDelay } = this.#options;
    const retryIn = backoffDelay(attempt, errorDelay, maxErrorDelay, () => clock.random());
    this.#scheduler.schedulePoll(watch, clock.monotonicNow() + retryIn);
    this.#reports.pollError(watch, error, attempt, retryIn);
  }

  #onThrottled(watch: Watch, error: ThrottledError): void {
    const now = this.#options.clock.monotonicNow();
    const decision = this.#throttle.throttled(now, watch.sentAt, error.retryAfter);
    this.#scheduler.schedulePoll(watch, Math.max(now, this.#throttle.pausedUntil));
    if (!decision.escalated) return;
    this.#counters.throttlePauses += 1;
    this.#options.logger?.warn({ pause: decision.pause, rate: decision.rate, retryAfter: error.retryAfter }, 'throttled by the API: pausing all polls');
    this.#reports.throttled(error, decision);
  }

  /** Credentials refused: repeated bad signatures lock the key, so stop every poll now. */
  #stopAll(error: AuthError): void {
    this.#stopped = error;
    const watches = [...this.#watches.values()];
    for (const watch of watches) this.release(watch);
    this.#options.logger?.warn({ status: error.status, code: error.serviceCode, requestId: error.requestId }, 'credentials refused: stopped polling');
    this.#reports.authFailed(error, watches);
  }
}
