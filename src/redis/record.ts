import type { WatchRecord } from '../watcher/watch.js';

/**
 * A watch's state as the fleet stores it, small enough for Redis's compact
 * hash encoding (at most 64 bytes with the Lua header): the type, a one-letter
 * status, then base-36 numbers, `|`-separated; trailing defaults are dropped.
 * The job's age is kept by the Lua header (`born`, on Redis's clock), the
 * sub-jobs already seen finished of a batch beside it (see {@link encodeBatch}).
 */
const STATUS_CODES: Readonly<Record<string, string>> = { INIT: 'i', RUNNING: 'r', SUCCESS: 's', FAIL: 'f' };
const CODE_STATUSES: Readonly<Record<string, string>> = { i: 'INIT', r: 'RUNNING', s: 'SUCCESS', f: 'FAIL' };

/** The record of a watch; `jobId`, `elapsed` and the sub-jobs are kept elsewhere. */
export function encodeRecord(record: Pick<WatchRecord, 'jobType' | 'status' | 'beginTime' | 'polls' | 'errors' | 'notFound' | 'confirmations'>): string {
  const status = record.status === undefined ? '' : (STATUS_CODES[record.status] ?? `=${escape(record.status)}`);
  const fields = [
    escape(record.jobType ?? ''),
    status,
    Number.isNaN(record.beginTime) ? '' : Math.round(record.beginTime).toString(36),
    record.polls.toString(36),
    record.errors.toString(36),
    record.notFound.toString(36),
    record.confirmations.toString(36),
  ];
  while (fields.length > 1 && (fields.at(-1) === '' || fields.at(-1) === '0')) fields.pop();
  return fields.join('|');
}

/** The first record of a job, before any answer: only what the caller said its type is. */
export function initialRecord(typeHint: string | undefined): string {
  return escape(typeHint ?? '');
}

/** Reads a record back, with the job's age (ms) and its batch data. */
export function decodeRecord(jobId: string, text: string, elapsed: number, batch: string): WatchRecord {
  const [jobType = '', status = '', beginTime = '', polls, errors, notFound, confirmations] = text.split('|');
  const { done, failed } = decodeBatch(batch);
  return {
    jobId,
    jobType: jobType === '' ? undefined : unescape(jobType),
    status: status === '' ? undefined : status.startsWith('=') ? unescape(status.slice(1)) : CODE_STATUSES[status],
    beginTime: beginTime === '' ? Number.NaN : Number.parseInt(beginTime, 36),
    elapsed: Math.max(0, elapsed),
    polls: count(polls),
    errors: count(errors),
    notFound: count(notFound),
    confirmations: count(confirmations),
    subJobsDone: done,
    subJobsFailed: failed,
  };
}

/** The sub-jobs of a batch already seen finished (so `subJobDone` fires once per sub-job fleet-wide); '' for none. */
export function encodeBatch(record: Pick<WatchRecord, 'subJobsDone' | 'subJobsFailed'>): string {
  return record.subJobsDone === undefined ? '' : JSON.stringify({ done: record.subJobsDone, failed: record.subJobsFailed });
}

function decodeBatch(text: string): { done: readonly string[] | undefined; failed: number } {
  if (text === '') return { done: undefined, failed: 0 };
  const { done, failed } = JSON.parse(text) as { done: string[]; failed: number };
  return { done, failed };
}

function count(text: string | undefined): number {
  return text === undefined || text === '' ? 0 : Number.parseInt(text, 36);
}

/** `|` separates fields and `%` escapes: nothing else needs it in a type or status. */
function escape(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('|', '%7C');
}

function unescape(text: string): string {
  return text.replaceAll('%7C', '|').replaceAll('%25', '%');
}
