import { MAX_DELAY } from '../clock/clock.js';
import { isSafeId } from '../validation/ids.js';
import type { WatchRecord } from './watch.js';

/** Plain-JSON state of one unfinished watch; times are relative to the snapshot's `takenAt`. */
export interface WatchSnapshot {
  /** The watched job. */
  readonly jobId: string;
  /** The job's type, as last read or as hinted. */
  readonly jobType?: string;
  /** The last status seen; absent if no poll answered. */
  readonly status?: string;
  /** The job's `begin_time`, ms since the epoch on the server's clock, once an answer gave it. */
  readonly beginTime?: number;
  /** How long the job had run when the snapshot was taken, in ms. */
  readonly elapsed: number;
  /** When the next poll was due, in ms after `takenAt`. */
  readonly nextPollIn: number;
  /** The longest timeout its callers gave, in ms. */
  readonly timeout: number;
  /** Time left before the latest of its callers' deadlines, in ms after `takenAt`; absent for never. */
  readonly remaining?: number;
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
  /** Sub-jobs already reported done (so `subJobDone` stays exactly-once across processes). */
  readonly subJobsDone?: readonly string[];
  /** How many of those failed. */
  readonly subJobsFailed?: number;
}

/**
 * What the watcher learned about job durations. Opaque: its inside may change
 * between releases, so it is versioned and checked by `restore`, which skips
 * (and logs) a version it does not know rather than fail.
 */
export interface LearnedState {
  /** Always `'evs-job-watcher/learned'`. */
  readonly format: 'evs-job-watcher/learned';
  /** Version of the inside. */
  readonly version: number;
  /** The inside. */
  readonly [field: string]: unknown;
}

/** Plain-JSON state of a watcher: what `new JobWatcher({ restore })` resumes. Contains no credentials. */
export interface WatcherSnapshot {
  /** Format version; `restore` also reads version 1. */
  readonly version: 2;
  /** When it was taken, wall-clock ms since the epoch. */
  readonly takenAt: number;
  /** Every unfinished watch. */
  readonly watches: readonly WatchSnapshot[];
  /** Learned job durations, so the next process does not start cold. */
  readonly learned?: LearnedState;
}

/** How a watch's callers are timed, as a snapshot keeps it. */
export interface WatchTiming {
  readonly nextPollIn: number;
  readonly timeout: number;
  readonly remaining: number;
  readonly throwOnFail: boolean;
}

/** A snapshot's watch, checked and ready to resume. */
export interface RestoredWatch {
  readonly record: WatchRecord;
  readonly timing: WatchTiming;
}

/** A snapshot, checked (and migrated from version 1). */
export interface RestoredSnapshot {
  readonly takenAt: number;
  readonly watches: readonly RestoredWatch[];
  readonly learned: unknown;
}

/** Upper bound of every count a snapshot carries (polls, errors…): nothing real comes near it. */
const MAX_COUNT = 1_000_000_000;
/** Longest status or type string accepted. */
const MAX_NAME = 128;

/** One watch as a snapshot keeps it. */
export function snapshotWatch(record: WatchRecord, timing: WatchTiming): WatchSnapshot {
  return {
    jobId: record.jobId,
    ...(record.jobType !== undefined && { jobType: record.jobType }),
    ...(record.status !== undefined && { status: record.status }),
    ...(!Number.isNaN(record.beginTime) && { beginTime: record.beginTime }),
    elapsed: Math.round(record.elapsed),
    nextPollIn: Math.max(0, Math.round(timing.nextPollIn)),
    timeout: timing.timeout,
    ...(Number.isFinite(timing.remaining) && { remaining: Math.max(0, Math.round(timing.remaining)) }),
    throwOnFail: timing.throwOnFail,
    polls: record.polls,
    errors: record.errors,
    notFound: record.notFound,
    confirmations: record.confirmations,
    ...(record.subJobsDone !== undefined && { subJobsDone: record.subJobsDone, subJobsFailed: record.subJobsFailed }),
  };
}

/**
 * Checks a snapshot read back from storage, every field and its range, before
 * anything is restored from it; reads version 1 (wall-clock instants) too.
 * @throws {TypeError} naming the first bad field.
 */
export function readSnapshot(value: unknown): RestoredSnapshot {
  const snapshot = record(value, 'snapshot');
  const version = snapshot['version'];
  if (version !== 1 && version !== 2) throw new TypeError(`Expected \`snapshot.version\` to be 1 or 2, got ${JSON.stringify(version)}`);
  const takenAt = finite(snapshot['takenAt'], 'snapshot.takenAt', 0, 8.64e15);
  const watches = snapshot['watches'];
  if (!Array.isArray(watches)) throw new TypeError('Expected `snapshot.watches` to be an array');
  const read = version === 1 ? readWatchV1 : readWatch;
  const learned = version === 1 ? learnedV1(snapshot) : snapshot['learned'];
  return { takenAt, watches: watches.map((watch, index) => read(watch, `snapshot.watches[${index}]`, takenAt)), learned };
}

function readWatch(value: unknown, path: string): RestoredWatch {
  const watch = record(value, path);
  const remaining = watch['remaining'] === undefined ? Number.POSITIVE_INFINITY : finite(watch['remaining'], `${path}.remaining`, 0, MAX_DELAY);
  return {
    record: {
      ...common(watch, path),
      status: optionalName(watch['status'], `${path}.status`),
      beginTime: watch['beginTime'] === undefined ? Number.NaN : finite(watch['beginTime'], `${path}.beginTime`, -8.64e15, 8.64e15),
      elapsed: finite(watch['elapsed'], `${path}.elapsed`, 0, Number.MAX_SAFE_INTEGER),
    },
    timing: { ...timing(watch, path), nextPollIn: finite(watch['nextPollIn'], `${path}.nextPollIn`, 0, MAX_DELAY), remaining },
  };
}

/** Version 1 kept wall-clock instants and the last job in its wire form. */
function readWatchV1(value: unknown, path: string, takenAt: number): RestoredWatch {
  const watch = record(value, path);
  const job = watch['job'] === undefined ? {} : record(watch['job'], `${path}.job`);
  const startedAt = finite(watch['startedAt'], `${path}.startedAt`, 0, 8.64e15);
  const beginTime = typeof job['begin_time'] === 'string' ? Date.parse(job['begin_time']) : Number.NaN;
  const deadline = watch['deadline'] === undefined ? Number.POSITIVE_INFINITY : finite(watch['deadline'], `${path}.deadline`, 0, 8.64e15);
  const common1 = common(watch, path);
  return {
    record: {
      ...common1,
      jobType: optionalName(job['job_type'] || undefined, `${path}.job.job_type`) ?? common1.jobType,
      status: optionalName(job['status'], `${path}.job.status`),
      beginTime,
      elapsed: Math.max(0, takenAt - (Number.isNaN(beginTime) ? startedAt : beginTime)),
    },
    timing: {
      ...timing(watch, path),
      nextPollIn: Math.max(0, finite(watch['nextPollAt'], `${path}.nextPollAt`, 0, 8.64e15) - takenAt),
      remaining: Math.max(0, deadline - takenAt),
    },
  };
}

function learnedV1(snapshot: Record<string, unknown>): unknown {
  if (snapshot['learner'] === undefined && snapshot['siblings'] === undefined) return undefined;
  return { format: 'evs-job-watcher/learned', version: 1, learner: snapshot['learner'], siblings: snapshot['siblings'] };
}

/** The fields both versions share. */
function common(watch: Record<string, unknown>, path: string): Omit<WatchRecord, 'status' | 'beginTime' | 'elapsed'> {
  const jobId = watch['jobId'];
  if (!isSafeId(jobId)) throw new TypeError(`Expected \`${path}.jobId\` to be a job id`);
  const subJobsDone = watch['subJobsDone'];
  if (subJobsDone !== undefined && !(Array.isArray(subJobsDone) && subJobsDone.every((id) => isSafeId(id)))) {
    throw new TypeError(`Expected \`${path}.subJobsDone\` to be an array of job ids`);
  }
  const done = subJobsDone;
  return {
    jobId,
    jobType: optionalName(watch['jobType'], `${path}.jobType`),
    polls: count(watch['polls'], `${path}.polls`),
    errors: count(watch['errors'], `${path}.errors`),
    notFound: count(watch['notFound'], `${path}.notFound`),
    confirmations: count(watch['confirmations'], `${path}.confirmations`),
    subJobsDone: done,
    subJobsFailed: watch['subJobsFailed'] === undefined ? 0 : count(watch['subJobsFailed'], `${path}.subJobsFailed`, done?.length ?? 0),
  };
}

function timing(watch: Record<string, unknown>, path: string): Pick<WatchTiming, 'timeout' | 'throwOnFail'> {
  const timeout = watch['timeout'];
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0 || timeout > MAX_DELAY) {
    throw new TypeError(`Expected \`${path}.timeout\` to be an integer from 0 to ${MAX_DELAY}`);
  }
  if (typeof watch['throwOnFail'] !== 'boolean') throw new TypeError(`Expected \`${path}.throwOnFail\` to be a boolean`);
  return { timeout, throwOnFail: watch['throwOnFail'] };
}

function count(value: unknown, path: string, max = MAX_COUNT): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw new TypeError(`Expected \`${path}\` to be an integer from 0 to ${max}`);
  return value;
}

function finite(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw new TypeError(`Expected \`${path}\` to be a number from ${min} to ${max}`);
  return value;
}

function optionalName(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_NAME) throw new TypeError(`Expected \`${path}\` to be a string of at most ${MAX_NAME} characters`);
  return value;
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`Expected \`${path}\` to be an object`);
  return value as Record<string, unknown>;
}
