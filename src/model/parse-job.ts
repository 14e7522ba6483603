import { InvalidResponseError } from '../errors/invalid-response-error.js';
import type { Job, JobEntities } from './job.js';

type Wire = Record<string, unknown>;

/** Longest string field accepted from the wire; guards logs and memory against garbage. */
const MAX_STRING = 4096;
/** Deepest `sub_jobs` nesting accepted (real batch jobs nest once). */
const MAX_DEPTH = 8;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a job body (text) at the boundary.
 * @throws {InvalidResponseError} naming the field that was wrong.
 */
export function parseJobText(text: string): Job {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidResponseError('body is not JSON', { field: '$', cause: error });
  }
  return parseJob(value);
}

/**
 * Validates a decoded wire job and converts it to a {@link Job}.
 * Unknown status strings are kept; wrong types are rejected.
 * @throws {InvalidResponseError} naming the field that was wrong.
 */
export function parseJob(value: unknown): Job {
  return parseAt(value, '', 0);
}

/** Shared by every job without sub-jobs or other entity fields: most polls of a million jobs. */
const NO_SUB_JOBS: readonly Job[] = Object.freeze([]);
const NO_OTHER: Readonly<Record<string, unknown>> = Object.freeze({});

// Paths are joined only when a field is wrong: building them for every field of every poll showed in profiles.
function parseAt(value: unknown, path: string, depth: number): Job {
  const wire = expectObject(value, path || '$');
  const job: { -readonly [K in keyof Job]: Job[K] } = {
    jobId: requiredString(wire, 'job_id', path),
    jobType: optionalString(wire, 'job_type', path) ?? '',
    status: requiredString(wire, 'status', path),
    entities: parseEntities(wire['entities'], path, depth),
    raw: wire,
  };
  const beginTime = optionalTime(wire, 'begin_time', path);
  if (beginTime !== undefined) job.beginTime = beginTime;
  const endTime = optionalTime(wire, 'end_time', path);
  if (endTime !== undefined) job.endTime = endTime;
  const errorCode = optionalString(wire, 'error_code', path);
  if (errorCode !== undefined) job.errorCode = errorCode;
  const failReason = optionalString(wire, 'fail_reason', path);
  if (failReason !== undefined) job.failReason = failReason;
  return job;
}

/** `parent` is the path of the job holding these entities. */
function parseEntities(value: unknown, parent: string, depth: number): JobEntities {
  if (value === undefined || value === null) return { subJobs: NO_SUB_JOBS, other: NO_OTHER };
  const path = join(parent, 'entities');
  const wire = expectObject(value, path);
  let other: Record<string, unknown> | undefined;
  for (const key in wire) {
    if (key !== 'volume_id' && key !== 'sub_jobs' && Object.hasOwn(wire, key)) (other ??= {})[camelCase(key)] = wire[key];
  }
  const entities: { -readonly [K in keyof JobEntities]: JobEntities[K] } = { subJobs: parseSubJobs(wire['sub_jobs'], path, depth), other: other ?? NO_OTHER };
  const volumeId = optionalString(wire, 'volume_id', path);
  if (volumeId !== undefined) entities.volumeId = volumeId;
  return entities;
}

/** `parent` is the path of the entities holding `sub_jobs`. */
function parseSubJobs(value: unknown, parent: string, depth: number): readonly Job[] {
  if (value === undefined || value === null) return NO_SUB_JOBS;
  const path = join(parent, 'sub_jobs');
  if (!Array.isArray(value)) throw invalid(path, 'expected an array', value);
  if (value.length === 0) return NO_SUB_JOBS;
  if (depth >= MAX_DEPTH) throw invalid(path, `nested deeper than ${MAX_DEPTH} levels`);
  return value.map((item, index) => parseAt(item, `${path}[${index}]`, depth + 1));
}

function expectObject(value: unknown, path: string): Wire {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(path, 'expected an object', value);
  }
  return value as Wire;
}

function requiredString(wire: Wire, key: string, path: string): string {
  const value = wire[key];
  if (value === undefined || value === null || value === '') throw invalid(join(path, key), 'missing');
  return checkString(value, path, key);
}

/** `null`, absent and `""` all mean "no value" on this API. */
function optionalString(wire: Wire, key: string, path: string): string | undefined {
  const value = wire[key];
  if (value === undefined || value === null || value === '') return undefined;
  return checkString(value, path, key);
}

function checkString(value: unknown, path: string, key: string): string {
  if (typeof value !== 'string') throw invalid(join(path, key), 'expected a string', value);
  if (value.length > MAX_STRING) throw invalid(join(path, key), `longer than ${MAX_STRING} characters`);
  return value;
}

function optionalTime(wire: Wire, key: string, path: string): Date | undefined {
  const text = optionalString(wire, key, path);
  if (text === undefined) return undefined;
  const time = TIMESTAMP.test(text) && isCalendarDate(text) ? parseTimestamp(text) : Number.NaN;
  if (Number.isNaN(time)) throw invalid(join(path, key), 'expected a timestamp like 2016-03-08T07:40:13.219Z');
  return new Date(time);
}

/**
 * Reads a timestamp that matched {@link TIMESTAMP}. The API's own form
 * (`2016-03-08T07:40:13.219Z`) is read field by field, ~10× faster than
 * `Date.parse`: every poll reads two. A timestamp without a zone is UTC.
 */
function parseTimestamp(text: string): number {
  // (Not for years before 1000: Date.UTC maps years 0-99 to 1900-1999.)
  if (text.length === 24 && text[23] === 'Z' && text[19] === '.' && text[0] !== '0') {
    const field = (at: number, length: number): number => Number(text.slice(at, at + length));
    return Date.UTC(field(0, 4), field(5, 2) - 1, field(8, 2), field(11, 2), field(14, 2), field(17, 2), field(20, 3));
  }
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  return Date.parse(zoned.replace(' ', 'T'));
}

/** A real calendar date and time of day: `Date.parse` and `Date.UTC` roll 2016-02-30, 24:00 and 07:60 over; the wire must not. */
function isCalendarDate(text: string): boolean {
  const [year, month, day, hour, minute, second] = [0, 5, 8, 11, 14, 17].map((at) => Number(text.slice(at, at === 0 ? 4 : at + 2))) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
}

function invalid(field: string, message: string, value?: unknown): InvalidResponseError {
  const got = value === undefined ? '' : `, got ${describeType(value)}`;
  return new InvalidResponseError(`${message}${got}`, { field });
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function camelCase(key: string): string {
  if (!key.includes('_')) return key;
  return key.replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}
