import { EventEmitter } from 'eventemitter3';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Clock } from '../clock/clock.js';
import type { AuthError } from '../errors/auth-error.js';
import { ClosedError } from '../errors/closed-error.js';
import type { EvsError } from '../errors/evs-error.js';
import { HttpError } from '../errors/http-error.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import { AbortError, NetworkError } from '../errors/request-errors.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import { JobFailedError, WatchTimeoutError } from '../errors/watch-errors.js';
import { addAbortListener, removeAbortListener } from '../lifecycle/abort-listeners.js';
import { Shutdown } from '../lifecycle/shutdown.js';
import { isFinalStatus, type Job } from '../model/job.js';
import { parseJob } from '../model/parse-job.js';
import { PollScheduler } from '../schedule/scheduler.js';
import { Throttle } from '../schedule/throttle.js';
import { assertSafeId } from '../validation/ids.js';
import { classifyPollError } from './classify.js';
import type { WatcherEvents } from './events.js';
import { Planner } from './planner.js';
import { resolveOptions, validateWatchOptions, type JobWatcherOptions, type ResolvedOptions, type WatchOptions } from './options.js';
import { assertSnapshot, type WatcherSnapshot, type WatchSnapshot } from './snapshot.js';
import { Counters, type WatcherStats } from './stats.js';
import { GroupSlot, Waiter, WatchGroup, type Settle, type Subscriber } from './subscribers.js';
import { Watch } from './watch.js';

/** The final poll before a deadline is sent this long ahead of it, at least (ms), so its answer can still count. */
const MIN_DEADLINE_MARGIN = 50;
const MAX_DEADLINE_MARGIN = 2_000;

/**
 * Watches many Huawei Cloud jobs until they finish, with one scheduler, bounded
 * concurrency, adaptive polling and typed events.
 *
 * @example
 * const watcher = new JobWatcher({ client });
 * const job = await watcher.watch(jobId, { timeout: 600_000 });
 */
export class JobWatcher extends EventEmitter<WatcherEvents> {
  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #scheduler: PollScheduler<Watch, Waiter | WatchGroup>;
  readonly #limit: LimitFunction;
  readonly #throttle: Throttle;
  readonly #planner: Planner;
  readonly #watches = new Map<string, Watch>();
  readonly #counters = new Counters();
  readonly #controllers: AbortController[] = [];
  #credentialsConfirmed = false;
  #waiterCount = 0;
  #latency = 0;
  #stopped: AuthError | undefined;
  readonly #shutdown = new Shutdown((abort) => this.#stop(abort));
  #closedSnapshot: WatcherSnapshot | undefined;
  #drained: (() => void) | undefined;

  constructor(options: JobWatcherOptions) {
    super();
    this.#options = resolveOptions(options);
    const { clock } = this.#options;
    this.#clock = clock;
    this.#limit = pLimit(this.#options.concurrency);
    this.#throttle = new Throttle(this.#options, clock.monotonicNow(), () => clock.random());
    this.#planner = new Planner(this.#options, this.#options.durations, () => clock.random());
    this.#scheduler = new PollScheduler<Watch, Waiter | WatchGroup>(clock, {
      poll: (watch) => this.#poll(watch),
      expire: (waiter) => this.#expire(waiter),
      gate: (now) => this.#gate(now),
    });
    if (options.restore !== undefined) this.restore(options.restore);
  }

  /**
   * Waits for a job to finish. Resolves with the final job on SUCCESS and on
   * FAIL (unless `throwOnFail`). Watching an id already watched shares its polling.
   * @throws {TypeError} for an invalid job id or options (as a rejection; other watches are not affected).
   * @throws {WatchTimeoutError} when `timeout` elapses. {@link JobFailedError} on FAIL with `throwOnFail`.
   *   {@link AbortError} when `signal` aborts or the watcher closes. {@link JobNotFoundError}, {@link AuthError},
   *   or a non-retryable {@link HttpError} from the service.
   */
  watch(jobId: string, options: WatchOptions = {}): Promise<Job> {
    const refused = this.#refuse<Job>([jobId], options);
    if (refused !== undefined) return refused;
    return new Promise<Job>((resolve, reject) => {
      const watch = this.#watchFor(jobId, options.jobType);
      const timeout = options.timeout ?? this.#options.timeout;
      const deadline = this.#clock.monotonicNow() + timeout;
      this.#attach(this.#waiter(watch, { resolve, reject }, deadline, timeout, options.throwOnFail ?? false, options.signal));
    });
  }

  /**
   * Watches several jobs with ONE promise (and one deadline), resolving with
   * their final jobs in the same order. Rejects like `Promise.all`, with the
   * first error; the rest of the batch is then no longer polled for it.
   * @throws {TypeError} for any invalid job id, before anything is watched.
   */
  watchAll(jobIds: Iterable<string>, options: WatchOptions = {}): Promise<Job[]> {
    const ids = Array.from(jobIds);
    const refused = this.#refuse<Job[]>(ids, options);
    if (refused !== undefined) return refused;
    if (ids.length === 0) return Promise.resolve([]);
    return new Promise<Job[]>((resolve, reject) => {
      const timeout = options.timeout ?? this.#options.timeout;
      const deadline = this.#clock.monotonicNow() + timeout;
      const group = new WatchGroup(ids.length, { resolve, reject }, { deadline, timeout, throwOnFail: options.throwOnFail ?? false, signal: options.signal }, (settled) =>
        this.#releaseGroup(settled),
      );
      if (Number.isFinite(deadline)) this.#scheduler.scheduleDeadline(group, deadline);
      group.onAbort = listen(options.signal, () => group.fail(new AbortError('the watch was aborted', { cause: options.signal?.reason })));
      ids.forEach((jobId, index) => {
        const watch = this.#watchFor(jobId, options.jobType);
        const slot = new GroupSlot(group, index, watch);
        group.slots.push(slot);
        this.#attach(slot);
      });
    });
  }

  /** Counters and gauges of the watcher's work so far. */
  stats(): WatcherStats {
    const counters = this.#counters;
    return {
      watched: this.#watches.size,
      waiters: this.#waiterCount,
      inFlight: this.#inFlight(),
      pollsSent: counters.pollsSent,
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
    return {
      version: 1,
      takenAt: this.#clock.wallNow(),
      watches: Array.from(this.#watches.values(), (watch) => this.#snapshotOf(watch)),
      ...this.#planner.state(),
    };
  }

  /**
   * Resumes the watches of a snapshot (typically from another process). Each
   * resumes with its remaining deadline; `watch(jobId)` on one shares its polling.
   * @returns each restored job's promise, already handled so ignoring it is safe.
   * @throws {TypeError} for a malformed snapshot, before anything is restored.
   */
  restore(snapshot: WatcherSnapshot): Map<string, Promise<Job>> {
    this.#assertOpen();
    assertSnapshot(snapshot);
    const watches = snapshot.watches.map((saved) => ({ saved, job: saved.job === undefined ? undefined : parseJob(saved.job) }));
    this.#planner.load(snapshot);
    const restored = new Map<string, Promise<Job>>();
    for (const { saved, job } of watches) restored.set(saved.jobId, this.#restoreWatch(saved, job));
    return restored;
  }

  /**
   * Graceful stop: no new polls; polls in flight finish (their answers still
   * settle watches); then every other watch rejects with `AbortError`. Idempotent.
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

  // ── watches and waiters ──────────────────────────────────────────────

  #watchFor(jobId: string, typeHint: string | undefined): Watch {
    const existing = this.#watches.get(jobId);
    if (existing !== undefined) {
      existing.jobType ??= typeHint;
      return existing;
    }
    const watch = new Watch(jobId, this.#clock.monotonicNow(), typeHint);
    this.#watches.set(jobId, watch);
    this.#planNext(watch);
    return watch;
  }

  /** Checks what a watch call was given; a rejected promise when it cannot go ahead. */
  #refuse<T>(jobIds: readonly string[], options: WatchOptions): Promise<T> | undefined {
    try {
      this.#assertOpen();
      for (const jobId of jobIds) assertSafeId('jobId', jobId);
      validateWatchOptions(options);
      throwIfAborted(options.signal);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new TypeError(String(error)));
    }
    return this.#stopped === undefined ? undefined : Promise.reject(this.#stopped);
  }

  /** A `watch()` caller, with its deadline in the heap and its signal listened to. */
  #waiter(watch: Watch, settle: Settle<Job>, deadline: number, timeout: number, throwOnFail: boolean, signal: AbortSignal | undefined): Waiter {
    const waiter = new Waiter(watch, settle, deadline, timeout, throwOnFail, signal);
    if (Number.isFinite(deadline)) this.#scheduler.scheduleDeadline(waiter, deadline);
    waiter.onAbort = listen(signal, () => this.#abortWaiter(waiter));
    return waiter;
  }

  #attach(subscriber: Subscriber): void {
    const { watch } = subscriber;
    watch.addWaiter(subscriber);
    this.#waiterCount += 1;
    // A sooner deadline may pull the planned poll in, so the last one lands before it.
    if (this.#scheduler.hasPoll(watch)) this.#scheduler.schedulePoll(watch, this.#beforeDeadline(watch, watch.dueAt));
  }

  /** Detaches a subscriber (already settled); drops the watch when nobody waits any more. Idempotent. */
  #detach(subscriber: Subscriber): void {
    const { watch } = subscriber;
    if (!watch.removeWaiter(subscriber)) return;
    this.#waiterCount -= 1;
    if (subscriber instanceof Waiter) {
      this.#scheduler.cancelDeadline(subscriber);
      unlisten(subscriber.signal, subscriber.onAbort);
      subscriber.onAbort = undefined;
    }
    if (watch.waiters === undefined) this.#removeWatch(watch);
  }

  /** A batch settled: its deadline and listener go, and so do its jobs nobody else watches. */
  #releaseGroup(group: WatchGroup): void {
    this.#scheduler.cancelDeadline(group);
    unlisten(group.signal, group.onAbort);
    group.onAbort = undefined;
    for (const slot of group.slots) this.#detach(slot);
  }

  #removeWatch(watch: Watch): void {
    if (this.#watches.get(watch.jobId) === watch) this.#watches.delete(watch.jobId);
    this.#scheduler.cancelPoll(watch);
    watch.request?.abort();
  }

  #abortWaiter(waiter: Waiter): void {
    waiter.reject(new AbortError('the watch was aborted', { cause: waiter.signal?.reason }));
    this.#detach(waiter);
  }

  #expire(entry: Waiter | WatchGroup): void {
    const pending = entry instanceof Waiter ? [entry] : entry.slots.filter((slot) => slot.watch.hasWaiter(slot));
    for (const { watch } of pending) this.#emit('timeout', { jobId: watch.jobId, timeout: entry.timeout, job: watch.job });
    const first = pending[0]!.watch;
    const error = new WatchTimeoutError(first.jobId, entry.timeout, first.job, first.status);
    if (entry instanceof Waiter) {
      entry.reject(error);
      this.#detach(entry);
    } else entry.fail(error);
  }

  /** Settles every subscriber of `watch` with `settle` and forgets the watch. */
  #settleWatch(watch: Watch, settle: (subscriber: Subscriber) => void): void {
    this.#removeWatch(watch);
    for (const subscriber of watch.waiterList()) {
      settle(subscriber);
      this.#detach(subscriber);
    }
  }

  // ── polling ──────────────────────────────────────────────────────────

  #inFlight(): number {
    return this.#limit.activeCount + this.#limit.pendingCount;
  }

  /** Capacity first (wait for a slot), then the throttle's pause and rate. */
  #gate(now: number): number {
    if (this.#shutdown.started || this.#inFlight() >= this.#allowedInFlight()) return Number.POSITIVE_INFINITY;
    return this.#throttle.acquire(now);
  }

  /**
   * One poll at a time until an answer shows the credentials work: with bad
   * AK/SK, `concurrency` polls due together would be `concurrency` bad
   * signatures, and five lock the key.
   */
  #allowedInFlight(): number {
    return this.#credentialsConfirmed ? this.#options.concurrency : 1;
  }

  #poll(watch: Watch): void {
    const controller = this.#controllers.pop() ?? new AbortController();
    watch.request = controller;
    watch.sentAt = this.#clock.monotonicNow();
    watch.polls += 1;
    this.#options.logger?.debug({ jobId: watch.jobId, poll: watch.polls, status: watch.status }, 'poll');
    this.#limit(this.#fetch, watch.jobId, controller.signal).then(
      (job) => this.#afterPoll(watch, controller, job, undefined),
      (error: unknown) => this.#afterPoll(watch, controller, undefined, error),
    );
  }

  /**
   * One poll; a reset keep-alive socket (stale on the server's side) is retried
   * at once, on a new connection. Longer retries go through the heap, not a
   * sleeping retry loop: that would hold a concurrency slot and a timer per job.
   * (A bound arrow and no per-poll closures: this runs a million times.)
   */
  readonly #fetch = (jobId: string, signal: AbortSignal, retried = false): Promise<Job> => {
    this.#counters.pollsSent += 1;
    const answer = this.#options.fetchJob(jobId, { signal });
    return retried ? answer : answer.catch((error: unknown) => (!signal.aborted && isStaleConnection(error) ? this.#fetch(jobId, signal, true) : Promise.reject(error as Error)));
  };

  /** A poll's outcome: `job`, or `error` when it failed. */
  #afterPoll(watch: Watch, controller: AbortController, job: Job | undefined, error: unknown): void {
    if (watch.request === controller) watch.request = undefined;
    // Controllers are reused (an AbortController costs ~4 µs, an eighth of a poll):
    // once the poll settled, nobody listens on its signal any more.
    if (!controller.signal.aborted && this.#controllers.length < this.#options.concurrency) this.#controllers.push(controller);
    const now = this.#clock.monotonicNow();
    this.#latency += (now - watch.sentAt - this.#latency) / 8;
    // An aborted poll belongs to a watch that is gone (settled, aborted, destroyed).
    if (!controller.signal.aborted && this.#watches.get(watch.jobId) === watch) {
      try {
        if (job === undefined) this.#onError(watch, error);
        else this.#onJob(watch, job);
      } catch (thrown) {
        this.#settleWatch(watch, (waiter) => waiter.reject(thrown));
      }
    }
    if (this.#inFlight() === 0) this.#drained?.();
    this.#scheduler.wake();
  }

  #onJob(watch: Watch, job: Job): void {
    if (job.jobId !== watch.jobId) {
      this.#onError(watch, new InvalidResponseError(`expected job ${watch.jobId}, got ${job.jobId.slice(0, 64)}`, { field: 'job_id' }));
      return;
    }
    this.#credentialsConfirmed = true;
    watch.errors = 0;
    watch.notFound = 0;
    const previous = watch.status;
    watch.observe(job);
    if (previous !== job.status) this.#emit('statusChange', { jobId: job.jobId, job, status: job.status, previous });
    this.#trackSubJobs(watch, job);
    if (!isFinalStatus(job.status)) {
      watch.confirmations = 0;
      this.#planNext(watch, job);
      return;
    }
    if (job.status === 'SUCCESS' && ++watch.confirmations < this.#options.successConfirmations) {
      this.#scheduler.schedulePoll(watch, this.#beforeDeadline(watch, this.#clock.monotonicNow() + this.#options.initialDelay));
      return;
    }
    this.#planner.finished(job);
    this.#finish(watch, job);
  }

  #finish(watch: Watch, job: Job): void {
    this.#counters.finished += 1;
    this.#counters.pollsOfFinished += watch.polls;
    const failed = job.status === 'FAIL';
    this.#emit(failed ? 'failed' : 'succeeded', { job });
    this.#emit('done', { job });
    this.#settleWatch(watch, (waiter) => (failed && waiter.throwOnFail ? waiter.reject(new JobFailedError(job)) : waiter.resolve(job)));
  }

  #onError(watch: Watch, error: unknown): void {
    const failure = classifyPollError(error);
    this.#counters.errors[failure.kind] += 1;
    if (failure.error instanceof HttpError && failure.action !== 'stop-all' && failure.action !== 'pause-all') this.#credentialsConfirmed = true;
    switch (failure.action) {
      case 'stop-all':
        this.#stopAll(failure.error);
        return;
      case 'pause-all':
        this.#onThrottled(watch, failure.error);
        return;
      case 'not-found':
        if (++watch.notFound > this.#options.notFoundChecks) this.#settleWatch(watch, (waiter) => waiter.reject(failure.error));
        else this.#retry(watch, failure.error, watch.notFound);
        return;
      case 'retry':
        this.#retry(watch, failure.error, ++watch.errors);
        return;
      case 'reject':
        this.#settleWatch(watch, (waiter) => waiter.reject(failure.error));
    }
  }

  /** Transient failure: jittered exponential delay, never past the watch's deadline (which rejects it, not this). */
  #retry(watch: Watch, error: EvsError, attempt: number): void {
    const { errorDelay, maxErrorDelay } = this.#options;
    const base = Math.min(maxErrorDelay, errorDelay * 2 ** Math.min(attempt - 1, 30));
    const retryIn = Math.round(base * (0.5 + 0.5 * this.#clock.random()));
    this.#emit('pollError', { jobId: watch.jobId, error, attempt, retryIn });
    this.#scheduler.schedulePoll(watch, this.#beforeDeadline(watch, this.#clock.monotonicNow() + retryIn));
  }

  #onThrottled(watch: Watch, error: ThrottledError): void {
    const now = this.#clock.monotonicNow();
    const decision = this.#throttle.throttled(now, watch.sentAt, error.retryAfter);
    if (decision.escalated) {
      this.#counters.throttlePauses += 1;
      this.#options.logger?.warn({ pause: decision.pause, rate: decision.rate, retryAfter: error.retryAfter }, 'throttled by the API: pausing all polls');
      this.#emit('throttled', { error, pause: decision.pause, retryAfter: error.retryAfter, rate: decision.rate });
    }
    this.#scheduler.schedulePoll(watch, Math.max(now, this.#throttle.pausedUntil));
  }

  /** Credentials refused: repeated bad signatures lock the key, so stop every poll now. */
  #stopAll(error: AuthError): void {
    this.#stopped = error;
    this.#options.logger?.warn({ status: error.status, code: error.serviceCode, requestId: error.requestId }, 'credentials refused: stopped polling');
    this.#emit('authFailed', { error });
    for (const watch of [...this.#watches.values()]) this.#settleWatch(watch, (waiter) => waiter.reject(error));
  }

  // ── planning ─────────────────────────────────────────────────────────

  #planNext(watch: Watch, job?: Job): void {
    const now = this.#clock.monotonicNow();
    const planned = now + this.#planner.delay(watch, job, now, this.#options.serverNow());
    const lastUseful = this.#lastUsefulPoll(watch);
    const at = beforeDeadline(planned, lastUseful, now);
    // The job is kept only when no poll remains before a deadline: it is then
    // the "last known job" of a WatchTimeoutError, and costs nothing meanwhile.
    watch.job = at >= lastUseful ? job : undefined;
    this.#scheduler.schedulePoll(watch, at);
  }

  /** Moves a planned poll to just before the earliest deadline when it would land after it. */
  #beforeDeadline(watch: Watch, at: number): number {
    return beforeDeadline(at, this.#lastUsefulPoll(watch), this.#clock.monotonicNow());
  }

  /** The latest time a poll's answer can still beat the earliest deadline. */
  #lastUsefulPoll(watch: Watch): number {
    const margin = Math.min(MAX_DEADLINE_MARGIN, Math.max(MIN_DEADLINE_MARGIN, 2 * this.#latency));
    return watch.earliestDeadline() - margin;
  }

  // ── sub-jobs ─────────────────────────────────────────────────────────

  /** Emits `subJobDone` exactly once per sub-job and `progress` when counts change; learns sub-job durations. */
  #trackSubJobs(watch: Watch, job: Job): void {
    const { subJobs } = job.entities;
    if (subJobs.length === 0) return;
    const batch = (watch.batch ??= { done: new Set(), failed: 0 });
    const { done } = batch;
    const before = done.size;
    for (const subJob of subJobs) {
      if (!isFinalStatus(subJob.status) || done.has(subJob.jobId)) continue;
      done.add(subJob.jobId);
      if (subJob.status === 'FAIL') batch.failed += 1;
      this.#planner.subJobDone(subJob);
      this.#emit('subJobDone', { subJob, parent: job, done: done.size, failed: batch.failed, total: subJobs.length });
    }
    if (done.size !== before) this.#emit('progress', { job, done: done.size, failed: batch.failed, total: subJobs.length });
  }

  // ── snapshot / restore ───────────────────────────────────────────────

  #snapshotOf(watch: Watch): WatchSnapshot {
    const waiters = watch.waiterList();
    const deadline = Math.max(...waiters.map((waiter) => waiter.deadline));
    const timeout = Math.max(...waiters.map((waiter) => waiter.timeout), 0);
    const lastJob = watch.job?.raw ?? compactWireJob(watch);
    return {
      jobId: watch.jobId,
      ...(lastJob !== undefined && { job: lastJob }),
      startedAt: this.#toWall(watch.startedAt),
      nextPollAt: this.#toWall(this.#scheduler.hasPoll(watch) ? watch.dueAt : this.#clock.monotonicNow()),
      ...(Number.isFinite(deadline) && { deadline: this.#toWall(deadline) }),
      timeout,
      throwOnFail: waiters.some((waiter) => waiter.throwOnFail),
      polls: watch.polls,
      errors: watch.errors,
      notFound: watch.notFound,
      confirmations: watch.confirmations,
      ...(watch.jobType !== undefined && { jobType: watch.jobType }),
      ...(watch.batch !== undefined && { subJobsDone: [...watch.batch.done], subJobsFailed: watch.batch.failed }),
    };
  }

  #restoreWatch(saved: WatchSnapshot, job: Job | undefined): Promise<Job> {
    const existing = this.#watches.get(saved.jobId);
    const watch = existing ?? new Watch(saved.jobId, this.#toMonotonic(saved.startedAt), saved.jobType);
    if (existing === undefined) {
      Object.assign(watch, { polls: saved.polls, errors: saved.errors, notFound: saved.notFound, confirmations: saved.confirmations });
      if (job !== undefined) watch.observe(job);
      if (saved.subJobsDone !== undefined) watch.batch = { done: new Set(saved.subJobsDone), failed: saved.subJobsFailed ?? 0 };
      this.#watches.set(saved.jobId, watch);
      this.#scheduler.schedulePoll(watch, Math.max(this.#clock.monotonicNow(), this.#toMonotonic(saved.nextPollAt)));
    }
    const promise = new Promise<Job>((resolve, reject) => {
      this.#attach(this.#waiter(watch, { resolve, reject }, saved.deadline === undefined ? Number.POSITIVE_INFINITY : this.#toMonotonic(saved.deadline), saved.timeout, saved.throwOnFail, undefined));
    });
    promise.catch(() => undefined);
    return promise;
  }

  /** A monotonic instant as wall-clock time, for a snapshot read by another process. */
  #toWall(monotonic: number): number {
    return monotonic + this.#clock.wallNow() - this.#clock.monotonicNow();
  }

  #toMonotonic(wall: number): number {
    return wall - this.#clock.wallNow() + this.#clock.monotonicNow();
  }

  // ── lifecycle ────────────────────────────────────────────────────────

  #assertOpen(): void {
    if (this.#shutdown.started) throw new ClosedError('JobWatcher');
  }

  async #stop(abort: boolean): Promise<void> {
    if (abort) {
      for (const watch of this.#watches.values()) watch.request?.abort();
      // A close() already waiting for polls in flight must not wait any more.
      // This used to just drop its resolver (`#drained = undefined` below)
      // before the aborted polls settled, so that close() never resolved.
      this.#drained?.();
    } else if (this.#inFlight() > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    this.#drained = undefined;
    this.#closedSnapshot ??= this.snapshot();
    const closed = new AbortError(abort ? 'the watcher was destroyed' : 'the watcher was closed');
    for (const watch of [...this.#watches.values()]) this.#settleWatch(watch, (waiter) => waiter.reject(closed));
    this.#scheduler.clear();
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

/** `at`, or `lastUseful` when `at` is later and there is still time for a poll then. */
function beforeDeadline(at: number, lastUseful: number, now: number): number {
  return at > lastUseful && lastUseful > now ? lastUseful : at;
}

/**
 * Listens for `signal` to abort, once; returns the listener, to remove it later.
 * Through the shared listener: a signal shared by many watches gets one, not one each.
 */
function listen(signal: AbortSignal | undefined, onAbort: () => void): (() => void) | undefined {
  if (signal === undefined) return undefined;
  addAbortListener(signal, onAbort);
  return onAbort;
}

function unlisten(signal: AbortSignal | undefined, onAbort: (() => void) | undefined): void {
  if (signal !== undefined && onAbort !== undefined) removeAbortListener(signal, onAbort);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('the watch was aborted', { cause: signal.reason });
}

function isStaleConnection(error: unknown): boolean {
  return error instanceof NetworkError && /ECONNRESET|UND_ERR_SOCKET|other side closed/.test(error.message);
}

/** What a snapshot keeps of a job the watcher no longer holds in full: enough to plan its next poll. */
function compactWireJob(watch: Watch): Record<string, unknown> | undefined {
  if (watch.status === undefined) return undefined;
  return {
    job_id: watch.jobId,
    job_type: watch.jobType ?? '',
    status: watch.status,
    ...(!Number.isNaN(watch.beginTime) && { begin_time: new Date(watch.beginTime).toISOString() }),
  };
}
