import type { Clock } from '../clock/clock.js';
import type { JobType } from '../model/job.js';
import type { DurationPrior } from '../schedule/duration-learner.js';
import type { Fleet } from './engine.js';
import type { FetchJob, JobSource } from './job-source.js';
import type { WatcherSnapshot } from './snapshot.js';

/**
 * Any logger with these four methods (pino, bunyan, `console`). The watcher
 * calls each as `(fields, message)`, pino's call shape; `info` marks a watch
 * resumed from a snapshot.
 */
export interface Logger {
  /** One line per poll. */
  debug(fields: object, message: string): void;
  /** Lifecycle: watches restored, the watcher closed. */
  info(fields: object, message: string): void;
  /** Throttling pauses, credential stops, ignored snapshot parts. */
  warn(fields: object, message: string): void;
  /** An event listener threw. */
  error(fields: object, message: string): void;
}

/** Options of {@link JobWatcher} besides where jobs are read from. */
export interface WatcherSettings {
  /**
   * Most polls in flight at once, across all jobs.
   * @default 10
   */
  readonly concurrency?: number | undefined;
  /**
   * Most polls started per second, across all jobs (token bucket). The API
   * gateway throttles per account; after a 429 the watcher also limits itself.
   * @default undefined (no limit until throttled)
   */
  readonly maxRequestsPerSecond?: number | undefined;
  /**
   * First delay of the plain backoff (`learn: false`), in ms.
   * @default 2_000
   */
  readonly initialDelay?: number | undefined;
  /**
   * Growth of the plain backoff delay per poll.
   * @default 1.5
   */
  readonly factor?: number | undefined;
  /**
   * Longest delay between two polls of one job, in ms.
   * @default 600_000
   */
  readonly maxDelay?: number | undefined;
  /**
   * Each delay is shortened by a random fraction up to this (0–1) of its lag allowance, so jobs started together do not poll in lockstep.
   * @default 0.1
   */
  readonly jitter?: number | undefined;
  /**
   * A finished job is noticed within this many ms (or `maxLagRatio` of its running time, whichever is larger).
   * @default 10_000
   */
  readonly maxLag?: number | undefined;
  /**
   * A finished job is noticed within this fraction of the time it ran (or `maxLag`, whichever is larger):
   * a two-hour retype is not polled every ten seconds.
   * @default 0.08
   */
  readonly maxLagRatio?: number | undefined;
  /**
   * Schedule polls from learned job durations (true) or plain exponential backoff (false). A learning
   * watcher also sends its first poll at once (the credentials probe), so a wrong key or endpoint shows within a request.
   * @default true
   */
  readonly learn?: boolean | undefined;
  /**
   * Beliefs about job durations before any is observed, by job type (median in ms, spread = σ of ln).
   * @default built-in priors for the EVS job types
   */
  readonly durations?: Readonly<Record<string, DurationPrior>> | undefined;
  /**
   * Default time a watch waits for its job, in ms; then it rejects with `WatchTimeoutError`.
   * @default 7_200_000 (2 h)
   */
  readonly timeout?: number | undefined;
  /**
   * Longest one poll may take, in ms: then it is aborted and retried, so a `fetchJob` that never settles
   * can neither hold a concurrency slot nor a `close()` for ever.
   * @default 30_000
   */
  readonly pollTimeout?: number | undefined;
  /**
   * SUCCESS must be seen on this many consecutive polls (ECS can report SUCCESS before the resource is ready).
   * @default 1
   */
  readonly successConfirmations?: number | undefined;
  /**
   * Delay between the polls that confirm a SUCCESS (`successConfirmations` > 1), in ms.
   * @default 2_000
   */
  readonly confirmationDelay?: number | undefined;
  /**
   * Delay between polls of a job that reports `PENDING_PAYMENT` (an ECS/BMS yearly or monthly order
   * waiting to be paid, possibly for days), in ms. Its running time, for learning, starts once it is paid.
   * @default 300_000 (5 min)
   */
  readonly pendingPaymentInterval?: number | undefined;
  /**
   * How many "no such job" answers to tolerate before rejecting with `JobNotFoundError` (a new job can be briefly invisible).
   * @default 4
   */
  readonly notFoundChecks?: number | undefined;
  /**
   * First retry delay after a failed poll (network, 5xx, bad body), in ms; doubles per consecutive failure, jittered.
   * @default 1_000
   */
  readonly errorDelay?: number | undefined;
  /**
   * Longest retry delay after failed polls, in ms.
   * @default 30_000
   */
  readonly maxErrorDelay?: number | undefined;
  /**
   * First global pause after a 429 without `Retry-After`, in ms; doubles per consecutive 429, jittered.
   * @default 2_000
   */
  readonly throttleDelay?: number | undefined;
  /**
   * Longest such pause, in ms.
   * @default 60_000
   */
  readonly maxThrottleDelay?: number | undefined;
  /**
   * Time and randomness.
   * @default the client's clock, else the system clock
   */
  readonly clock?: Clock | undefined;
  /**
   * Where to log: debug per poll, warn on throttling and auth stops. Nothing secret is logged.
   * @default silent
   */
  readonly logger?: Logger | undefined;
  /** A snapshot from {@link JobWatcher.snapshot} to resume, e.g. in a new process. */
  readonly restore?: WatcherSnapshot | undefined;
  /**
   * Share watches, the request budget (`maxRequestsPerSecond` then holds for the whole fleet) and what is
   * learned with other processes: `new RedisFleet({ redis, name })` from `evs-job-watcher/redis`.
   * @default undefined (this process polls its own watches, in memory)
   */
  readonly fleet?: Fleet | undefined;
}

/** Options of {@link JobWatcher}: where jobs are read from (exactly one of `client` or `fetchJob`), plus {@link WatcherSettings}. */
export type JobWatcherOptions = WatcherSettings &
  (
    | {
        /** The client to poll with (e.g. an `EvsClient`). */
        readonly client: JobSource;
        /** Not with `client`. */
        readonly fetchJob?: undefined;
      }
    | {
        /** Any function that reads a job: a test double, another transport. */
        readonly fetchJob: FetchJob;
        /** Not with `fetchJob`. */
        readonly client?: undefined;
      }
  );

/** Options of one {@link JobWatcher.add} subscription. */
export interface AddOptions {
  /**
   * Time to wait for the job, in ms; then the `timeout` event fires.
   * @default the watcher's `timeout`
   */
  readonly timeout?: number | undefined;
  /** Stops this subscription; the job is no longer polled unless someone else watches it. */
  readonly signal?: AbortSignal | undefined;
  /** The job's type if you know it (you just created it): the first poll is then planned from that type's durations. */
  readonly jobType?: JobType | undefined;
}

/** Options of one {@link JobWatcher.watch} call. */
export interface WatchOptions extends AddOptions {
  /**
   * Reject with `JobFailedError` when the job ends in FAIL (by default the promise resolves with the failed job).
   * @default false
   */
  readonly throwOnFail?: boolean | undefined;
}

/** Options of one {@link JobWatcher.watchAll} call. */
export interface WatchAllOptions extends WatchOptions {
  /**
   * `'first-error'`: like `Promise.all`, the batch rejects with the first error. `'all'`: like
   * `Promise.allSettled`, it resolves with every job's outcome (`{ status: 'fulfilled', value: job }` or
   * `{ status: 'rejected', reason }`), so one stale id does not cost the rest of the results.
   * @default 'first-error'
   */
  readonly settle?: 'first-error' | 'all' | undefined;
}
