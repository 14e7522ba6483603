import type { LearnerState } from '../schedule/duration-learner.js';
import type { SiblingState } from '../schedule/siblings.js';
import { isSafeId } from '../validation/ids.js';

/** Plain-JSON state of one unfinished watch. */
export interface WatchSnapshot {
  /** The watched job. */
  readonly jobId: string;
  /** The last job read, in its wire (snake_case) form; absent if none was. */
  readonly job?: Readonly<Record<string, unknown>>;
  /** When the watch began, ms since the epoch. */
  readonly startedAt: number;
  /** When the next poll was planned, ms since the epoch. */
  readonly nextPollAt: number;
  /** When the watch times out, ms since the epoch; absent for never. */
  readonly deadline?: number;
  /** The timeout it was given, in ms. */
  readonly timeout: number;
  /** Whether a FAIL rejects (`watch(…, { throwOnFail })`). */
  readonly throwOnFail: boolean;
  /** Polls sent so far. */
  readonly polls: number;
  /** Consecutive failed polls (error backoff state). */
  readonly errors: number;
  /** Consecutive "no such job" answers. */
  readonly notFound: number;
  /** Consecutive SUCCESS answers (`successConfirmations`). */
  readonly confirmations: number;
  /** The job's type, as last read or as hinted. */
  readonly jobType?: string;
  /** Sub-jobs already reported done (so `subJobDone` stays exactly-once across processes). */
  readonly subJobsDone?: readonly string[];
  /** How many of those failed. */
  readonly subJobsFailed?: number;
}

/** Plain-JSON state of a watcher: what `new JobWatcher({ restore })` resumes. Contains no credentials. */
export interface WatcherSnapshot {
  /** Format version; `restore` refuses others. */
  readonly version: 1;
  /** When it was taken, ms since the epoch. */
  readonly takenAt: number;
  /** Every unfinished watch. */
  readonly watches: readonly WatchSnapshot[];
  /** Learned job durations, so the next process does not start cold. */
  readonly learner?: LearnerState;
  /** Learned spread of sub-job durations within one batch. */
  readonly siblings?: SiblingState;
}

/**
 * Checks a snapshot read back from storage before anything is restored from it.
 * @throws {TypeError} naming the first bad field.
 */
export function assertSnapshot(value: unknown): asserts value is WatcherSnapshot {
  const snapshot = record(value, 'snapshot');
  if (snapshot['version'] !== 1) throw new TypeError('Expected `snapshot.version` to be 1');
  if (!Array.isArray(snapshot['watches'])) throw new TypeError('Expected `snapshot.watches` to be an array');
  snapshot['watches'].forEach((watch, index) => assertWatch(watch, `snapshot.watches[${index}]`));
  if (snapshot['learner'] !== undefined) {
    const learner = record(snapshot['learner'], 'snapshot.learner');
    record(learner['types'], 'snapshot.learner.types');
    record(learner['overheads'], 'snapshot.learner.overheads');
  }
  if (snapshot['siblings'] !== undefined) record(snapshot['siblings'], 'snapshot.siblings');
}

function assertWatch(value: unknown, path: string): void {
  const watch = record(value, path);
  if (!isSafeId(watch['jobId'])) throw new TypeError(`Expected \`${path}.jobId\` to be a job id`);
  for (const key of ['startedAt', 'nextPollAt', 'timeout', 'polls', 'errors', 'notFound', 'confirmations']) {
    if (!Number.isFinite(watch[key])) throw new TypeError(`Expected \`${path}.${key}\` to be a finite number`);
  }
  if (watch['deadline'] !== undefined && !Number.isFinite(watch['deadline'])) throw new TypeError(`Expected \`${path}.deadline\` to be a finite number`);
  if (typeof watch['throwOnFail'] !== 'boolean') throw new TypeError(`Expected \`${path}.throwOnFail\` to be a boolean`);
  if (watch['job'] !== undefined) record(watch['job'], `${path}.job`);
  if (watch['subJobsDone'] !== undefined && !(Array.isArray(watch['subJobsDone']) && watch['subJobsDone'].every((id) => typeof id === 'string'))) {
    throw new TypeError(`Expected \`${path}.subJobsDone\` to be an array of strings`);
  }
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`Expected \`${path}\` to be an object`);
  return value as Record<string, unknown>;
}
