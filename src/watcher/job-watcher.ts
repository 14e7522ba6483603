import { EventEmitter } from 'eventemitter3';
import type { Clock } from '../clock/clock.js';
import type { AuthError } from '../errors/auth-error.js';
import { ClosedError } from '../errors/closed-error.js';
import type { EvsError } from '../errors/evs-error.js';
import { HttpError } from '../errors/http-error.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import { AbortError } from '../errors/request-errors.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import { Shutdown } from '../lifecycle/shutdown.js';
import type { Job } from '../model/job.js';
import { backoffDelay } from '../schedule/backoff.js';
import { PollScheduler } from '../schedule/scheduler.js';
import { Throttle } from '../schedule/throttle.js';
import { classifyPollError } from './classify.js';
import type { WatcherEvents } from './events.js';
import { Interner } from './interner.js';
import type { AddOptions, JobWatcherOptions, WatchAllOptions, WatchOptions } from './options.js';
import { Planner } from './planner.js';
import { Poller, type PollInFlight } from './poller.js';
import { idList, resolveOptions, validateWatchCall, type ResolvedOptions, type WatchCall } from './resolve-options.js';
import { readSnapshot, snapshotWatch, type WatcherSnapshot, type WatchSnapshot } from './snapshot.js';
import { Counters, type WatcherStats } from './stats.js';
import { GroupSlot, Listener, Waiter, WatchGroup, type Deadline, type DeadlineOptions } from './subscribers.js';
import { MAX_MARGIN, Subscriptions } from './subscriptions.js';
import { Watch } from './watch.js';

/**
 * Watches many Huawei Cloud jobs until they finish, with one scheduler, bounded
 * concurrency, adaptive polling and typed events.
 *
 * It is an eventemitter3 `EventEmitter<WatcherEvents>` (`on`, `once`, `off`, typed by
 * {@link WatcherEvents}). Every transition completes before its events are emitted: a listener may call
 * any method (`close()`, `destroy()`, an `AbortController.abort()`, `watch()`)
 * and finds promises and state already agreeing with what the event says.
 *
 * @example
 * const watcher = new JobWatcher({ client });
 * const job = await watcher.watch(jobId, { timeout: 600_000 });
 */
export class JobWatcher extends EventEmitter<WatcherEvents> {
  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #scheduler: PollScheduler<Watch, Deadline, PollInFlight>;
  readonly #poller: Poller;
  readonly #throttle: Throttle;
  readonly #planner: Planner;
  readonly #subscriptions: Subscriptions;
  readonly #interner = new Interner();
  readonly #watches = new Map<string, Watch>();
  readonly #counters = new Counters();
  readonly #shutdown = new Shutdown((abort) => this.#stop(abort));
  #stopped: AuthError | undefined;
  #closedSnapshot: WatcherSnapshot | undefined;

  constructor(options: JobWatcherOptions) {
    super();
    this.#options = resolveOptions(options);
    const clock = (this.#clock = this.#options.clock);
    const random = (): number => clock.random();
    this.#throttle = new Throttle(this.#options, clock.monotonicNow(), random);
    this.#planner = new Planner(this.#options, this.#options.durations, random);
    this.#scheduler = new PollScheduler<Watch, Deadline, PollInFlight>(clock, {
      poll: (watch) => this.#send(watch),
      expire: (entry) => this.#subscriptions.due(entry),
      timeout: (poll) => this.#poller.timedOut(poll),
      gate: (now) => (this.#shutdown.started || !this.#poller.hasCapacity() ? Number.POSITIVE_INFINITY : this.#throttle.acquire(now)),
    });
    this.#poller = new Poller(this.#options, clock, {
      answered: (watch, job) => {
        if (this.#live(watch)) this.#onAnswer(watch, job);
      },
      failed: (watch, error) => {
        if (this.#live(watch)) this.#onFailure(watch, error);
      },
      scheduleTimeout: (poll, at) => this.#scheduler.scheduleTimeout(poll, at),
      cancelTimeout: (poll) => this.#scheduler.cancelTimeout(poll),
      freed: () => this.#scheduler.wake(),
    });
    this.#subscriptions = new Subscriptions({
      now: () => clock.monotonicNow(),
      latency: () => this.#poller.latency,
      scheduleDeadline: (entry, at) => this.#scheduler.scheduleDeadline(entry, at),
      cancelDeadline: (entry) => this.#scheduler.cancelDeadline(entry),
      lastCall: (watch, latest) => this.#lastCall(watch, latest),
      released: (watch) => this.#release(watch),
      timedOut: (watch, timeout) => this.#emit('timeout', { jobId: watch.jobId, timeout, job: watch.lastJob }),
    });
    if (options.restore !== undefined) this.restore(options.restore);
  }

  /**
   * Waits for a job to finish. Resolves with the final job on SUCCESS and on
   * FAIL (unless `throwOnFail`). Watching an id already watched shares its polling.
   * @throws {TypeError} for an invalid job id or options (as a rejection, before anything is watched).
   * @throws {WatchTimeoutError} when `timeout` elapses. {@link JobFailedError} on FAIL with `throwOnFail`.
   *   {@link AbortError} when `signal` aborts or the watcher closes. {@link JobNotFoundError}, {@link AuthError},
   *   or a non-retryable {@link HttpError} from the service.
   */
  watch(jobId: string, options: WatchOptions = {}): Promise<Job> {
    const refused = this.#refuse('watch', [jobId], options);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise<Job>((resolve, reject) => {
      const waiter = new Waiter(this.#watchFor(jobId, options.jobType), { resolve, reject }, options.throwOnFail ?? false, this.#deadline(options));
      this.#subscriptions.attach(waiter);
      this.#subscriptions.track(waiter, () => this.#subscriptions.abort(waiter));
    });
  }

  /**
   * Watches several jobs with ONE promise (and one deadline), resolving with
   * their final jobs in the same order. By default it rejects like `Promise.all`,
   * with the first error, and the rest of the batch is then no longer polled for
   * it; with `settle: 'all'` it resolves like `Promise.allSettled`, with every job's outcome.
   * @throws {TypeError} for anything but an iterable of valid ids, or bad options, before anything is watched.
   */
  watchAll(jobIds: Iterable<string>, options: WatchAllOptions & { readonly settle: 'all' }): Promise<PromiseSettledResult<Job>[]>;
  watchAll(jobIds: Iterable<string>, options?: WatchAllOptions): Promise<Job[]>;
  watchAll(jobIds: Iterable<string>, options: WatchAllOptions = {}): Promise<Job[] | PromiseSettledResult<Job>[]> {
    let ids: unknown[] = [];
    let refused: Error | undefined;
    try {
      ids = idList(jobIds);
    } catch (error) {
      refused = error as TypeError;
    }
    refused ??= this.#refuse('watchAll', ids, options);
    if (refused !== undefined) return Promise.reject(refused);
    if (ids.length === 0) return Promise.resolve([]);
    return new Promise<Job[] | PromiseSettledResult<Job>[]>((resolve, reject) => {
      const group = new WatchGroup(
        ids.length,
        { resolve, reject },
        { ...this.#deadline(options), throwOnFail: options.throwOnFail ?? false, mode: options.settle ?? 'first-error' },
        (settled) => this.#subscriptions.releaseGroup(settled),
      );
      ids.forEach((jobId, index) => {
        const slot = new GroupSlot(group, index, this.#watchFor(jobId as string, options.jobType));
        group.slots.push(slot);
        this.#subscriptions.attach(slot);
      });
      this.#subscriptions.track(group, () => this.#subscriptions.abort(group));
    });
  }

  /**
   * Watches a job without a promise, for event-driven workers: its end is
   * reported by `done` (with `succeeded`/`failed`), `timeout`, `watchError` or
   * `authFailed`, and nothing is left to reject on `close()`.
   * @returns false when the job already had an `add()` subscription (it is kept as it was).
   * @throws {TypeError} for an invalid job id or options, {@link ClosedError} after `close()`,
   *   {@link AuthError} once credentials were refused.
   */
  add(jobId: string, options: AddOptions = {}): boolean {
    const refused = this.#refuse('add', [jobId], options);
    if (refused !== undefined) throw refused;
    const existing = this.#watches.get(jobId);
    if (existing !== undefined && this.#subscriptions.list(existing).some((subscriber) => subscriber instanceof Listener)) return false;
    const listener = new Listener(this.#watchFor(jobId, options.jobType), this.#deadline(options));
    this.#subscriptions.attach(listener);
    this.#subscriptions.track(listener, () => this.#subscriptions.abort(listener));
    return true;
  }

  /** Counters and gauges of the watcher's work so far. */
  stats(): WatcherStats {
    const counters = this.#counters;
    return {
      watched: this.#watches.size,
      waiters: this.#subscriptions.count,
      inFlight: this.#poller.inFlight,
      pollsSent: this.#poller.sent,
      errors: { ...counters.errors },
      throttlePauses: counters.throttlePauses,
      rateLimit: this.#throttle.rate,
      finished: counters.finished,
      meanPollsPerFinishedJob: counters.finished === 0 ? 0 : counters.pollsOfFinished / counters.finished,
    };
  }

  /**
   * Plain JSON of every unfinished watch and of what was learned, to resume
   * elsewhere with `restore`. After `close()`, the watches that were unfinished then.
   */
  snapshot(): WatcherSnapshot {
    if (this.#closedSnapshot !== undefined) return this.#closedSnapshot;
    const now = this.#clock.monotonicNow();
    return {
      version: 2,
      takenAt: this.#clock.wallNow(),
      watches: Array.from(this.#watches.values(), (watch) => this.#snapshotOf(watch, now)),
      learned: this.#planner.state(),
    };
  }

  /**
   * Resumes the watches of a snapshot (typically from another process). Each
   * resumes with its remaining deadline; `watch(jobId)` on one shares its polling.
   * @returns each restored job's promise, already handled so ignoring it is safe.
   * @throws {TypeError} for a malformed snapshot (every field and its range is checked), before anything is restored.
   */
  restore(snapshot: WatcherSnapshot): Map<string, Promise<Job>> {
    this.#assertOpen();
    const saved = readSnapshot(snapshot);
    if (saved.learned !== undefined && !this.#planner.load(saved.learned)) {
      this.#options.logger?.warn({ learned: describeVersion(saved.learned) }, 'snapshot: learned durations from an unknown version ignored');
    }
    const now = this.#clock.monotonicNow();
    // Time that passed since the snapshot, by the wall clock: the only clock two processes share.
    const gap = Math.max(0, this.#clock.wallNow() - saved.takenAt);
    const restored = new Map<string, Promise<Job>>();
    for (const { record, timing } of saved.watches) {
      let watch = this.#watches.get(record.jobId);
      if (watch === undefined) {
        watch = Watch.restore({ ...record, elapsed: record.elapsed + gap }, now);
        this.#watches.set(record.jobId, watch);
        this.#scheduler.schedulePoll(watch, now + Math.max(0, timing.nextPollIn - gap));
      }
      const deadline: DeadlineOptions = { deadline: now + timing.remaining - gap, timeout: timing.timeout, signal: undefined };
      const promise = new Promise<Job>((resolve, reject) => {
        const waiter = new Waiter(watch, { resolve, reject }, timing.throwOnFail, deadline);
        this.#subscriptions.attach(waiter);
        this.#subscriptions.track(waiter, () => this.#subscriptions.abort(waiter));
      });
      promise.catch(() => undefined);
      restored.set(record.jobId, promise);
    }
    this.#options.logger?.info({ watches: saved.watches.length, ageMs: gap }, 'snapshot restored');
    return restored;
  }

  /**
   * Graceful stop: no new polls; polls in flight finish (their answers still
   * settle watches; each is bounded by `pollTimeout`); then every other watch
   * rejects with `AbortError`. Idempotent.
   */
  close(): Promise<void> {
    return this.#shutdown.close();
  }

  /** Immediate stop: polls in flight are aborted and every watch rejects with `AbortError` now. Idempotent. */
  destroy(): Promise<void> {
    return this.#shutdown.destroy();
  }

  /** `await using watcher = new JobWatcher(…)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ── watches ──────────────────────────────────────────────────────────

  /** Checks a watch call; the error to refuse it with, before anything is created or scheduled. */
  #refuse(call: WatchCall, jobIds: readonly unknown[], options: unknown): Error | undefined {
    try {
      this.#assertOpen();
      validateWatchCall(call, jobIds, options);
      if (options.signal?.aborted) return new AbortError('the watch was aborted', { cause: options.signal.reason });
    } catch (error) {
      return error instanceof Error ? error : new TypeError(String(error));
    }
    return this.#stopped;
  }

  #deadline(options: AddOptions): DeadlineOptions {
    const timeout = options.timeout ?? this.#options.timeout;
    return { deadline: this.#clock.monotonicNow() + timeout, timeout, signal: options.signal };
  }

  #watchFor(jobId: string, typeHint: string | undefined): Watch {
    const existing = this.#watches.get(jobId);
    if (existing !== undefined) {
      existing.hintType(typeHint);
      return existing;
    }
    const watch = new Watch(jobId, this.#clock.monotonicNow(), typeHint);
    this.#watches.set(jobId, watch);
    this.#planNext(watch, undefined);
    return watch;
  }

  /** Whether `watch` is still the live watch of its job (not ended, not replaced). */
  #live(watch: Watch): boolean {
    return this.#watches.get(watch.jobId) === watch;
  }

  /** Nobody waits for `watch` any more, or it ended: forget it, and its poll. */
  #release(watch: Watch): void {
    if (this.#live(watch)) this.#watches.delete(watch.jobId);
    this.#scheduler.cancelPoll(watch);
    watch.abortPoll(new AbortError('nobody waits for the job any more'));
  }

  /** A deadline is near: poll once more before `latest`, and keep that answer for the timeout error. */
  #lastCall(watch: Watch, latest: number): void {
    if (!this.#live(watch)) return;
    watch.keepLastJob();
    if (watch.inFlight || (this.#scheduler.hasPoll(watch) && watch.dueAt <= latest)) return;
    this.#scheduler.schedulePoll(watch, this.#clock.monotonicNow());
  }

  // ── outcomes ─────────────────────────────────────────────────────────

  #send(watch: Watch): void {
    this.#poller.start(watch);
    this.#options.logger?.debug({ jobId: watch.jobId, poll: watch.polls, status: watch.status }, 'poll');
  }

  #onAnswer(watch: Watch, job: Job): void {
    if (job.jobId !== watch.jobId) {
      this.#onFailure(watch, new InvalidResponseError(`expected job ${watch.jobId}, got ${job.jobId.slice(0, 64)}`, { field: 'job_id' }));
      return;
    }
    this.#poller.confirmCredentials();
    const now = this.#clock.monotonicNow();
    const previous = watch.status;
    const state = watch.recordAnswer(job, this.#interner, this.#options.successConfirmations, this.#options.serverNow(), now);
    const progress = watch.recordSubJobs(job);
    if (progress !== undefined) for (const subJob of progress.finished) this.#planner.subJobDone(subJob);
    if (state === 'final') {
      this.#planner.finished(job);
      this.#counters.finished += 1;
      this.#counters.pollsOfFinished += watch.polls;
      this.#release(watch);
      this.#subscriptions.finish(watch, job);
    } else {
      const at = state === 'confirming' ? now + this.#options.confirmationDelay : now + this.#planner.delay(watch, job, now);
      this.#scheduler.schedulePoll(watch, at);
      // No poll of it is planned before its deadline's last call: this answer is the one a timeout will carry.
      if (at >= this.#subscriptions.earliestDeadline(watch) - MAX_MARGIN) watch.keepLastJob(job);
    }

    if (previous !== job.status) this.#emit('statusChange', { jobId: job.jobId, job, status: job.status, previous });
    if (progress !== undefined) {
      let done = progress.done - progress.finished.length;
      let failed = progress.failed - progress.finished.filter((subJob) => subJob.status === 'FAIL').length;
      for (const subJob of progress.finished) {
        done += 1;
        if (subJob.status === 'FAIL') failed += 1;
        this.#emit('subJobDone', { subJob, parent: job, done, failed, total: progress.total });
      }
      this.#emit('progress', { job, done: progress.done, failed: progress.failed, total: progress.total });
    }
    if (state === 'final') {
      this.#emit(job.status === 'FAIL' ? 'failed' : 'succeeded', { job });
      this.#emit('done', { job });
    }
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

  /** The watch ends with `error`, for every caller. */
  #reject(watch: Watch, error: unknown): void {
    this.#release(watch);
    this.#subscriptions.fail(watch, error);
    this.#emit('watchError', { jobId: watch.jobId, error });
  }

  /** Transient failure: jittered exponential delay (the deadline's last call still pulls a poll in before it). */
  #retry(watch: Watch, error: EvsError, attempt: number): void {
    const retryIn = backoffDelay(attempt, this.#options.errorDelay, this.#options.maxErrorDelay, () => this.#clock.random());
    this.#scheduler.schedulePoll(watch, this.#clock.monotonicNow() + retryIn);
    this.#emit('pollError', { jobId: watch.jobId, error, attempt, retryIn });
  }

  #onThrottled(watch: Watch, error: ThrottledError): void {
    const now = this.#clock.monotonicNow();
    const decision = this.#throttle.throttled(now, watch.sentAt, error.retryAfter);
    this.#scheduler.schedulePoll(watch, Math.max(now, this.#throttle.pausedUntil));
    if (!decision.escalated) return;
    this.#counters.throttlePauses += 1;
    this.#options.logger?.warn({ pause: decision.pause, rate: decision.rate, retryAfter: error.retryAfter }, 'throttled by the API: pausing all polls');
    this.#emit('throttled', { error, pause: decision.pause, retryAfter: error.retryAfter, rate: decision.rate });
  }

  /** Credentials refused: repeated bad signatures lock the key, so stop every poll now. */
  #stopAll(error: AuthError): void {
    this.#stopped = error;
    for (const watch of [...this.#watches.values()]) {
      this.#release(watch);
      this.#subscriptions.fail(watch, error);
    }
    this.#options.logger?.warn({ status: error.status, code: error.serviceCode, requestId: error.requestId }, 'credentials refused: stopped polling');
    this.#emit('authFailed', { error });
  }

  #planNext(watch: Watch, job: Job | undefined): void {
    const now = this.#clock.monotonicNow();
    this.#scheduler.schedulePoll(watch, now + this.#planner.delay(watch, job, now));
  }

  // ── snapshot and lifecycle ───────────────────────────────────────────

  #snapshotOf(watch: Watch, now: number): WatchSnapshot {
    let deadline = Number.NEGATIVE_INFINITY;
    let timeout = 0;
    let throwOnFail = false;
    for (const subscriber of this.#subscriptions.list(watch)) {
      deadline = Math.max(deadline, subscriber.timer.deadline);
      timeout = Math.max(timeout, subscriber.timer.timeout);
      throwOnFail ||= subscriber.throwOnFail;
    }
    const nextPollIn = this.#scheduler.hasPoll(watch) ? watch.dueAt - now : 0;
    return snapshotWatch(watch.record(now), { nextPollIn, timeout, remaining: deadline - now, throwOnFail });
  }

  #assertOpen(): void {
    if (this.#shutdown.started) throw new ClosedError('JobWatcher');
  }

  async #stop(abort: boolean): Promise<void> {
    if (abort) this.#poller.abortAll(new AbortError('the watcher was destroyed'));
    else await this.#poller.drained();
    this.#closedSnapshot ??= this.snapshot();
    const closed = new AbortError(abort ? 'the watcher was destroyed' : 'the watcher was closed');
    for (const watch of [...this.#watches.values()]) {
      this.#release(watch);
      this.#subscriptions.fail(watch, closed);
    }
    this.#scheduler.close();
    this.#options.logger?.info({ unfinished: this.#closedSnapshot.watches.length }, abort ? 'watcher destroyed' : 'watcher closed');
  }

  /** Listeners' exceptions are logged, never allowed to break polling of other jobs. */
  #emit<E extends keyof WatcherEvents>(event: E, payload: WatcherEvents[E][0]): void {
    try {
      (this.emit as (event: E, payload: WatcherEvents[E][0]) => boolean)(event, payload);
    } catch (error) {
      this.#options.logger?.error({ event, error }, 'an event listener threw');
    }
  }
}

function describeVersion(learned: unknown): unknown {
  return typeof learned === 'object' && learned !== null ? (learned as { version?: unknown }).version : typeof learned;
}
