import { boundDelay, type Clock, type TimerHandle } from '../clock/clock.js';
import { TimerHeap, type HeapEntry } from './timer-heap.js';

/** What the scheduler calls back into. */
export interface SchedulerHandlers<P extends HeapEntry, D extends HeapEntry> {
  /** A poll is due and the gate let it through. */
  poll(entry: P): void;
  /** A deadline passed. Deadlines are never gated: a timeout fires on time even when every slot is busy. */
  expire(entry: D): void;
  /**
   * Asks to start one request now: 0 = go (capacity taken), a finite number =
   * ms to wait, `Infinity` = wait until {@link PollScheduler.wake} is called.
   */
  gate(now: number): number;
}

/**
 * Every job's next poll and every watch's deadline, in two heaps behind ONE
 * timer armed for the earliest of them: 100 000 watched jobs cost two heap
 * slots each, not 100 000 pending `setTimeout`s.
 */
export class PollScheduler<P extends HeapEntry, D extends HeapEntry> {
  readonly #clock: Clock;
  readonly #handlers: SchedulerHandlers<P, D>;
  readonly #polls = new TimerHeap<P>();
  readonly #deadlines = new TimerHeap<D>();
  #timer: TimerHandle;
  #armedAt = Number.POSITIVE_INFINITY;
  #pumping = false;
  #pumpQueued = false;

  constructor(clock: Clock, handlers: SchedulerHandlers<P, D>) {
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

  /** Plans (or moves) `entry`'s poll at local time `at`. */
  schedulePoll(entry: P, at: number): void {
    this.#polls.push(entry, at);
    this.#nudge(at);
  }

  /** Plans (or moves) a deadline at local time `at`. */
  scheduleDeadline(entry: D, at: number): void {
    this.#deadlines.push(entry, at);
    this.#nudge(at);
  }

  cancelPoll(entry: P): void {
    this.#polls.delete(entry);
    this.#disarmIfEmpty();
  }

  cancelDeadline(entry: D): void {
    this.#deadlines.delete(entry);
    this.#disarmIfEmpty();
  }

  hasPoll(entry: P): boolean {
    return this.#polls.has(entry);
  }

  /** Every planned poll entry (heap order). */
  polls(): IterableIterator<P> {
    return this.#polls.values();
  }

  /** Capacity freed up (a poll finished): let due polls through. */
  wake(): void {
    this.#queuePump();
  }

  /** Drops every entry and the timer. */
  clear(): void {
    while (this.#polls.pop()) {
      /* drained */
    }
    while (this.#deadlines.pop()) {
      /* drained */
    }
    this.#disarm();
  }

  #nudge(at: number): void {
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
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const now = this.#clock.monotonicNow();
      this.#expireDue(now);
      const gateWait = this.#startDue(now);
      const nextPoll = this.#polls.peek()?.dueAt ?? Number.POSITIVE_INFINITY;
      const nextDeadline = this.#deadlines.peek()?.dueAt ?? Number.POSITIVE_INFINITY;
      const pollWake = nextPoll <= now ? now + gateWait : nextPoll;
      const wakeAt = Math.min(pollWake, nextDeadline);
      // Re-arm only for an earlier wake: a timer that fires early just pumps
      // again, while re-arming after every poll cost a timer per poll.
      if (wakeAt < this.#armedAt) this.#arm(wakeAt);
      else this.#disarmIfEmpty();
    } finally {
      this.#pumping = false;
    }
  }

  #expireDue(now: number): void {
    for (let entry = this.#deadlines.peek(); entry !== undefined && entry.dueAt <= now; entry = this.#deadlines.peek()) {
      this.#deadlines.pop();
      this.#handlers.expire(entry);
    }
  }

  /** Starts due polls while the gate allows; returns how long the gate asked to wait (0 if nothing is due). */
  #startDue(now: number): number {
    for (let entry = this.#polls.peek(); entry !== undefined && entry.dueAt <= now; entry = this.#polls.peek()) {
      const wait = this.#handlers.gate(now);
      if (wait > 0) return wait;
      this.#polls.pop();
      this.#handlers.poll(entry);
    }
    return 0;
  }

  #arm(at: number): void {
    if (!Number.isFinite(at)) return;
    this.#disarm();
    this.#armedAt = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#armedAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, boundDelay(at - this.#clock.monotonicNow()));
  }

  /**
   * Nothing left to wait for: drop the timer. Cancelling (an aborted watch) used
   * to leave it armed for the cancelled time, and clock timers are ref'd, so the
   * process was kept alive up to `maxDelay` (or a 2 h deadline) for nothing.
   */
  #disarmIfEmpty(): void {
    if (this.#polls.size === 0 && this.#deadlines.size === 0) this.#disarm();
  }

  /** `#armedAt` is finite exactly while a timer is pending. */
  #disarm(): void {
    if (Number.isFinite(this.#armedAt)) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = Number.POSITIVE_INFINITY;
  }
}
