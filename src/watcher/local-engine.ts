import type { AuthError } from '../errors/auth-error.js';
import { AbortError } from '../errors/request-errors.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import { jobAgeFromId } from '../model/job-id.js';
import { Throttle } from '../schedule/throttle.js';
import type { Diagnostics } from './diagnostics.js';
import type { EngineReports, EngineScheduler, EngineStats, PollEngine } from './engine.js';
import { Planner } from './planner.js';
import { PollRules, type PollVerdict } from './poll-rules.js';
import { Poller, type PollInFlight } from './poller.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { LearnedState } from './snapshot.js';
import { engineStats } from './stats.js';
import { MAX_MARGIN } from './subscriptions.js';
import { Watch, type WatchRecord } from './watch.js';

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
  readonly #rules: PollRules;
  readonly #watches = new Map<string, Watch>();
  readonly #diagnostics: Diagnostics;
  #stopped: AuthError | undefined;
  #stopping = false;
  /** The watch whose poll goes out at once to check the credentials (until the first poll is sent). */
  #probe: Watch | undefined;
  #probed = false;

  constructor(options: ResolvedOptions, scheduler: EngineScheduler, reports: EngineReports, diagnostics: Diagnostics) {
    this.#options = options;
    this.#scheduler = scheduler;
    this.#reports = reports;
    this.#diagnostics = diagnostics;
    const { clock } = options;
    const random = (): number => clock.random();
    this.#throttle = new Throttle(options, clock.monotonicNow(), random);
    this.#planner = new Planner(options, options.durations, random, {
      watches: () => this.#watches.values(),
      dueAt: (watch) => scheduler.pollDueAt(watch),
      pullIn: (watch, at) => {
        if (!this.#live(watch) || watch.inFlight || watch.failing || watch.confirming || watch.awaitingPayment || !(at < scheduler.pollDueAt(watch))) return;
        scheduler.schedulePoll(watch, at);
      },
    });
    this.#rules = new PollRules(options, this.#planner);
    this.#poller = new Poller(options, clock, {
      answered: (watch, job) => {
        if (this.#live(watch)) this.#apply(watch, this.#rules.answer(watch, job, clock.monotonicNow()), Number.NaN);
      },
      failed: (watch, error, sentAt) => {
        if (this.#live(watch)) this.#apply(watch, this.#rules.failure(watch, error), sentAt);
      },
      scheduleTimeout: (poll, at) => scheduler.scheduleTimeout(poll, at),
      cancelTimeout: (poll) => scheduler.cancelTimeout(poll),
      freed: () => scheduler.wake(),
    }, diagnostics);
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
    if (watch.ended) return;
    watch.end();
    if (this.#probe === watch) this.#probe = undefined;
    this.#planner.forget(watch);
    this.#watches.delete(watch.jobId);
    this.#scheduler.cancelPoll(watch);
    if (watch.inFlight) watch.abortPoll(new AbortError('nobody waits for the job any more'));
  }

  lastCall(watch: Watch, latest: number): void {
    if (!this.#live(watch)) return;
    watch.keepLastJob();
    if (watch.inFlight || this.#scheduler.pollDueAt(watch) <= latest) return;
    this.#scheduler.schedulePoll(watch, this.#options.clock.monotonicNow());
  }

  watches(): IterableIterator<Watch> {
    return this.#watches.values();
  }

  nextPollIn(watch: Watch): number {
    const dueAt = this.#scheduler.pollDueAt(watch);
    return Number.isNaN(dueAt) ? 0 : Math.max(0, dueAt - this.#options.clock.monotonicNow());
  }

  stats(): EngineStats {
    return engineStats(this.#rules.counters, { watched: this.#watches.size, inFlight: this.#poller.inFlight, pollsSent: this.#poller.sent, rateLimit: this.#throttle.rate });
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

  /** Whether `watch` is still the live watch of its job: a watch that ended is never replaced in place. */
  #live(watch: Watch): boolean {
    return !watch.ended;
  }

  /** Acts on a poll's verdict (the poll was sent at monotonic `sentAt`): plan, retry, release, pause or stop, then report. */
  #apply(watch: Watch, verdict: PollVerdict, sentAt: number): void {
    if (verdict.credentialsWork) this.#poller.confirmCredentials();
    switch (verdict.kind) {
      case 'answered': {
        const { job, state } = verdict;
        if (state === 'final') this.release(watch);
        else {
          const at = this.#options.clock.monotonicNow() + verdict.delay;
          this.#scheduler.schedulePoll(watch, at);
          // No poll is planned before the deadline's last call: this answer is the one a timeout will carry.
          if (at >= this.#reports.earliestDeadline(watch) - MAX_MARGIN) watch.keepLastJob(job);
        }
        this.#reports.answered(watch, job, verdict.previous, state, verdict.progress);
        return;
      }
      case 'retry':
        this.#scheduler.schedulePoll(watch, this.#options.clock.monotonicNow() + verdict.retryIn);
        this.#reports.pollError(watch, verdict.error, verdict.attempt, verdict.retryIn);
        return;
      case 'reject':
        this.release(watch);
        this.#reports.rejected(watch, verdict.error);
        return;
      case 'throttled':
        this.#onThrottled(watch, verdict.error, sentAt);
        return;
      case 'auth':
        this.#stopAll(verdict.error);
    }
  }

  #onThrottled(watch: Watch, error: ThrottledError, sentAt: number): void {
    const now = this.#options.clock.monotonicNow();
    const decision = this.#throttle.throttled(now, sentAt, error.retryAfter);
    this.#scheduler.schedulePoll(watch, Math.max(now, this.#throttle.pausedUntil));
    if (!decision.escalated) return;
    this.#rules.counters.throttlePauses += 1;
    this.#options.logger?.warn({ pause: decision.pause, rate: decision.rate, retryAfter: error.retryAfter }, 'throttled by the API: pausing all polls');
    this.#diagnostics.throttled(decision, error.retryAfter);
    this.#reports.throttled(error, decision);
  }

  /** Credentials refused: repeated bad signatures lock the key, so stop every poll now. */
  #stopAll(error: AuthError): void {
    this.#stopped = error;
    const watches = [...this.#watches.values()];
    for (const watch of watches) this.release(watch);
    this.#options.logger?.warn({ status: error.status, code: error.serviceCode, requestId: error.requestId }, 'credentials refused: stopped polling');
    this.#diagnostics.authStop(error.status, error.serviceCode, error.requestId);
    this.#reports.authFailed(error, watches);
  }
}
