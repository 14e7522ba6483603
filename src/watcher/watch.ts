import type { Job } from '../model/job.js';
import type { HeapEntry } from '../schedule/timer-heap.js';

/** One caller waiting on a watch: its own deadline, signal and failure mode. */
export class Waiter implements HeapEntry {
  dueAt = 0;
  heapIndex = -1;
  readonly watch: Watch;
  readonly resolve: (job: Job) => void;
  readonly reject: (error: unknown) => void;
  /** Local time at which it times out; `Infinity` for never. */
  readonly deadline: number;
  /** The timeout it was given, in ms. */
  readonly timeout: number;
  readonly throwOnFail: boolean;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;

  constructor(watch: Watch, settle: { resolve: (job: Job) => void; reject: (error: unknown) => void }, deadline: number, timeout: number, throwOnFail: boolean, signal: AbortSignal | undefined) {
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
 * The polling state of one job id, shared by every caller watching it. Kept
 * small: a watcher may hold a million of these.
 */
export class Watch implements HeapEntry {
  dueAt = 0;
  heapIndex = -1;
  readonly jobId: string;
  /** Local time the watch began; the job's start until an answer says otherwise. */
  readonly startedAt: number;
  /** The type the caller said the job has, until an answer says. */
  typeHint: string | undefined;
  /** The last job read. */
  job: Job | undefined;
  polls = 0;
  /** Consecutive failed polls. */
  errors = 0;
  /** Consecutive "no such job" answers. */
  notFound = 0;
  /** Consecutive SUCCESS answers. */
  confirmations = 0;
  /** Local time the poll in flight was sent. */
  sentAt = 0;
  /** Aborts the poll in flight; present only while one is. */
  request: AbortController | undefined;
  /** Ids of sub-jobs already reported done, for batch jobs only. */
  subJobsDone: Set<string> | undefined;
  /** Sub-jobs reported as FAIL, for batch jobs only. */
  subJobsFailed = 0;
  /** Single waiter (the common case) or several. */
  waiters: Waiter | Waiter[] | undefined;

  constructor(jobId: string, startedAt: number, typeHint: string | undefined) {
    this.jobId = jobId;
    this.startedAt = startedAt;
    this.typeHint = typeHint;
  }

  addWaiter(waiter: Waiter): void {
    if (this.waiters === undefined) this.waiters = waiter;
    else if (Array.isArray(this.waiters)) this.waiters.push(waiter);
    else this.waiters = [this.waiters, waiter];
  }

  removeWaiter(waiter: Waiter): void {
    if (this.waiters === waiter) this.waiters = undefined;
    else if (Array.isArray(this.waiters)) {
      const rest = this.waiters.filter((other) => other !== waiter);
      this.waiters = rest.length === 1 ? rest[0] : rest.length === 0 ? undefined : rest;
    }
  }

  /** Every waiter, as a fresh array (safe to settle while iterating). */
  waiterList(): Waiter[] {
    if (this.waiters === undefined) return [];
    return Array.isArray(this.waiters) ? [...this.waiters] : [this.waiters];
  }

  /** The earliest deadline of its waiters, local ms; `Infinity` if none. */
  earliestDeadline(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const waiter of this.waiterList()) earliest = Math.min(earliest, waiter.deadline);
    return earliest;
  }
}
