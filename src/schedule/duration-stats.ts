/**
 * What a watcher has learned about job durations, as mergeable sufficient
 * statistics in plain JSON (version 1):
 *
 * - `types[jobType].finished[hour][bin]`: how many jobs of `jobType` (`'*'` is
 *   every watched job, whatever its type) ended in that `hour` with a duration
 *   in that `bin`. `hour` = ⌊end_time / 3 600 000⌋ on the server's clock (ms
 *   since the epoch), so every process buckets a job alike; `bin` k holds
 *   durations d (ms) with round(10·ln d) = k, i.e. d ≈ e^(k/10) ms (±5 %), k
 *   from 0 to {@link MAX_BIN} (1 ms to ~25 days). Counters that only grow: the
 *   counts of two processes added up are those of one process that saw both
 *   (in Redis: one `HINCRBY` per bin).
 * - `types[jobType].running[bin]`: the jobs one process is watching now, by
 *   the age at which each was last seen running (right-censored durations). A
 *   gauge, not a counter: each process publishes its own, which replaces its
 *   previous one; a process merges the sum of the others' (and `stats()`
 *   reports only its own).
 * - `overheads[batchType]`: `{ sum, count }` of the gaps (ms) between a batch
 *   job's last sub-job ending and the batch ending. Sums.
 * - `siblings[subJobType]`: `{ ss, dof }`, squared log-duration deviations of
 *   sub-jobs from their batch's mean, and their degrees of freedom. Sums.
 *
 * Age weighs in only when a model is fitted, as a function of when jobs ended
 * (never of the order they were seen): an hour's counts weigh
 * 2^−(newest − hour)/{@link HALF_LIFE_HOURS}, and hours more than
 * {@link KEEP_HOURS} before the newest are dropped.
 */
export interface DurationStats {
  readonly format: 'evs-job-watcher/stats';
  readonly version: 1;
  readonly types: Readonly<Record<string, TypeStats>>;
  readonly overheads: Readonly<Record<string, SumCount>>;
  readonly siblings: Readonly<Record<string, SpreadSums>>;
}

/** One job type's counts. */
export interface TypeStats {
  /** Finished jobs: hour → bin → count. */
  readonly finished: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Jobs running now: bin of the age last seen running → count. */
  readonly running: Readonly<Record<string, number>>;
}

export interface SumCount {
  readonly sum: number;
  readonly count: number;
}

export interface SpreadSums {
  readonly ss: number;
  readonly dof: number;
}

/** Bins per unit of ln(ms): bin k ≈ e^(k/10) ms. */
export const BINS_PER_LN = 10;
/** The last bin: ~2^31 ms (25 days); longer durations count in it. */
export const MAX_BIN = Math.round(BINS_PER_LN * Math.log(2 ** 31));
export const HOUR = 3_600_000;
/** An hour's counts weigh half as much as those of the hour this much newer. */
export const HALF_LIFE_HOURS = 4;
/** Hours kept before the newest one. */
export const KEEP_HOURS = 24;
/** Distinct job types tracked; stray strings from a broken server must not grow memory. */
export const MAX_TYPES = 128;
/** Longest job type name kept. */
const MAX_NAME = 128;
/** Largest count or sum accepted. */
const MAX_VALUE = 1e15;

/** The bin of a duration of `ms` milliseconds. */
export function binOf(ms: number): number {
  return Math.min(MAX_BIN, Math.max(0, Math.round(BINS_PER_LN * Math.log(Math.max(1, ms)))));
}

/** ln(ms) at the centre of bin `bin`. */
export function binCentre(bin: number): number {
  return bin / BINS_PER_LN;
}

/** The hour bucket of a job that ended at `endMs` (ms since the epoch, server clock). */
export function hourOf(endMs: number): number {
  return Number.isFinite(endMs) ? Math.floor(Math.max(0, endMs) / HOUR) : 0;
}

export function emptyStats(): DurationStats {
  return { format: 'evs-job-watcher/stats', version: 1, types: {}, overheads: {}, siblings: {} };
}

/** `a` and `b` together: finished counts, running gauges, overheads and spreads all add. */
export function addStats(a: DurationStats, b: DurationStats): DurationStats {
  return combine(a, b, 1);
}

/**
 * What `a` has counted that `b` had not (finished counts, overheads and spreads
 * subtracted; `a`'s running gauge as it is): e.g. what to send to a shared
 * store since the last push. Entries that come to zero are left out.
 */
export function diffStats(a: DurationStats, b: DurationStats): DurationStats {
  return combine(a, b, -1);
}

function combine(a: DurationStats, b: DurationStats, sign: 1 | -1): DurationStats {
  const types: Record<string, TypeStats> = {};
  for (const type of new Set([...Object.keys(a.types), ...Object.keys(b.types)])) {
    const left = a.types[type];
    const right = b.types[type];
    const finished: Record<string, Record<string, number>> = {};
    for (const hour of new Set([...Object.keys(left?.finished ?? {}), ...Object.keys(right?.finished ?? {})])) {
      const bins = addRecords(left?.finished[hour], right?.finished[hour], sign);
      if (Object.keys(bins).length > 0) finished[hour] = bins;
    }
    types[type] = { finished, running: sign === 1 ? addRecords(left?.running, right?.running, 1) : { ...left?.running } };
  }
  const overheads: Record<string, SumCount> = {};
  for (const type of new Set([...Object.keys(a.overheads), ...Object.keys(b.overheads)])) {
    const count = (a.overheads[type]?.count ?? 0) + sign * (b.overheads[type]?.count ?? 0);
    if (count !== 0) overheads[type] = { sum: (a.overheads[type]?.sum ?? 0) + sign * (b.overheads[type]?.sum ?? 0), count };
  }
  const siblings: Record<string, SpreadSums> = {};
  for (const type of new Set([...Object.keys(a.siblings), ...Object.keys(b.siblings)])) {
    const dof = (a.siblings[type]?.dof ?? 0) + sign * (b.siblings[type]?.dof ?? 0);
    if (dof !== 0) siblings[type] = { ss: (a.siblings[type]?.ss ?? 0) + sign * (b.siblings[type]?.ss ?? 0), dof };
  }
  return { format: 'evs-job-watcher/stats', version: 1, types, overheads, siblings };
}

function addRecords(a: Readonly<Record<string, number>> | undefined, b: Readonly<Record<string, number>> | undefined, sign: 1 | -1): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [key, value] of Object.entries(b ?? {})) {
    const total = (sum[key] ?? 0) + sign * value;
    if (total === 0) delete sum[key];
    else sum[key] = total;
  }
  return sum;
}

/**
 * Checks stats read back from storage, every key and count, before anything is
 * merged from them.
 * @throws {TypeError} naming the first malformed field.
 */
export function readStats(value: unknown, path: string): DurationStats {
  const stats = record(value, path);
  if (stats['format'] !== 'evs-job-watcher/stats' || stats['version'] !== 1) {
    throw new TypeError(`Expected \`${path}\` to be { format: 'evs-job-watcher/stats', version: 1, … }`);
  }
  const types: Record<string, TypeStats> = {};
  for (const [type, entry] of Object.entries(record(stats['types'] ?? {}, `${path}.types`))) {
    const typePath = `${path}.types.${type.slice(0, 40)}`;
    if (type.length === 0 || type.length > MAX_NAME) throw new TypeError(`Expected the job types of \`${path}.types\` to be 1 to ${MAX_NAME} characters`);
    const { finished = {}, running = {} } = record(entry, typePath);
    const hours: Record<string, Record<string, number>> = {};
    for (const [hour, bins] of Object.entries(record(finished, `${typePath}.finished`))) {
      if (!isIndex(hour, 2 ** 32)) throw new TypeError(`Expected the hours of \`${typePath}.finished\` to be integers, got "${hour.slice(0, 20)}"`);
      hours[hour] = counts(bins, `${typePath}.finished.${hour}`);
    }
    types[type] = { finished: hours, running: counts(running, `${typePath}.running`) };
  }
  return {
    format: 'evs-job-watcher/stats',
    version: 1,
    types,
    overheads: pairs(stats['overheads'], `${path}.overheads`, 'sum', 'count'),
    siblings: pairs(stats['siblings'], `${path}.siblings`, 'ss', 'dof'),
  };
}

function counts(value: unknown, path: string): Record<string, number> {
  const bins = record(value, path);
  for (const [bin, count] of Object.entries(bins)) {
    if (!isIndex(bin, MAX_BIN + 1)) throw new TypeError(`Expected the bins of \`${path}\` to be integers from 0 to ${MAX_BIN}, got "${bin.slice(0, 20)}"`);
    if (typeof count !== 'number' || !(count >= 0) || count > MAX_VALUE) throw new TypeError(`Expected \`${path}.${bin}\` to be a count from 0 to ${MAX_VALUE}`);
  }
  return bins as Record<string, number>;
}

function pairs<A extends string, B extends string>(value: unknown, path: string, first: A, second: B): Record<string, Record<A | B, number>> {
  const entries = record(value ?? {}, path);
  for (const [key, entry] of Object.entries(entries)) {
    const pair = record(entry, `${path}.${key.slice(0, 40)}`);
    for (const field of [first, second]) {
      const number = pair[field];
      if (typeof number !== 'number' || !(number >= 0) || number > MAX_VALUE) throw new TypeError(`Expected \`${path}.${key.slice(0, 40)}.${field}\` to be a number from 0 to ${MAX_VALUE}`);
    }
  }
  return entries as Record<string, Record<A | B, number>>;
}

function isIndex(key: string, limit: number): boolean {
  return /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < limit;
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`Expected \`${path}\` to be an object`);
  return value as Record<string, unknown>;
}
