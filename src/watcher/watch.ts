import type { Job } from '../model/job.js';
import type { HeapEntry } from '../schedule/timer-heap.js';
import type { Subscriber } from './subscribers.js';

/** Sub-job bookkeeping of a batch job, so `subJobDone` fires exactly once per sub-job. */
export interface BatchProgress {
  /** Ids of sub-jobs already reported done. */
  readonly done: Set<string>;
  /** How many of those FAILed. */
  failed: number;
}

/**
 * The polling state of one job id, shared by every caller watching it. Kept
 * small, a watcher may hold a million of these: the last job's status, type
 * and begin time, not the job itself (that is ~1 KB parsed).
 */
export class Watch implements HeapEntry {
  dueAt = 0;
  heapIndex = -1;
  readonly jobId: string;
  /** Local time the watch began; the job's start until an answer says otherwise. */
  readonly startedAt: number;
  /** The job's type from the last answer, or the caller's hint before one. */
  jobType: string | undefined;
  /** The last status seen. */
  status: string | undefined;
  /** The job's `begin_time`, in ms on the server's clock; NaN until known. */
  beginTime = Number.NaN;
  /** The last job read, kept only once no poll remains before a deadline (for `WatchTimeoutError.job`). */
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
  /** For batch jobs only. */
  batch: BatchProgress | undefined;
  /** Who waits for it: one subscriber (the common case) or several. */
  waiters: Subscriber | Subscriber[] | undefined;

  constructor(jobId: string, startedAt: number, jobType: string | undefined) {
    this.jobId = jobId;
    this.startedAt = startedAt;
    this.jobType = jobType;
  }

  /** Records what an answer said. */
  observe(job: Job): void {
    this.jobType = intern(job.jobType) || this.jobType;
    this.status = intern(job.status);
    this.beginTime = job.beginTime?.getTime() ?? Number.NaN;
  }

  addWaiter(waiter: Subscriber): void {
    if (this.waiters === undefined) this.waiters = waiter;
    else if (Array.isArray(this.waiters)) this.waiters.push(waiter);
    else this.waiters = [this.waiters, waiter];
  }

  /** Returns whether `waiter` was there (removing twice is harmless). */
  removeWaiter(waiter: Subscriber): boolean {
    if (this.waiters === waiter) {
      this.waiters = undefined;
      return true;
    }
    if (!Array.isArray(this.waiters) || !this.waiters.includes(waiter)) return false;
    const rest = this.waiters.filter((other) => other !== waiter);
    this.waiters = rest.length === 1 ? rest[0] : rest;
    return true;
  }

  /** Every waiter, as a fresh array (safe to settle while iterating). */
  waiterList(): Subscriber[] {
    if (this.waiters === undefined) return [];
    return Array.isArray(this.waiters) ? [...this.waiters] : [this.waiters];
  }

  /** Whether `waiter` still waits on this watch. */
  hasWaiter(waiter: Subscriber): boolean {
    return this.waiters === waiter || (Array.isArray(this.waiters) && this.waiters.includes(waiter));
  }

  /** The earliest deadline of its waiters, local ms; `Infinity` if none. Read on every poll: no copy of the list. */
  earliestDeadline(): number {
    const { waiters } = this;
    if (waiters === undefined) return Number.POSITIVE_INFINITY;
    if (!Array.isArray(waiters)) return waiters.deadline;
    let earliest = Number.POSITIVE_INFINITY;
    for (const waiter of waiters) earliest = Math.min(earliest, waiter.deadline);
    return earliest;
  }
}

/** Distinct strings interned; a broken server sending random statuses must not grow memory. */
const MAX_INTERNED = 256;
const interned = new Map<string, string>();

/**
 * One copy of each status and type string for all watches: every parsed
 * answer brings fresh copies, and a million watches would keep a million each.
 */
function intern(text: string): string {
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (interned.size < MAX_INTERNED) interned.set(text, text);
  return text;
}
