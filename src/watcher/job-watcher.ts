import { EventEmitter } from 'eventemitter3';
import type { Clock } from '../clock/clock.js';
import { ClosedError } from '../errors/closed-error.js';
import { AbortError } from '../errors/request-errors.js';
import { Shutdown } from '../lifecycle/shutdown.js';
import { PENDING_PAYMENT, type Job } from '../model/job.js';
import { PollScheduler } from '../schedule/scheduler.js';
import type { HeapEntry } from '../schedule/timer-heap.js';
import { Diagnostics } from './diagnostics.js';
import type { EngineReports, PollEngine } from './engine.js';
import type { WatcherEvents } from './events.js';
import { LocalEngine } from './local-engine.js';
import type { AddOptions, JobWatcherOptions, WatchAllOptions, WatchOptions } from './options.js';
import type { PollInFlight } from './poller.js';
import { idList, resolveOptions, validateWatchCall, type ResolvedOptions, type WatchCall } from './resolve-options.js';
import { readSnapshot, snapshotWatch, type WatcherSnapshot, type WatchSnapshot } from './snapshot.js';
import type { WatcherStats } from './stats.js';
import { GroupSlot, Listener, Waiter, WatchGroup, type Deadline, type DeadlineOptions } from './subscribers.js';
import { Subscriptions } from './subscriptions.js';
import type { SubJobProgress, Watch } from './watch.js';

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
  readonly #scheduler: PollScheduler<Watch, HeapEntry, PollInFlight>;
  readonly #engine: PollEngine;
  readonly #subscriptions: Subscriptions;
  readonly #shutdown = new Shutdown((abort) => this.#stop(abort));
  #closedSnapshot: WatcherSnapshot | undefined;

  constructor(options: JobWatcherOptions) {
    super();
    this.#options = resolveOptions(options);
    const clock = (this.#clock = this.#options.clock);
    this.#scheduler = new PollScheduler<Watch, HeapEntry, PollInFlight>(clock, {
      poll: (watch) => this.#engine.send(watch),
      expire: (entry) => this.#subscriptions.due(entry as Deadline),
      timeout: (poll) => this.#engine.timedOut(poll),
      gate: (now) => this.#engine.gate(now),
    });
    const setup = { options: this.#options, scheduler: this.#scheduler, reports: this.#reports(), diagnostics: new Diagnostics(this) };
    this.#engine = this.#options.fleet?.createEngine(setup) ?? new LocalEngine(setup.options, setup.scheduler, setup.reports, setup.diagnostics);
    this.#subscriptions = new Subscriptions({
      now: () => clock.monotonicNow(),
      latency: () => this.#engine.latency,
      scheduleDeadline: (entry, at) => this.#scheduler.scheduleDeadline(entry, at),
      cancelDeadline: (entry) => this.#scheduler.cancelDeadline(entry),
      lastCall: (watch, latest) => this.#engine.lastCall(watch, latest),
      released: (watch) => this.#engine.release(watch),
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
      this.#subscribe(new Waiter(this.#engine.watchFor(jobId, options.jobType), { resolve, reject }, options.throwOnFail ?? false, this.#deadline(options)));
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
        const slot = new GroupSlot(group, index, this.#engine.watchFor(jobId as string, options.jobType));
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
    const existing = this.#engine.get(jobId);
    if (existing !== undefined && this.#subscriptions.list(existing).some((subscriber) => subscriber instanceof Listener)) return false;
    this.#subscribe(new Listener(this.#engine.watchFor(jobId, options.jobType), this.#deadline(options)));
    return true;
  }

  /** Counters and gauges of the watcher's work so far. */
  stats(): WatcherStats {
    return { ...this.#engine.stats(), waiters: this.#subscriptions.count };
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
      watches: Array.from(this.#engine.watches(), (watch) => this.#snapshotOf(watch, now)),
      learned: this.#engine.learned(),
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
    if (saved.learned !== undefined && !this.#engine.learn(saved.learned)) {
      this.#options.logger?.warn({ learned: describeVersion(saved.learned) }, 'snapshot: learned durations from an unknown version ignored');
    }
    const now = this.#clock.monotonicNow();
    // Time that passed since the snapshot, by the wall clock: the only clock two processes share.
    const gap = Math.max(0, this.#clock.wallNow() - saved.takenAt);
    const restored = new Map<string, Promise<Job>>();
    for (const { record, timing } of saved.watches) {
      const watch = this.#engine.get(record.jobId) ?? this.#engine.resume({ ...record, elapsed: record.elapsed + gap }, Math.max(0, timing.nextPollIn - gap));
      const deadline: DeadlineOptions = { deadline: now + timing.remaining - gap, timeout: timing.timeout, signal: undefined };
      const promise = new Promise<Job>((resolve, reject) => {
        this.#subscribe(new Waiter(watch, { resolve, reject }, timing.throwOnFail, deadline));
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

  /** How the engine's reports become settlements first, then events. */
  #reports(): EngineReports {
    return {
      answered: (watch, job, previous, state, progress) => {
        if (state === 'final') this.#subscriptions.finish(watch, job);
        this.#emitPolled(job, previous, progress);
        if (state === 'final') this.#emitDone(job);
      },
      polled: (job, previous, progress) => this.#emitPolled(job, previous, progress),
      finished: (watch, job) => {
        this.#subscriptions.finish(watch, job);
        this.#emitDone(job);
      },
      rejected: (watch, error) => {
        this.#subscriptions.fail(watch, error);
        this.#emit('watchError', { jobId: watch.jobId, error });
      },
      pollError: (watch, error, attempt, retryIn) => this.#emit('pollError', { jobId: watch.jobId, error, attempt, retryIn }),
      throttled: (error, { pause, rate }) => this.#emit('throttled', { error, pause, retryAfter: error.retryAfter, rate }),
      authFailed: (error, watches) => {
        for (const watch of watches) this.#subscriptions.fail(watch, error);
        this.#emit('authFailed', { error });
      },
      earliestDeadline: (watch) => this.#subscriptions.earliestDeadline(watch),
      latestDeadline: (watch) => this.#subscriptions.latestDeadline(watch),
    };
  }

  /** What one answer showed: a new status, sub-jobs finished. */
  #emitPolled(job: Job, previous: string | undefined, progress: SubJobProgress | undefined): void {
    if (previous !== job.status) {
      this.#emit('statusChange', { jobId: job.jobId, job, status: job.status, previous });
      if (job.status === PENDING_PAYMENT) this.#emit('pendingPayment', { jobId: job.jobId, job });
    }
    if (progress === undefined) return;
    let done = progress.done - progress.finished.length;
    let failed = progress.failed - progress.finished.filter((subJob) => subJob.status === 'FAIL').length;
    for (const subJob of progress.finished) {
      done += 1;
      if (subJob.status === 'FAIL') failed += 1;
      this.#emit('subJobDone', { subJob, parent: job, done, failed, total: progress.total });
    }
    this.#emit('progress', { job, done: progress.done, failed: progress.failed, total: progress.total });
  }

  #emitDone(job: Job): void {
    this.#emit(job.status === 'FAIL' ? 'failed' : 'succeeded', { job });
    this.#emit('done', { job });
  }

  /** Checks a watch call; the error to refuse it with, before anything is created or scheduled. */
  #refuse(call: WatchCall, jobIds: readonly unknown[], options: unknown): Error | undefined {
    try {
      this.#assertOpen();
      validateWatchCall(call, jobIds, options);
      if (options.signal?.aborted) return new AbortError('the watch was aborted', { cause: options.signal.reason });
    } catch (error) {
      return error instanceof Error ? error : new TypeError(String(error));
    }
    return this.#engine.stopped;
  }

  #deadline(options: AddOptions): DeadlineOptions {
    const timeout = options.timeout ?? this.#options.timeout;
    return { deadline: this.#clock.monotonicNow() + timeout, timeout, signal: options.signal };
  }

  /** Attaches a caller with its own deadline and signal. */
  #subscribe(subscriber: Waiter | Listener): void {
    this.#subscriptions.attach(subscriber);
    this.#subscriptions.track(subscriber, () => this.#subscriptions.abort(subscriber));
  }

  #snapshotOf(watch: Watch, now: number): WatchSnapshot {
    let deadline = Number.NEGATIVE_INFINITY;
    let timeout = 0;
    let throwOnFail = false;
    for (const subscriber of this.#subscriptions.list(watch)) {
      deadline = Math.max(deadline, subscriber.timer.deadline);
      timeout = Math.max(timeout, subscriber.timer.timeout);
      throwOnFail ||= subscriber.throwOnFail;
    }
    return snapshotWatch(watch.record(now), { nextPollIn: this.#engine.nextPollIn(watch), timeout, remaining: deadline - now, throwOnFail });
  }

  #assertOpen(): void {
    if (this.#shutdown.started) throw new ClosedError('JobWatcher');
  }

  async #stop(abort: boolean): Promise<void> {
    await this.#engine.stop(abort);
    this.#closedSnapshot ??= this.snapshot();
    const closed = new AbortError(abort ? 'the watcher was destroyed' : 'the watcher was closed');
    for (const watch of [...this.#engine.watches()]) {
      this.#engine.release(watch);
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
