import type { AuthError } from '../errors/auth-error.js';
import type { Diagnostics } from './diagnostics.js';
import type { EvsError } from '../errors/evs-error.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import type { Job } from '../model/job.js';
import type { PollScheduler } from '../schedule/scheduler.js';
import type { ThrottleDecision } from '../schedule/throttle.js';
import type { HeapEntry } from '../schedule/timer-heap.js';
import type { PollInFlight } from './poller.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { LearnedState } from './snapshot.js';
import type { WatcherStats } from './stats.js';
import type { AnswerState, SubJobProgress, Watch, WatchRecord } from './watch.js';

/**
 * What a poll engine tells the watcher. Each report comes after the engine's
 * own state is updated (a final answer's watch is already forgotten), so the
 * watcher can settle its callers first and emit events last.
 */
export interface EngineReports {
  /** An answer, recorded: the status before it, what it means, and the sub-jobs it shows newly finished. */
  answered(watch: Watch, job: Job, previous: string | undefined, state: AnswerState, progress: SubJobProgress | undefined): void;
  /** An answer read for a job this watcher may not watch (a fleet worker's poll): progress events only, nobody settles. */
  polled(job: Job, previous: string | undefined, progress: SubJobProgress | undefined): void;
  /** `watch`'s job is final, as another process saw it (a fleet's outcome): its callers settle; it is already forgotten. */
  finished(watch: Watch, job: Job): void;
  /** The watch ended with an error (not found, refused, a bug in `fetchJob`); it is forgotten. */
  rejected(watch: Watch, error: unknown): void;
  /** A poll failed and will be retried in `retryIn` ms. */
  pollError(watch: Watch, error: EvsError, attempt: number, retryIn: number): void;
  /** The service throttled us and the pause escalated. */
  throttled(error: ThrottledError, decision: ThrottleDecision): void;
  /** Credentials were refused: every watch (listed) is forgotten and no poll will go out again. */
  authFailed(error: AuthError, watches: readonly Watch[]): void;
  /** The earliest deadline of `watch`'s callers (monotonic ms): an answer after which no poll is planned before it is kept. */
  earliestDeadline(watch: Watch): number;
  /** The latest deadline of `watch`'s callers (monotonic ms; `-Infinity` for none): how long a fleet keeps the job for this process. */
  latestDeadline(watch: Watch): number;
}

/** The scheduler as engines use it: polls and request time limits (deadlines are the watcher's). */
export type EngineScheduler = PollScheduler<Watch, HeapEntry, PollInFlight>;

/** What a watcher gives the engine it makes. */
export interface EngineSetup {
  readonly options: ResolvedOptions;
  readonly scheduler: EngineScheduler;
  readonly reports: EngineReports;
  /** Where polls, pauses and stops are published (`node:diagnostics_channel`). */
  readonly diagnostics: Diagnostics;
}

/**
 * A shared poll engine for many processes (`RedisFleet` from `evs-job-watcher/redis`).
 * Its one method is internal: the watcher calls it once, with its own parts.
 */
export interface Fleet {
  /** @internal Makes the engine of one watcher. */
  createEngine(setup: EngineSetup): PollEngine;
}

/** Counters of what an engine did, for {@link WatcherStats}. */
export type EngineStats = Omit<WatcherStats, 'waiters'>;

/**
 * Whatever polls the jobs of one watcher: the in-process engine, or a fleet's.
 * It owns each job's {@link Watch} from the first caller until the job ends or
 * nobody waits for it; the watcher owns the callers.
 */
export interface PollEngine {
  /** The refused credentials' error once polling stopped for good; `undefined` until then. */
  readonly stopped: AuthError | undefined;
  /** The live watch of `jobId`, if any. */
  get(jobId: string): Watch | undefined;
  /** The watch of `jobId`, created and planned when new; a type hint is adopted if no answer told the type. */
  watchFor(jobId: string, typeHint: string | undefined): Watch;
  /** Resumes a watch saved by another process, its next poll `nextPollIn` ms from now. */
  resume(record: WatchRecord, nextPollIn: number): Watch;
  /** Nobody waits for `watch` any more: forget it and its poll. Harmless for a watch already forgotten. */
  release(watch: Watch): void;
  /** A deadline is near: poll `watch` once more before `latest` (monotonic ms). */
  lastCall(watch: Watch, latest: number): void;
  /** Every live watch. */
  watches(): IterableIterator<Watch>;
  /** Time until `watch`'s next poll, in ms (0 when due or in flight). */
  nextPollIn(watch: Watch): number;
  /** Recent poll latency, in ms. */
  readonly latency: number;
  stats(): EngineStats;
  /** What was learned, opaque, for a snapshot. */
  learned(): LearnedState;
  /**
   * Loads what a snapshot learned.
   * @returns false when it comes from a version this engine does not read (it is then ignored).
   * @throws {TypeError} when it is malformed.
   */
  learn(learned: unknown): boolean;
  /** The scheduler's gate for a due poll: 0 = go (capacity taken), else ms to wait (`Infinity`: until woken). */
  gate(now: number): number;
  /** The scheduler's poll handler: a due poll passed the gate. */
  send(watch: Watch): void;
  /** The scheduler's timeout handler: a poll ran past its time limit. */
  timedOut(poll: PollInFlight): void;
  /** Stops polling: with `abort`, polls in flight are aborted now; else they finish (each bounded by `pollTimeout`). */
  stop(abort: boolean): Promise<void>;
}
