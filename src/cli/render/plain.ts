import { systemClock, type Clock } from '../../clock/clock.js';
import type { Comparison } from '../comparison.js';
import { formatDuration } from '../durations.js';
import type { Summary } from '../summary.js';
import type { CliEvent } from './events.js';
import { PollErrorDigest, type PollErrorReport } from './poll-errors.js';
import type { Output, Renderer } from './renderer.js';
import { failureText, formatComparison, formatSummary, plural } from './summary-text.js';

/**
 * Off a terminal (pipes, CI logs): one stable, plain line per event that
 * matters — a job finished, failed, timed out or could not be watched,
 * throttling, refused credentials, a signal — and no escape codes. Failed
 * polls are gathered by kind: the first of a kind is printed at once, then one
 * line per kind every few seconds with counts (see {@link PollErrorDigest}).
 */
export class PlainRenderer implements Renderer {
  readonly #out: Output;
  readonly #clock: Pick<Clock, 'monotonicNow'>;
  readonly #pollErrors = new PollErrorDigest();

  /** `clock`: real time, which paces the poll-error lines. */
  constructor(out: Output, clock: Pick<Clock, 'monotonicNow'> = systemClock) {
    this.#out = out;
    this.#clock = clock;
  }

  event(event: CliEvent): void {
    if (event.type === 'pollError') {
      const report = this.#pollErrors.record(event, this.#clock.monotonicNow());
      if (report !== undefined) this.#out.write(`${pollErrorLine(report)}\n`);
      return;
    }
    const line = plainLine(event);
    if (line !== undefined) this.#out.write(`${line}\n`);
  }

  end(summary: Summary, comparison?: Comparison): void {
    const lines = [...this.#pollErrors.flush(this.#clock.monotonicNow()).map(pollErrorLine), '', ...formatSummary(summary)];
    if (comparison !== undefined) lines.push(formatComparison(comparison));
    this.#out.write(`${lines.join('\n')}\n`);
  }
}

/** A poll-error line: the first of its kind, or the failures gathered since the last line. */
export function pollErrorLine(report: PollErrorReport): string {
  if (report.type === 'first') {
    const { event, phrase } = report;
    return `${label('poll error')}${phrase} (${shorten(event.message)}): job ${event.jobId}, retrying in ${formatDuration(event.retryInMs)}`;
  }
  const { phrase, message, polls, jobs, sinceMs } = report;
  return `${label('poll errors')}${phrase} (${shorten(message)}): ${plural(polls, 'more failed poll')} of ${plural(jobs, 'job')} in ${formatDuration(sinceMs)}, still retrying`;
}

/** The line an event prints as, or `undefined` for events only `--json` reports one by one (status changes, progress, failed polls). */
export function plainLine(event: CliEvent): string | undefined {
  switch (event.type) {
    case 'start':
      return `watching ${plural(event.jobs, 'job')} at ${event.endpoint} (${event.service}, project ${event.projectId})`;
    case 'succeeded':
      return `${label('succeeded')}${event.jobId}  ${event.jobType || '?'}  ${duration(event.durationMs)}`;
    case 'failed': {
      const subJobs = event.subJobs > 0 ? `  (${event.subJobsFailed} of ${event.subJobs} sub-jobs failed)` : '';
      return `${label('failed')}${event.jobId}  ${event.jobType || '?'}  ${duration(event.durationMs)}  ${failureText(event)}${subJobs}`;
    }
    case 'timeout':
      return `${label('timed out')}${event.jobId}  after ${formatDuration(event.timeoutMs)}, last seen ${event.lastStatus ?? 'never (no answer)'}`;
    case 'notWatched':
      // Refused credentials stop every job at once: the `authFailed` line says it once.
      if (event.reason === 'auth') return undefined;
      return `${label(event.reason === 'notFound' ? 'not found' : 'rejected')}${event.jobId}  ${event.message}`;
    case 'throttled': {
      const rate = event.rate === null ? '' : `, then at most ${Math.round(event.rate * 10) / 10} req/s`;
      const asked = event.retryAfterMs === null ? '' : ' (as Retry-After asked)';
      return `${label('throttled')}all polls paused for ${formatDuration(event.pauseMs)}${asked}${rate}`;
    }
    case 'authFailed':
      return `${label('auth failed')}${event.message}: stopped polling every job`;
    case 'interrupted':
      return `${label('interrupted')}${event.signal}: stopping, ${plural(event.unfinished, 'job')} unfinished`;
    case 'status':
    case 'progress':
    case 'pollError':
      return undefined;
  }
}

/** A message as a line quotes it: at most 120 characters. */
function shorten(message: string): string {
  return message.length > 120 ? `${message.slice(0, 119)}…` : message;
}

function label(text: string): string {
  return text.padEnd(13);
}

function duration(ms: number | null): string {
  return ms === null ? '?' : formatDuration(ms);
}
