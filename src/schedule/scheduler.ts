import { boundDelay, type Clock, type TimerHandle } from '../clock/clock.js';
import { TimerHeap, type HeapEntry } from './timer-heap.js';

/** What the scheduler calls back into. */
export interface SchedulerHandlers<P extends HeapEntry, D extends HeapEntry, T extends HeapEntry> {
  /** A poll is due and the gate let it through. */
  poll(entry: P): void;
  /** A deadline came due. Deadlines are never gated: a timeout fires on time even when every slot is busy. */
  expire(entry: D): void;
  /** A request in flight ran past its time limit. Never gated either. */
  timeout(entry: T): void;
  /**
   * Asks to start one request now: 0 = go (capacity taken), a finite number =
   * ms to wait, `Infinity` = wait until {@link PollScheduler.wake} is called.
   */
  gate(now: number): number;
}

/**
 * Every job's next poll, every watch's deadline and every request's time
 * limit, in three heaps behind ONE timer armed for the earliest of them:
 * 100 000 watched jobs cost heap slots, not 100 000 pending `setTimeout`s.
 * Times are monotonic ms of the injected clock.
 */
export class PollScheduler<P extends HeapEntry, D extends HeapEntry, T extends HeapEntry> {
  readonly #clock: Clock;
  readonly #handlers: SchedulerHandlers<P, D, T>;
  readonly #polls = new TimerHeap<P>();
  readonly #deadlines = new TimerHeap<D>();
  readonly #timeouts = new TimerHeap<T>();
  #timer: TimerHandle;
  #armedAt = Number.POSITIVE_INFINITY;
  #pumping = false;
  #pumpQueued = false;
  #closed = false;

  constructor(clock: Clock, handlers: SchedulerHandlers<P, D, T>) {
    this.#clock = clock;
    this.#handlers = handlers;
  }

  /** Polls waiting in the heap (not in flight). */
  get pending(): number {
    return this.#polls.size;
  }

  /** Deadlines waiting in the heap. */
  get deadlines(): number {
    return this.#deadlines.size;
  }

  /** Whether a timer is armed. */
  get armed(): boolean {
    return Number.isFinite(this.#armedAt);
  }

  /** Plans (or moves) `entry`'s poll at `at`. Ignored once closed. */
  schedulePoll(entry: P, at: number): void {
    if (this.#closed) return;
    this.#polls.push(entry, at);
    this.#nudge(at);
  }

  /** Plans (or moves) a deadline at `at`. Ignored once closed. */
  scheduleDeadline(entry: D, at: number): void {
    if (this.#closed) return;
    this.#deadlines.push(entry, at);
    this.#nudge(at);
  }

  /** Plans (or moves) a request's time limit at `at`. Ignored once closed. */
  scheduleTimeout(entry: T, at: number): void {
    if (this.#closed) return;
    this.#timeouts.push(entry, at);
    this.#nudge(at);
  }

  cancelPoll(entry: P): void {
    if (this.#polls.delete(entry)) this.#disarmIfEmpty();
  }

  cancelDeadline(entry: D): void {
    if (this.#deadlines.delete(entry)) this.#disarmIfEmpty();
  }

  cancelTimeout(entry: T): void {
    if (this.#timeouts.delete(entry)) this.#disarmIfEmpty();
  }

  hasPoll(entry: P): boolean {
    return this.#polls.has(entry);
  }

  /** When `entry`'s poll is planned, in monotonic ms; NaN when none is. */
  pollDueAt(entry: P): number {
    return this.#polls.keyOf(entry);
  }

  /** Every planned poll entry (heap order). */
  polls(): IterableIterator<P> {
    return this.#polls.values();
  }

  /** Capacity freed up (a poll finished): let due polls through. */
  wake(): void {
    if (!this.#closed) this.#queuePump();
  }

  /** Drops every entry and the timer, and ignores every later schedule call. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#polls.clear();
    this.#deadlines.clear();
    this.#timeouts.clear();
    this.#disarm();
  }

  /** Entries scheduled while pumping are seen by the pump's own re-arm: no timer (nor pump) per poll started. */
  #nudge(at: number): void {
    if (this.#pumping) return;
    if (at <= this.#clock.monotonicNow()) this.#queuePump();
    else if (at < this.#armedAt) this.#arm(at);
  }

  /** Coalesces many schedule calls in one turn into one pump. */
  #queuePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      const now = this.#clock.monotonicNow();
      this.#fireDue(this.#timeouts, now, (entry) => this.#handlers.timeout(entry));
      this.#fireDue(this.#deadlines, now, (entry) => this.#handlers.expire(entry));
      const gateWait = this.#startDue(now);
      if (this.#closed) return;
      const nextPoll = this.#polls.peekKey();
      const pollWake = nextPoll <= now ? now + gateWait : nextPoll;
      const wakeAt = Math.min(pollWake, this.#deadlines.peekKey(), this.#timeouts.peekKey());
      // Re-arm only for an earlier wake: a timer that fires early just pumps again.
      if (wakeAt < this.#armedAt) this.#arm(wakeAt);
      else this.#disarmIfEmpty();
    } finally {
      this.#pumping = false;
    }
  }

  #fireDue<E extends HeapEntry>(heap: TimerHeap<E>, now: number, handler: (entry: E) => void): void {
    while (!this.#closed && heap.peekKey() <= now) handler(heap.pop()!);
  }

  /** Starts due polls while the gate allows; returns how long the gate asked to wait (0 if nothing is due). */
  #startDue(now: number): number {
    while (!this.#closed && this.#polls.peekKey() <= now) {
      const wait = this.#handlers.gate(now);
      if (wait > 0) return wait;
      this.#handlers.poll(this.#polls.pop()!);
    }
    return 0;
  }

  #arm(at: number): void {
    if (!Number.isFinite(at) || this.#closed) return;
    this.#disarm();
    this.#armedAt = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#armedAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, boundDelay(at - this.#clock.monotonicNow()));
  }

  /** Nothing left to wait for: drop the timer, which would keep the process alive for nothing. */
  #disarmIfEmpty(): void {
    if (this.#polls.size === 0 && this.#deadlines.size === 0 && this.#timeouts.size === 0) this.#disarm();
  }

  /** `#armedAt` is finite exactly while a timer is pending. */
  #disarm(): void {
    if (Number.isFinite(this.#armedAt)) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = Number.POSITIVE_INFINITY;
  }
}
