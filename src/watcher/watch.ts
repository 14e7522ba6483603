import { isFinalStatus, PENDING_PAYMENT, type Job } from '../model/job.js';
import type { HeapEntry } from '../schedule/timer-heap.js';
import type { Interner } from './interner.js';
import type { Subscriber } from './subscribers.js';

/** A poll in flight, as a watch holds it: something to abort. */
export interface PollHandle {
  abort(reason?: unknown): void;
}

/** What an answer means for a watch: still going, an order awaiting payment, SUCCESS awaiting confirmation, or done. */
export type AnswerState = 'running' | 'pending-payment' | 'confirming' | 'final';

/** Sub-jobs of a batch job that an answer showed finished for the first time, with the counts after it. */
export interface SubJobProgress {
  /** Sub-jobs newly seen SUCCESS or FAIL, each once per distinct id. */
  readonly finished: readonly Job[];
  /** Distinct sub-jobs finished so far. */
  readonly done: number;
  /** Of those, the ones that FAILed. */
  readonly failed: number;
  /** Distinct sub-job ids listed. */
  readonly total: number;
}

/** What a watch remembers across processes (see the snapshot). */
export interface WatchRecord {
  readonly jobId: string;
  readonly jobType: string | undefined;
  readonly status: string | undefined;
  /** `begin_time`, ms since the epoch on the server's clock; NaN when unknown. */
  readonly beginTime: number;
  /** How long the job has run, in ms (an estimate until an answer anchors it). */
  readonly elapsed: number;
  readonly polls: number;
  readonly errors: number;
  readonly notFound: number;
  readonly confirmations: number;
  readonly subJobsDone: readonly string[] | undefined;
  readonly subJobsFailed: number;
}

const ANCHORED = 1;
const KEEP_JOB = 2;
/** An answer said PENDING_PAYMENT: its age then counts from when it was seen running, and its duration teaches nothing. */
const PAYMENT_SEEN = 4;
const PENDING_NOW = 8;
/** Its engine forgot it (it finished, failed, or nobody waits any more); a new watch of the id is another object. */
const ENDED = 16;

/**
 * The polling state of one job id, shared by every caller watching it, and the
 * only place that state changes: through the `record…` transitions below.
 * Kept small, a watcher may hold a million of these: the last status, type
 * and begin time, not the parsed job (that is ~1 KB).
 */
export class Watch implements HeapEntry {
  /** Owned by the scheduler's heaps. */
  heapSlot = -1;
  /** Owned by the planner: where its learner counts this job as running (−1: nowhere). */
  runningSlot = -1;
  readonly jobId: string;
  /** Who waits for it: one subscriber (the common case) or several; managed by `Subscriptions`. */
  subscribers: Subscriber | Set<Subscriber> | undefined;
  #jobType: string | undefined;
  #status: string | undefined;
  #beginTime = Number.NaN;
  /** Monotonic instant the job began: a guess until an answer anchors it, then fixed (a wall-clock step cannot move it). */
  #beganAt: number;
  /** ANCHORED, KEEP_JOB, PAYMENT_SEEN, PENDING_NOW, ENDED. */
  #flags = 0;
  /** The job's age at the last answer, in whole ms (a small integer, not a boxed double). */
  #seenAge = 0;
  #polls = 0;
  #errors = 0;
  #notFound = 0;
  #confirmations = 0;
  #lastJob: Job | undefined;
  #batch: { readonly done: Set<string>; failed: number } | undefined;
  #request: PollHandle | undefined;

  constructor(jobId: string, beganAt: number, jobType: string | undefined) {
    this.jobId = jobId;
    this.#beganAt = beganAt;
    this.#jobType = jobType;
  }

  /** Resumes a watch saved by another process; `now` is the local monotonic time. */
  static restore(record: WatchRecord, now: number): Watch {
    const watch = new Watch(record.jobId, now - record.elapsed, record.jobType);
    watch.#status = record.status;
    watch.#beginTime = record.beginTime;
    if (record.status !== undefined) watch.#flags |= ANCHORED;
    if (record.status === PENDING_PAYMENT) watch.#flags |= PAYMENT_SEEN | PENDING_NOW;
    watch.#polls = record.polls;
    watch.#errors = record.errors;
    watch.#notFound = record.notFound;
    watch.#confirmations = record.confirmations;
    if (record.subJobsDone !== undefined) watch.#batch = { done: new Set(record.subJobsDone), failed: record.subJobsFailed };
    return watch;
  }

  /** The job's type from the last answer, or the caller's hint before one. */
  get jobType(): string | undefined {
    return this.#jobType;
  }

  /** The last status seen. */
  get status(): string | undefined {
    return this.#status;
  }

  /** Polls sent so far. */
  get polls(): number {
    return this.#polls;
  }

  /** `begin_time`, ms since the epoch on the server's clock; NaN until an answer gave it. */
  get beginTime(): number {
    return this.#beginTime;
  }

  /** Whether an answer ever said PENDING_PAYMENT: the job's `end_time − begin_time` then includes time spent unpaid. */
  get waitedForPayment(): boolean {
    return (this.#flags & PAYMENT_SEEN) !== 0;
  }

  /** Whether an answer has shown the job (so its age is anchored to its `begin_time`). */
  get seen(): boolean {
    return (this.#flags & ANCHORED) !== 0;
  }

  /** The last job read, kept once a deadline is near or SUCCESS awaits confirmation (for `WatchTimeoutError.job`). */
  get lastJob(): Job | undefined {
    return this.#lastJob;
  }

  /** Whether its engine forgot it. */
  get ended(): boolean {
    return (this.#flags & ENDED) !== 0;
  }

  /** Its engine forgets it: from now on no answer or failure counts for it. */
  end(): void {
    this.#flags |= ENDED;
  }

  /** Whether answers listed sub-jobs (a batch job). */
  get isBatch(): boolean {
    return this.#batch !== undefined;
  }

  /** Whether the next poll is a retry: the last one failed or found no such job. */
  get failing(): boolean {
    return this.#errors > 0 || this.#notFound > 0;
  }

  /** Whether the last answer said PENDING_PAYMENT (the order is not paid yet). */
  get awaitingPayment(): boolean {
    return (this.#flags & PENDING_NOW) !== 0;
  }

  /** Whether a SUCCESS awaits confirmation. */
  get confirming(): boolean {
    return this.#confirmations > 0;
  }

  /** Whether a poll of this job is in flight. */
  get inFlight(): boolean {
    return this.#request !== undefined;
  }

  /** How long the job had run when the last answer showed it running, in ms. */
  get seenAge(): number {
    return this.#seenAge;
  }

  /** How long the job has run at monotonic time `now`, in ms. */
  elapsed(now: number): number {
    return Math.max(0, now - this.#beganAt);
  }

  /** Adopts a caller's type hint when no answer has told the type yet. */
  hintType(jobType: string | undefined): void {
    this.#jobType ??= jobType;
  }

  /** Keeps `job` and every later answer: a deadline is near and its timeout error should carry the last job seen. */
  keepLastJob(job?: Job): void {
    this.#flags |= KEEP_JOB;
    if (job !== undefined) this.#lastJob = job;
  }

  /** A poll was sent, abortable with `request`. */
  recordSent(request: PollHandle): void {
    this.#request = request;
    this.#polls += 1;
  }

  /** The poll sent with `request` settled; returns whether it was this watch's current poll (a late one is not). */
  recordSettled(request: PollHandle): boolean {
    if (this.#request !== request) return false;
    this.#request = undefined;
    return true;
  }

  /** Aborts the poll in flight, if any; its late answer will not count. */
  abortPoll(reason?: unknown): void {
    const request = this.#request;
    this.#request = undefined;
    request?.abort(reason);
  }

  /**
   * Records an answer. `serverNow` is the server's wall-clock time and `now`
   * the local monotonic time: the first answer anchors the job's age to its
   * `begin_time`, measured on the server's clock and never below zero.
   */
  recordAnswer(job: Job, interner: Interner, confirmationsNeeded: number, serverNow: number, now: number): AnswerState {
    this.#errors = 0;
    this.#notFound = 0;
    this.#jobType = interner.intern(job.jobType) || this.#jobType;
    this.#status = interner.intern(job.status);
    const beginTime = job.beginTime?.getTime() ?? Number.NaN;
    this.#beginTime = beginTime;
    if ((this.#flags & ANCHORED) === 0) {
      this.#flags |= ANCHORED;
      if (!Number.isNaN(beginTime)) this.#beganAt = now - Math.max(0, serverNow - beginTime);
    }
    if (job.status === PENDING_PAYMENT) {
      this.#flags |= PAYMENT_SEEN | PENDING_NOW;
      this.#confirmations = 0;
      this.#lastJob = (this.#flags & KEEP_JOB) !== 0 ? job : undefined;
      return 'pending-payment';
    }
    // Paid: the job's running time starts about now, not at its order's begin_time.
    if ((this.#flags & PENDING_NOW) !== 0) {
      this.#flags &= ~PENDING_NOW;
      this.#beganAt = now;
    }
    this.#seenAge = Math.round(this.elapsed(now));
    let state: AnswerState = 'running';
    if (job.status === 'FAIL') state = 'final';
    else if (job.status === 'SUCCESS') state = ++this.#confirmations >= confirmationsNeeded ? 'final' : 'confirming';
    else this.#confirmations = 0;
    this.#lastJob = (this.#flags & KEEP_JOB) !== 0 || state === 'confirming' ? job : undefined;
    return state;
  }

  /** A poll failed; returns how many failed in a row, this one included. */
  recordFailure(): number {
    return ++this.#errors;
  }

  /** The service said it has no such job; returns how many times in a row. */
  recordNotFound(): number {
    return ++this.#notFound;
  }

  /**
   * Sub-jobs of a batch answer: returns the ones finished for the first time
   * (each distinct id once, even when a broken service lists an id twice), or
   * `undefined` when nothing changed.
   */
  recordSubJobs(job: Job): SubJobProgress | undefined {
    const { subJobs } = job.entities;
    if (subJobs.length === 0) return undefined;
    const batch = (this.#batch ??= { done: new Set(), failed: 0 });
    const finished: Job[] = [];
    const ids = new Set<string>();
    for (const subJob of subJobs) {
      ids.add(subJob.jobId);
      if (!isFinalStatus(subJob.status) || batch.done.has(subJob.jobId)) continue;
      batch.done.add(subJob.jobId);
      if (subJob.status === 'FAIL') batch.failed += 1;
      finished.push(subJob);
    }
    if (finished.length === 0) return undefined;
    return { finished, done: batch.done.size, failed: batch.failed, total: Math.max(ids.size, batch.done.size) };
  }

  /** The watch's state for a snapshot, at local monotonic time `now`. */
  record(now: number): WatchRecord {
    return {
      jobId: this.jobId,
      jobType: this.#jobType,
      status: this.#status,
      beginTime: this.#beginTime,
      elapsed: this.elapsed(now),
      polls: this.#polls,
      errors: this.#errors,
      notFound: this.#notFound,
      confirmations: this.#confirmations,
      subJobsDone: this.#batch === undefined ? undefined : [...this.#batch.done],
      subJobsFailed: this.#batch?.failed ?? 0,
    };
  }
}
