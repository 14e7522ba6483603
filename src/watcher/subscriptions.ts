import { AbortError } from '../errors/request-errors.js';
import { WatchTimeoutError } from '../errors/watch-errors.js';
import { addAbortListener, removeAbortListener } from '../lifecycle/abort-listeners.js';
import type { Job } from '../model/job.js';
import { Deadline, WatchGroup, type Subscriber } from './subscribers.js';
import type { Watch } from './watch.js';

/** The final poll before a deadline goes out at least this long ahead of it (ms), so its answer can still count. */
const MIN_MARGIN = 50;
/** …and at most this long ahead of it (ms). */
export const MAX_MARGIN = 2_000;

/** What the subscriptions need from the watcher around them. */
export interface SubscriptionHooks {
  /** Local monotonic time, in ms. */
  now(): number;
  /** Recent poll latency, in ms (the final poll before a deadline leaves twice that early). */
  latency(): number;
  scheduleDeadline(entry: Deadline, at: number): void;
  cancelDeadline(entry: Deadline): void;
  /** A deadline of a subscriber of `watch` is near: poll it once more before `latest` (monotonic ms). */
  lastCall(watch: Watch, latest: number): void;
  /** Nobody waits for `watch` any more. */
  released(watch: Watch): void;
  /** A subscriber of `watch` timed out after `timeout` ms (it is already settled and detached). */
  timedOut(watch: Watch, timeout: number): void;
}

/**
 * Everyone waiting for a watch: attaching and detaching them, their deadlines
 * (a last-call wake-up, then expiry) and abort signals, and settling them.
 * Each of these is set up in `attach`/`track` and torn down in `detach`/`#release`, nowhere else.
 */
export class Subscriptions {
  readonly #hooks: SubscriptionHooks;
  #count = 0;

  constructor(hooks: SubscriptionHooks) {
    this.#hooks = hooks;
  }

  /** Subscribers attached now (several may share one watch). */
  get count(): number {
    return this.#count;
  }

  /** Starts timing `entry` and listening to its signal; `onAbort` runs once if the signal aborts. */
  track(entry: Deadline, onAbort: () => void): void {
    if (Number.isFinite(entry.deadline)) this.#hooks.scheduleDeadline(entry, Math.max(this.#hooks.now(), entry.deadline - MAX_MARGIN));
    if (entry.signal !== undefined) {
      entry.onAbort = onAbort;
      addAbortListener(entry.signal, onAbort);
    }
  }

  /** Adds `subscriber` to its watch (O(1), however many share it). */
  attach(subscriber: Subscriber): void {
    const { watch } = subscriber;
    const current = watch.subscribers;
    if (current === undefined) watch.subscribers = subscriber;
    else if (current instanceof Set) current.add(subscriber);
    else watch.subscribers = new Set([current, subscriber]);
    this.#count += 1;
  }

  /** Removes a (settled) subscriber; its own deadline and listener go with it, and the watch when nobody else waits. Idempotent. */
  detach(subscriber: Subscriber): void {
    const { watch } = subscriber;
    const current = watch.subscribers;
    if (current === subscriber) watch.subscribers = undefined;
    else if (!(current instanceof Set) || !current.delete(subscriber)) return;
    else if (current.size === 1) watch.subscribers = current.values().next().value;
    this.#count -= 1;
    if (subscriber instanceof Deadline) this.#release(subscriber);
    if (watch.subscribers === undefined) this.#hooks.released(watch);
  }

  /** Every subscriber of `watch`, as a fresh array (safe to settle while iterating). */
  list(watch: Watch): Subscriber[] {
    const current = watch.subscribers;
    if (current === undefined) return [];
    return current instanceof Set ? [...current] : [current];
  }

  /** The earliest deadline of `watch`'s subscribers (monotonic ms; `Infinity` for none). O(subscribers): read once per answer. */
  earliestDeadline(watch: Watch): number {
    return deadlineOf(watch, Math.min, Number.POSITIVE_INFINITY);
  }

  /** The latest deadline of `watch`'s subscribers (monotonic ms; `-Infinity` for none). O(subscribers). */
  latestDeadline(watch: Watch): number {
    return deadlineOf(watch, Math.max, Number.NEGATIVE_INFINITY);
  }

  /** Settles every subscriber of `watch` with its final job and detaches them. */
  finish(watch: Watch, job: Job): void {
    for (const subscriber of this.list(watch)) {
      subscriber.finish(job);
      this.detach(subscriber);
    }
  }

  /** Settles every subscriber of `watch` with `error` and detaches them. */
  fail(watch: Watch, error: unknown): void {
    for (const subscriber of this.list(watch)) {
      subscriber.fail(error);
      this.detach(subscriber);
    }
  }

  /** A batch settled: its deadline and listener go, and so do its jobs nobody else watches. */
  releaseGroup(group: WatchGroup): void {
    this.#release(group);
    for (const slot of group.slots) this.detach(slot);
  }

  /** A subscriber's own signal aborted. */
  abort(entry: Deadline): void {
    const error = new AbortError('the watch was aborted', { cause: entry.signal?.reason });
    if (entry instanceof WatchGroup) entry.fail(error);
    else this.#settle(entry.pending(), error);
  }

  /** A deadline entry came due: plan the final poll, or time its subscribers out. */
  due(entry: Deadline): void {
    const now = this.#hooks.now();
    if (entry.phase === 'early') {
      entry.phase = 'lastCall';
      const margin = Math.min(MAX_MARGIN, Math.max(MIN_MARGIN, 2 * this.#hooks.latency()));
      if (entry.deadline - margin > now) {
        this.#hooks.scheduleDeadline(entry, entry.deadline - margin);
        return;
      }
    }
    if (entry.phase === 'lastCall') {
      entry.phase = 'expire';
      const latest = Math.max(now, entry.deadline - MIN_MARGIN);
      for (const subscriber of entry.pending()) this.#hooks.lastCall(subscriber.watch, latest);
      if (entry.deadline > now) {
        this.#hooks.scheduleDeadline(entry, entry.deadline);
        return;
      }
    }
    this.#expire(entry);
  }

  #expire(entry: Deadline): void {
    const pending = entry.pending();
    if (pending.length === 0) return;
    if (entry instanceof WatchGroup && entry.mode === 'first-error') {
      const first = pending[0]!.watch;
      entry.fail(new WatchTimeoutError(first.jobId, entry.timeout, first.lastJob, first.status));
    } else {
      for (const subscriber of pending) {
        const { watch } = subscriber;
        subscriber.fail(new WatchTimeoutError(watch.jobId, entry.timeout, watch.lastJob, watch.status));
        this.detach(subscriber);
      }
    }
    for (const { watch } of pending) this.#hooks.timedOut(watch, entry.timeout);
  }

  #settle(subscribers: readonly Subscriber[], error: unknown): void {
    for (const subscriber of subscribers) {
      subscriber.fail(error);
      this.detach(subscriber);
    }
  }

  #release(entry: Deadline): void {
    this.#hooks.cancelDeadline(entry);
    if (entry.signal !== undefined && entry.onAbort !== undefined) removeAbortListener(entry.signal, entry.onAbort);
    entry.onAbort = undefined;
  }
}

/** One of `watch`'s subscribers' deadlines, as `pick` (min or max) chooses; `none` without subscribers. */
function deadlineOf(watch: Watch, pick: (a: number, b: number) => number, none: number): number {
  const current = watch.subscribers;
  if (current === undefined) return none;
  if (!(current instanceof Set)) return current.timer.deadline;
  let chosen = none;
  for (const subscriber of current) chosen = pick(chosen, subscriber.timer.deadline);
  return chosen;
}
