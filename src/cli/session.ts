import type { Clock } from '../clock/clock.js';
import { AuthError } from '../errors/auth-error.js';
import { EvsError } from '../errors/evs-error.js';
import { JobNotFoundError } from '../errors/job-not-found-error.js';
import { AbortError } from '../errors/request-errors.js';
import { WatchTimeoutError } from '../errors/watch-errors.js';
import type { Job } from '../model/job.js';
import type { AuthFailedEvent, PollErrorEvent, ProgressEvent, StatusChangeEvent, ThrottledEvent } from '../watcher/events.js';
import type { JobWatcher } from '../watcher/job-watcher.js';
import type { WatchOptions } from '../watcher/options.js';
import type { StopSignal } from './exit-codes.js';
import type { NotWatchedReason } from './render/events.js';
import type { Renderer } from './render/renderer.js';
import { exitCodeOf, type FailedJob, type NotWatchedJob, type Summary, type TimedOutJob } from './summary.js';

/** A job seen to finish, with the times the demo's comparison needs. */
export interface FinishedJob {
  readonly jobId: string;
  readonly jobType: string;
  readonly status: 'SUCCESS' | 'FAIL';
  /** `begin_time` and `end_time`, ms since the epoch (server clock). */
  readonly beginTime: number | undefined;
  readonly endTime: number | undefined;
  /** When the watch settled, on the watcher's clock. */
  readonly settledAt: number;
}

/** What a {@link WatchSession} drives and reports to. */
export interface SessionOptions {
  readonly watcher: JobWatcher;
  readonly renderer: Renderer;
  /** The watcher's clock: settle times are read from it. */
  readonly clock: Clock;
  /** Real time in ms, for the wall time of the summary. */
  readonly realNow: () => number;
  /** Options of every watch (the timeout). */
  readonly watchOptions?: WatchOptions;
}

/**
 * One run of the CLI over one watcher: watches job ids as they are added,
 * turns the watcher's events and each watch's outcome into {@link CliEvent}s for
 * the renderer, and keeps what the summary needs.
 */
export class WatchSession {
  readonly #watcher: JobWatcher;
  readonly #renderer: Renderer;
  readonly #clock: Clock;
  readonly #realNow: () => number;
  readonly #watchOptions: WatchOptions;
  readonly #startedAt: number;
  readonly #pending = new Set<string>();
  readonly #added = new Set<string>();
  readonly #finished: FinishedJob[] = [];
  readonly #failedJobs: FailedJob[] = [];
  readonly #timedOutJobs: TimedOutJob[] = [];
  readonly #notWatchedJobs: NotWatchedJob[] = [];
  readonly #interruptedJobs: string[] = [];
  readonly #detach: () => void;
  #succeeded = 0;
  #sealed = false;
  #signal: StopSignal | undefined;
  #resolveSettled: () => void = () => undefined;
  /** Resolves once {@link seal} was called and every added job has an outcome. */
  readonly settled: Promise<void>;

  constructor(options: SessionOptions) {
    this.#watcher = options.watcher;
    this.#renderer = options.renderer;
    this.#clock = options.clock;
    this.#realNow = options.realNow;
    this.#watchOptions = options.watchOptions ?? {};
    this.#startedAt = options.realNow();
    this.settled = new Promise<void>((resolve) => (this.#resolveSettled = resolve));
    this.#detach = this.#listen();
  }

  /** Jobs added so far. */
  get total(): number {
    return this.#added.size;
  }

  /** Jobs seen to finish (SUCCESS or FAIL), in the order they did. */
  get finished(): readonly FinishedJob[] {
    return this.#finished;
  }

  /**
   * Starts watching `jobId` (a duplicate is ignored); ignored after {@link interrupt}.
   * `jobType`, when the caller knows it (it just created the job), plans the first poll.
   */
  add(jobId: string, jobType?: string): void {
    if (this.#signal !== undefined || this.#added.has(jobId)) return;
    this.#added.add(jobId);
    this.#pending.add(jobId);
    const options = jobType === undefined ? this.#watchOptions : { ...this.#watchOptions, jobType };
    this.#watcher.watch(jobId, options).then(
      (job) => this.#settle(jobId, () => this.#onFinished(job)),
      (error: unknown) => this.#settle(jobId, () => this.#onRejected(jobId, error)),
    );
  }

  /** No more jobs will be added: {@link settled} resolves once those added have outcomes. */
  seal(): void {
    this.#sealed = true;
    this.#checkSettled();
  }

  /**
   * Stops now: reports the signal, aborts polls in flight (`watcher.destroy()`),
   * and counts every unfinished job as interrupted. Idempotent.
   */
  async interrupt(signal: StopSignal): Promise<void> {
    if (this.#signal !== undefined) return;
    this.#signal = signal;
    this.#renderer.event({ type: 'interrupted', signal, unfinished: this.#pending.size });
    this.seal();
    await this.#watcher.destroy();
  }

  /** The summary so far; `wallMs` is measured now. */
  summary(): Summary {
    const counts = {
      failed: this.#failedJobs.length,
      timedOut: this.#timedOutJobs.length,
      notWatched: this.#notWatchedJobs.length,
      interrupted: this.#interruptedJobs.length + this.#pending.size,
    };
    return {
      type: 'summary',
      total: this.#added.size,
      succeeded: this.#succeeded,
      ...counts,
      polls: this.#watcher.stats().pollsSent,
      wallMs: Math.max(0, Math.round(this.#realNow() - this.#startedAt)),
      simulatedMs: null,
      failedByDesign: null,
      exitCode: exitCodeOf(counts, this.#signal),
      failedJobs: [...this.#failedJobs],
      timedOutJobs: [...this.#timedOutJobs],
      notWatchedJobs: [...this.#notWatchedJobs],
      interruptedJobs: [...this.#interruptedJobs, ...this.#pending],
    };
  }

  /** Stops listening to the watcher. */
  close(): void {
    this.#detach();
  }

  #settle(jobId: string, record: () => void): void {
    if (!this.#pending.delete(jobId)) return;
    record();
    this.#checkSettled();
  }

  #checkSettled(): void {
    if (this.#sealed && this.#pending.size === 0) this.#resolveSettled();
  }

  #onFinished(job: Job): void {
    const beginTime = job.beginTime?.getTime();
    const endTime = job.endTime?.getTime();
    const status = job.status === 'FAIL' ? 'FAIL' : 'SUCCESS';
    this.#finished.push({ jobId: job.jobId, jobType: job.jobType, status, beginTime, endTime, settledAt: this.#clock.wallNow() });
    const durationMs = beginTime === undefined || endTime === undefined ? null : endTime - beginTime;
    if (status === 'SUCCESS') {
      this.#succeeded += 1;
      this.#renderer.event({ type: 'succeeded', jobId: job.jobId, jobType: job.jobType, durationMs });
      return;
    }
    const subJobs = job.entities.subJobs;
    const failed: FailedJob = {
      jobId: job.jobId,
      jobType: job.jobType,
      errorCode: job.errorCode ?? null,
      failReason: job.failReason ?? null,
      subJobsFailed: subJobs.filter((sub) => sub.status === 'FAIL').length,
      subJobs: subJobs.length,
    };
    this.#failedJobs.push(failed);
    this.#renderer.event({ type: 'failed', ...failed, durationMs });
  }

  #onRejected(jobId: string, error: unknown): void {
    if (error instanceof AbortError && this.#signal !== undefined) {
      this.#interruptedJobs.push(jobId);
      return;
    }
    if (error instanceof WatchTimeoutError) {
      const lastStatus = error.job?.status ?? null;
      this.#timedOutJobs.push({ jobId, lastStatus });
      this.#renderer.event({ type: 'timeout', jobId, timeoutMs: error.timeout, lastStatus });
      return;
    }
    const reason: NotWatchedReason = error instanceof AuthError ? 'auth' : error instanceof JobNotFoundError ? 'notFound' : 'rejected';
    const notWatched: NotWatchedJob = {
      jobId,
      reason,
      code: error instanceof EvsError ? error.code : 'EVS_UNEXPECTED',
      message: error instanceof Error ? error.message : String(error),
    };
    this.#notWatchedJobs.push(notWatched);
    this.#renderer.event({ type: 'notWatched', ...notWatched });
  }

  #listen(): () => void {
    const watcher = this.#watcher;
    const renderer = this.#renderer;
    const onStatus = ({ jobId, job, status, previous }: StatusChangeEvent): void =>
      renderer.event({ type: 'status', jobId, jobType: job.jobType, status, previous: previous ?? null, subJobs: job.entities.subJobs.length });
    const onProgress = ({ job, done, failed, total }: ProgressEvent): void =>
      renderer.event({ type: 'progress', jobId: job.jobId, jobType: job.jobType, done, failed, total });
    const onThrottled = ({ pause, retryAfter, rate }: ThrottledEvent): void =>
      renderer.event({ type: 'throttled', pauseMs: Math.round(pause), retryAfterMs: retryAfter ?? null, rate: Number.isFinite(rate) ? rate : null });
    const onAuthFailed = ({ error }: AuthFailedEvent): void =>
      renderer.event({ type: 'authFailed', status: error.status, code: error.serviceCode ?? null, message: error.message });
    const onPollError = ({ jobId, error, attempt, retryIn }: PollErrorEvent): void => {
      const cause = (error.cause as { code?: unknown } | undefined)?.code;
      renderer.event({
        type: 'pollError',
        jobId,
        code: error.code,
        status: error.status ?? null,
        cause: typeof cause === 'string' ? cause : null,
        message: error.message,
        attempt,
        retryInMs: retryIn,
      });
    };
    watcher.on('statusChange', onStatus);
    watcher.on('progress', onProgress);
    watcher.on('throttled', onThrottled);
    watcher.on('authFailed', onAuthFailed);
    watcher.on('pollError', onPollError);
    return () => {
      watcher.off('statusChange', onStatus);
      watcher.off('progress', onProgress);
      watcher.off('throttled', onThrottled);
      watcher.off('authFailed', onAuthFailed);
      watcher.off('pollError', onPollError);
    };
  }
}
