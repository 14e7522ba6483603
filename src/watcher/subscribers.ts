import type { Job } from '../model/job.js';
import type { HeapEntry } from '../schedule/timer-heap.js';
import type { Watch } from './watch.js';

/** Someone waiting for a watch to end: a `watch()` caller, or one job of a `watchAll()` batch. */
export interface Subscriber {
  readonly watch: Watch;
  /** Local time at which it times out; `Infinity` for never. */
  readonly deadline: number;
  /** The timeout it was given, in ms. */
  readonly timeout: number;
  readonly throwOnFail: boolean;
  resolve(job: Job): void;
  reject(error: unknown): void;
}

/** How a promise is settled. */
export interface Settle<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

/** One `watch()` caller: its own promise, deadline (in the deadline heap) and signal. */
export class Waiter implements HeapEntry, Subscriber {
  dueAt = 0;
  heapIndex = -1;
  readonly watch: Watch;
  readonly resolve: (job: Job) => void;
  readonly reject: (error: unknown) => void;
  readonly deadline: number;
  readonly timeout: number;
  readonly throwOnFail: boolean;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;

  constructor(watch: Watch, settle: Settle<Job>, deadline: number, timeout: number, throwOnFail: boolean, signal: AbortSignal | undefined) {
    this.watch = watch;
    this.resolve = settle.resolve;
    this.reject = settle.reject;
    this.deadline = deadline;
    this.timeout = timeout;
    this.throwOnFail = throwOnFail;
    this.signal = signal;
  }
}

/**
 * A `watchAll()` batch: ONE promise, deadline and signal listener for all its
 * jobs, so a million-job batch costs a slot per job, not a promise per job.
 * Settles like `Promise.all`: with every job, or with the first error — and
 * then the rest of the batch is released (no longer polled for it).
 */
export class WatchGroup implements HeapEntry {
  dueAt = 0;
  heapIndex = -1;
  readonly slots: GroupSlot[] = [];
  readonly deadline: number;
  readonly timeout: number;
  readonly throwOnFail: boolean;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  settled = false;
  readonly #results: Job[];
  #remaining: number;
  readonly #settle: Settle<Job[]>;
  readonly #release: (group: WatchGroup) => void;

  constructor(size: number, settle: Settle<Job[]>, options: { deadline: number; timeout: number; throwOnFail: boolean; signal: AbortSignal | undefined }, release: (group: WatchGroup) => void) {
    this.#results = new Array<Job>(size);
    this.#remaining = size;
    this.#settle = settle;
    this.#release = release;
    this.deadline = options.deadline;
    this.timeout = options.timeout;
    this.throwOnFail = options.throwOnFail;
    this.signal = options.signal;
  }

  fulfil(index: number, job: Job): void {
    if (this.settled) return;
    this.#results[index] = job;
    if (--this.#remaining > 0) return;
    this.settled = true;
    this.#release(this);
    this.#settle.resolve(this.#results);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#release(this);
    this.#settle.reject(error);
  }
}

/** One job of a {@link WatchGroup}. */
export class GroupSlot implements Subscriber {
  readonly group: WatchGroup;
  readonly index: number;
  readonly watch: Watch;

  constructor(group: WatchGroup, index: number, watch: Watch) {
    this.group = group;
    this.index = index;
    this.watch = watch;
  }

  get deadline(): number {
    return this.group.deadline;
  }

  get timeout(): number {
    return this.group.timeout;
  }

  get throwOnFail(): boolean {
    return this.group.throwOnFail;
  }

  resolve(job: Job): void {
    this.group.fulfil(this.index, job);
  }

  reject(error: unknown): void {
    this.group.fail(error);
  }
}
