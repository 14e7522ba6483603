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

function parseAt(value: unknown, path: string, depth: number): Job {
  const wire = expectObject(value, path || '$');
  const beginTime = optionalTime(wire, 'begin_time', path);
  const endTime = optionalTime(wire, 'end_time', path);
  const errorCode = optionalString(wire, 'error_code', path);
  const failReason = optionalString(wire, 'fail_reason', path);
  return {
    jobId: requiredString(wire, 'job_id', path),
    jobType: optionalString(wire, 'job_type', path) ?? '',
    status: requiredString(wire, 'status', path),
    ...(beginTime && { beginTime }),
    ...(endTime && { endTime }),
    ...(errorCode !== undefined && { errorCode }),
    ...(failReason !== undefined && { failReason }),
    entities: parseEntities(wire['entities'], join(path, 'entities'), depth),
    raw: wire,
  };
}

function parseEntities(value: unknown, path: string, depth: number): JobEntities {
  if (value === undefined || value === null) return { subJobs: [], other: {} };
  const wire = expectObject(value, path);
  const volumeId = optionalString(wire, 'volume_id', path);
  const other: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(wire)) {
    if (key !== 'volume_id' && key !== 'sub_jobs') other[camelCase(key)] = field;
  }
  return {
    ...(volumeId !== undefined && { volumeId }),
    subJobs: parseSubJobs(wire['sub_jobs'], join(path, 'sub_jobs'), depth),
    other,
  };
}

function parseSubJobs(value: unknown, path: string, depth: number): Job[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(path, 'expected an array', value);
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
  return checkString(value, join(path, key));
}

/** `null`, absent and `""` all mean "no value" on this API. */
function optionalString(wire: Wire, key: string, path: string): string | undefined {
  const value = wire[key];
  if (value === undefined || value === null || value === '') return undefined;
  return checkString(value, join(path, key));
}

function checkString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(path, 'expected a string', value);
  if (value.length > MAX_STRING) throw invalid(path, `longer than ${MAX_STRING} characters`);
  return value;
}

function optionalTime(wire: Wire, key: string, path: string): Date | undefined {
  const text = optionalString(wire, key, path);
  if (text === undefined) return undefined;
  // A timestamp without a zone is UTC on this API.
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const time = TIMESTAMP.test(text) && isCalendarDate(text) ? Date.parse(zoned.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(time)) throw invalid(join(path, key), 'expected a timestamp like 2016-03-08T07:40:13.219Z');
  return new Date(time);
}

/** `Date.parse` rolls 2016-02-30 over to March and 24:00 to the next day; the wire must not. */
function isCalendarDate(text: string): boolean {
  const [year, month, day, hour] = [0, 5, 8, 11].map((at) => Number(text.slice(at, at === 0 ? 4 : at + 2))) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24;
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
  return key.replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}
