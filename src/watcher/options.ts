import { systemClock, type Clock } from '../clock/clock.js';
import type { Job, JobType } from '../model/job.js';
import type { DurationPrior } from '../schedule/duration-learner.js';
import type { PolicyOptions } from '../schedule/poll-policy.js';
import type { ThrottleOptions } from '../schedule/throttle.js';
import { assertDelay, assertInteger, assertNumber, got } from '../validation/numbers.js';
import type { WatcherSnapshot } from './snapshot.js';

/**
 * Reads one job; the watcher calls it for every poll. `signal` aborts the
 * request; it is only valid until the returned promise settles (the watcher reuses it).
 */
export type FetchJob = (jobId: string, options: { readonly signal: AbortSignal }) => Promise<Job>;

/** What the watcher needs from a client; `EvsClient` is one. */
export interface JobSource {
  /** Reads one job. */
  getJob(jobId: string, options: { readonly signal?: AbortSignal }): Promise<Job>;
  /** The server's current time, in ms; used to measure how long jobs have run. */
  serverNow?(): number;
  /** The client's clock; the watcher uses it unless given its own. */
  readonly clock?: Clock;
}

/** Any logger with these four methods (pino, bunyan, `console`); called as `(fields, message)`. */
export interface Logger {
  /** One line per poll. */
  debug(fields: object, message: string): void;
  /** Not used by the watcher today; part of the shape so any common logger fits. */
  info(fields: object, message: string): void;
  /** Throttling pauses and credential stops. */
  warn(fields: object, message: string): void;
  /** An event listener threw. */
  error(fields: object, message: string): void;
}

/** Options of {@link JobWatcher}. Give `client` or `fetchJob`. */
export interface JobWatcherOptions {
  /** The client to poll with (e.g. an `EvsClient`). */
  readonly client?: JobSource;
  /** Or any function that reads a job: a test double, another transport. */
  readonly fetchJob?: FetchJob;
  /**
   * Most polls in flight at once, across all jobs.
   * @default 10
   */
  readonly concurrency?: number;
  /**
   * Most polls started per second, across all jobs (token bucket). The API
   * gateway throttles per account; after a 429 the watcher also limits itself.
   * @default undefined (no limit until throttled)
   */
  readonly maxRequestsPerSecond?: number;
  /**
   * First delay of the plain backoff (`learn: false`), and the spacing of success confirmations, in ms.
   * @default 2_000
   */
  readonly initialDelay?: number;
  /**
   * Longest delay between two polls of one job, in ms.
   * @default 600_000
   */
  readonly maxDelay?: number;
  /**
   * Growth of the plain backoff delay per poll.
   * @default 1.5
   */
  readonly factor?: number;
  /**
   * Each delay is shortened by a random fraction up to this (0–1), so jobs started together do not poll in lockstep.
   * @default 0.1
   */
  readonly jitter?: number;
  /**
   * A finished job is noticed within this many ms (or `maxLagRatio` of its running time, whichever is larger).
   * @default 10_000
   */
  readonly maxLag?: number;
  /**
   * A finished job is noticed within this fraction of the time it ran (or `maxLag`, whichever is larger):
   * a two-hour retype is not polled every ten seconds.
   * @default 0.08
   */
  readonly maxLagRatio?: number;
  /**
   * Schedule polls from learned job durations (true) or plain exponential backoff (false).
   * @default true
   */
  readonly learn?: boolean;
  /**
   * Beliefs about job durations before any is observed, by job type (median in ms, spread = σ of ln).
   * @default built-in priors for the EVS job types
   */
  readonly durations?: Readonly<Record<string, DurationPrior>>;
  /**
   * Default time a watch waits for its job, in ms; then it rejects with `WatchTimeoutError`.
   * @default 7_200_000 (2 h)
   */
  readonly timeout?: number;
  /**
   * SUCCESS must be seen on this many consecutive polls (ECS can report SUCCESS before the resource is ready).
   * @default 1
   */
  readonly successConfirmations?: number;
  /**
   * How many "no such job" answers to tolerate before rejecting with `JobNotFoundError` (a new job can be briefly invisible).
   * @default 4
   */
  readonly notFoundChecks?: number;
  /**
   * First retry delay after a failed poll (network, 5xx, bad body), in ms; doubles per consecutive failure, jittered.
   * @default 1_000
   */
  readonly errorDelay?: number;
  /**
   * Longest retry delay after failed polls, in ms.
   * @default 30_000
   */
  readonly maxErrorDelay?: number;
  /**
   * First global pause after a 429 without `Retry-After`, in ms; doubles per consecutive 429, jittered.
   * @default 2_000
   */
  readonly throttleDelay?: number;
  /**
   * Longest such pause, in ms.
   * @default 60_000
   */
  readonly maxThrottleDelay?: number;
  /**
   * Time and randomness.
   * @default the client's clock, else the system clock
   */
  readonly clock?: Clock;
  /**
   * Where to log: debug per poll, warn on throttling and auth stops. Nothing secret is logged.
   * @default silent
   */
  readonly logger?: Logger;
  /** A snapshot from {@link JobWatcher.snapshot} to resume, e.g. in a new process. */
  readonly restore?: WatcherSnapshot;
}

/** Options of one {@link JobWatcher.watch} call. */
export interface WatchOptions {
  /**
   * Time to wait for the job, in ms; then the promise rejects with `WatchTimeoutError`.
   * @default the watcher's `timeout`
   */
  readonly timeout?: number;
  /** Stops this watch: the promise rejects with `AbortError`; the job is no longer polled unless someone else watches it. */
  readonly signal?: AbortSignal;
  /**
   * Reject with `JobFailedError` when the job ends in FAIL (by default the promise resolves with the failed job).
   * @default false
   */
  readonly throwOnFail?: boolean;
  /** The job's type if you know it (you just created it): the first poll is then planned from that type's durations. */
  readonly jobType?: JobType;
}

/** Every option resolved to a value. */
export interface ResolvedOptions extends PolicyOptions, ThrottleOptions {
  readonly fetchJob: FetchJob;
  /** The server's current wall-clock time, in ms since the epoch. */
  readonly serverNow: () => number;
  readonly concurrency: number;
  readonly durations: Readonly<Record<string, DurationPrior>>;
  readonly timeout: number;
  readonly successConfirmations: number;
  readonly notFoundChecks: number;
  readonly errorDelay: number;
  readonly maxErrorDelay: number;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
}

/**
 * Merges defaults and validates, once, with exact messages.
 * @throws {TypeError} naming the first bad option.
 */
export function resolveOptions(options: JobWatcherOptions): ResolvedOptions {
  const { client, fetchJob } = options;
  if ((client === undefined) === (fetchJob === undefined)) throw new TypeError('Expected exactly one of `client` or `fetchJob`');
  if (client !== undefined && typeof client.getJob !== 'function') throw new TypeError('Expected `client` to have a getJob() method');
  if (fetchJob !== undefined && typeof fetchJob !== 'function') throw new TypeError(`Expected \`fetchJob\` to be a function, got ${got(fetchJob)}`);
  const clock = options.clock ?? client?.clock ?? systemClock;
  const resolved: ResolvedOptions = {
    fetchJob: fetchJob ?? ((jobId, { signal }) => client!.getJob(jobId, { signal })),
    serverNow: client?.serverNow === undefined ? () => clock.wallNow() : () => client.serverNow!(),
    concurrency: options.concurrency ?? 10,
    maxRequestsPerSecond: options.maxRequestsPerSecond,
    initialDelay: options.initialDelay ?? 2_000,
    maxDelay: options.maxDelay ?? 600_000,
    factor: options.factor ?? 1.5,
    jitter: options.jitter ?? 0.1,
    maxLag: options.maxLag ?? 10_000,
    maxLagRatio: options.maxLagRatio ?? 0.08,
    learn: options.learn ?? true,
    durations: options.durations ?? {},
    timeout: options.timeout ?? 7_200_000,
    successConfirmations: options.successConfirmations ?? 1,
    notFoundChecks: options.notFoundChecks ?? 4,
    errorDelay: options.errorDelay ?? 1_000,
    maxErrorDelay: options.maxErrorDelay ?? 30_000,
    throttleDelay: options.throttleDelay ?? 2_000,
    maxThrottleDelay: options.maxThrottleDelay ?? 60_000,
    clock,
    logger: options.logger,
  };
  validate(resolved);
  return resolved;
}

function validate(options: ResolvedOptions): void {
  assertInteger('concurrency', options.concurrency, 1, 10_000);
  if (options.maxRequestsPerSecond !== undefined) assertNumber('maxRequestsPerSecond', options.maxRequestsPerSecond, 0.01, 1_000_000);
  assertDelay('initialDelay', options.initialDelay, 1);
  assertDelay('maxDelay', options.maxDelay, 1);
  assertNumber('factor', options.factor, 1, 100);
  assertNumber('jitter', options.jitter, 0, 1);
  assertDelay('maxLag', options.maxLag, 1);
  assertNumber('maxLagRatio', options.maxLagRatio, 0, 10);
  if (typeof options.learn !== 'boolean') throw new TypeError(`Expected \`learn\` to be a boolean, got ${got(options.learn)}`);
  assertDelay('timeout', options.timeout, 1);
  assertInteger('successConfirmations', options.successConfirmations, 1, 100);
  assertInteger('notFoundChecks', options.notFoundChecks, 0, 1_000);
  assertDelay('errorDelay', options.errorDelay, 1);
  assertDelay('maxErrorDelay', options.maxErrorDelay, 1);
  assertDelay('throttleDelay', options.throttleDelay, 1);
  assertDelay('maxThrottleDelay', options.maxThrottleDelay, 1);
  if (typeof options.durations !== 'object' || options.durations === null) throw new TypeError(`Expected \`durations\` to be an object, got ${got(options.durations)}`);
  for (const [type, prior] of Object.entries(options.durations)) {
    if (typeof prior !== 'object' || prior === null) throw new TypeError(`Expected \`durations.${type}\` to be { median, spread }, got ${got(prior)}`);
    assertNumber(`durations.${type}.median`, prior.median, 1, 2_147_483_647);
    assertNumber(`durations.${type}.spread`, prior.spread, 0.01, 5);
  }
  if (options.logger !== undefined) {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      if (typeof options.logger[level] !== 'function') throw new TypeError(`Expected \`logger.${level}\` to be a function`);
    }
  }
}

/** @throws {TypeError} for bad per-watch options. */
export function validateWatchOptions(options: WatchOptions): void {
  if (options.timeout !== undefined) assertDelay('timeout', options.timeout, 1);
  if (options.jobType !== undefined && typeof options.jobType !== 'string') {
    throw new TypeError(`Expected \`jobType\` to be a string, got ${got(options.jobType)}`);
  }
}
