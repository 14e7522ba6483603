import { JobFailedError } from '../errors/watch-errors.js';
import type { Job } from '../model/job.js';
import type { HeapEntry } from '../schedule/timer-heap.js';
import type { Watch } from './watch.js';

/** Someone waiting for a watch to end: a `watch()` caller, an `add()` subscription, or one job of a `watchAll()` batch. */
export interface Subscriber {
  readonly watch: Watch;
  /** The deadline entry it is timed by (its own, or its batch's). */
  readonly timer: Deadline;
  /** Whether a FAIL rejects it. */
  readonly throwOnFail: boolean;
  /** Settles with the job's final answer (a FAIL rejects under `throwOnFail`). Idempotent. */
  finish(job: Job): void;
  /** Settles with an error. Idempotent. */
  fail(error: unknown): void;
}

/** How a promise is settled. */
export interface Settle<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

/** Where a deadline entry stands: first a wake-up to plan the final poll, then the last call itself, then expiry. */
export type DeadlinePhase = 'early' | 'lastCall' | 'expire';

/** What a deadline entry was given. */
export interface DeadlineOptions {
  /** Monotonic time it expires at; `Infinity` for never. */
  readonly deadline: number;
  /** The timeout it was given, in ms. */
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
}

/** A timed subscription in the scheduler's deadline heap, with its abort signal. */
export abstract class Deadline implements HeapEntry {
  heapSlot = -1;
  phase: DeadlinePhase = 'early';
  readonly deadline: number;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  /** The abort listener registered on `signal`, while one is. */
  onAbort: (() => void) | undefined;

  constructor(options: DeadlineOptions) {
    this.deadline = options.deadline;
    this.timeout = options.timeout;
    this.signal = options.signal;
  }

  /** The subscribers this deadline times: itself, or a batch's unsettled jobs. */
  abstract pending(): Subscriber[];
}

/** One `watch()` caller: its own promise, deadline and signal. */
export class Waiter extends Deadline implements Subscriber {
  readonly watch: Watch;
  readonly throwOnFail: boolean;
  readonly #resolve: (job: Job) => void;
  readonly #reject: (error: unknown) => void;
  #settled = false;

  constructor(watch: Watch, settle: Settle<Job>, throwOnFail: boolean, options: DeadlineOptions) {
    super(options);
    this.watch = watch;
    this.#resolve = settle.resolve;
    this.#reject = settle.reject;
    this.throwOnFail = throwOnFail;
  }

  get timer(): Deadline {
    return this;
  }

  pending(): Subscriber[] {
    return this.#settled ? [] : [this];
  }

  finish(job: Job): void {
    if (job.status === 'FAIL' && this.throwOnFail) this.fail(new JobFailedError(job));
    else if (!this.#settled) {
      this.#settled = true;
      this.#resolve(job);
    }
  }

  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}

/** One `add()` subscription: no promise; its end is reported by events only. */
export class Listener extends Deadline implements Subscriber {
  readonly watch: Watch;
  readonly throwOnFail = false;
  #settled = false;

  constructor(watch: Watch, options: DeadlineOptions) {
    super(options);
    this.watch = watch;
  }

  get timer(): Deadline {
    return this;
  }

  pending(): Subscriber[] {
    return this.#settled ? [] : [this];
  }

  finish(): void {
    this.#settled = true;
  }

  fail(): void {
    this.#settled = true;
  }
}

/** How a `watchAll()` batch settles: like `Promise.all` (first error) or like `Promise.allSettled` (every result). */
export type SettleMode = 'first-error' | 'all';

/**
 * A `watchAll()` batch: ONE promise, deadline and signal listener for all its
 * jobs, so a million-job batch costs a slot per job, not a promise per job.
 */
export class WatchGroup extends Deadline {
  readonly slots: GroupSlot[] = [];
  readonly throwOnFail: boolean;
  readonly mode: SettleMode;
  settled = false;
  readonly #results: (Job | PromiseSettledResult<Job>)[];
  #remaining: number;
  readonly #settle: Settle<Job[]> | Settle<PromiseSettledResult<Job>[]>;
  readonly #release: (group: WatchGroup) => void;

  constructor(
    size: number,
    settle: Settle<Job[]> | Settle<PromiseSettledResult<Job>[]>,
    options: DeadlineOptions & { readonly throwOnFail: boolean; readonly mode: SettleMode },
    release: (group: WatchGroup) => void,
  ) {
    super(options);
    this.#results = new Array<Job>(size);
    this.#remaining = size;
    this.#settle = settle;
    this.#release = release;
    this.throwOnFail = options.throwOnFail;
    this.mode = options.mode;
  }

  pending(): Subscriber[] {
    return this.settled ? [] : this.slots.filter((slot) => !this.isSettled(slot.index));
  }

  /** Whether slot `index` has its outcome (or the whole batch has settled). */
  isSettled(index: number): boolean {
    return this.settled || this.#results[index] !== undefined;
  }

  /** Slot `index` ended with its job. */
  fulfil(index: number, job: Job): void {
    if (this.isSettled(index)) return;
    this.#results[index] = this.mode === 'all' ? { status: 'fulfilled', value: job } : job;
    this.#settledOne();
  }

  /** Slot `index` ended with an error: the whole batch, or just that slot under `settle: 'all'`. */
  reject(index: number, error: unknown): void {
    if (this.isSettled(index)) return;
    if (this.mode === 'first-error') {
      this.fail(error);
      return;
    }
    this.#results[index] = { status: 'rejected', reason: error };
    this.#settledOne();
  }

  /** The whole batch rejects (its signal aborted, or a job failed in `first-error` mode). */
  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#release(this);
    this.#settle.reject(error);
  }

  #settledOne(): void {
    if (--this.#remaining > 0) return;
    this.settled = true;
    this.#release(this);
    (this.#settle.resolve as (results: (Job | PromiseSettledResult<Job>)[]) => void)(this.#results);
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

  get timer(): Deadline {
    return this.group;
  }

  get throwOnFail(): boolean {
    return this.group.throwOnFail;
  }

  finish(job: Job): void {
    if (job.status === 'FAIL' && this.group.throwOnFail) this.group.reject(this.index, new JobFailedError(job));
    else this.group.fulfil(this.index, job);
  }

  fail(error: unknown): void {
    this.group.reject(this.index, error);
  }
}
