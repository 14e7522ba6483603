import { createLogUpdate } from 'log-update';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import type { Comparison } from '../comparison.js';
import { formatDuration } from '../durations.js';
import type { Summary } from '../summary.js';
import type { CliEvent } from './events.js';
import { PollErrorDigest } from './poll-errors.js';
import type { LiveStats, Output, Renderer } from './renderer.js';
import { failureText, formatComparison, formatSummary, plural } from './summary-text.js';

/** Options of {@link TtyRenderer}. */
export interface TtyRendererOptions {
  /** The terminal (its `columns` and `rows` bound each frame). */
  readonly out: Output;
  /** Real time: paces redraws and measures elapsed time. */
  readonly clock: Clock;
  /** Live gauges (polls, in flight, rate), read at each redraw. */
  readonly stats?: () => LiveStats;
  /** The demo's time scale: elapsed time is also shown as simulated time. @default 1 */
  readonly timeScale?: number;
  /** Most batch jobs listed, the most recently active first. @default 10 */
  readonly maxBatchLines?: number;
  /** Shortest time between two frames, in ms. @default 100 (at most 10 redraws a second) */
  readonly minFrameInterval?: number;
  /** A frame is redrawn this often even without events (elapsed time moves), in ms. @default 1_000 */
  readonly heartbeat?: number;
  /** Replaces the frame in place. @default log-update on `out` */
  readonly draw?: (frame: string) => void;
}

/** A batch job as the live display shows it. */
interface BatchView {
  readonly jobId: string;
  readonly jobType: string;
  done: number;
  failed: number;
  total: number;
  /** When it last changed, on the renderer's clock. */
  lastActive: number;
}

const BAR_WIDTH = 30;
const BATCH_BAR_WIDTH = 12;
const RECENT_FAILURES = 3;
/** Kinds of poll error listed, the most recent first. */
const POLL_ERROR_LINES = 2;
/** What a terminal that reports no size (0×0: `script -qc`, some CI ptys) is drawn as. */
const FALLBACK_SIZE = { columns: 80, rows: 24 } as const;

/**
 * Live progress on a terminal, redrawn in place by log-update: an overall bar,
 * the running batch jobs with their sub-jobs' progress (the most recently active
 * few), throttling when it happens, the last failures. Frames are bounded in
 * lines and paced (at most one per `minFrameInterval`), so 5 000 jobs do not
 * flicker or scroll; the summary is printed below the last frame.
 */
export class TtyRenderer implements Renderer {
  readonly #out: Output;
  readonly #clock: Clock;
  readonly #stats: (() => LiveStats) | undefined;
  readonly #timeScale: number;
  readonly #maxBatchLines: number;
  readonly #minFrameInterval: number;
  readonly #heartbeat: number;
  readonly #draw: (frame: string) => void;
  readonly #persist: () => void;
  readonly #startedAt: number;
  #total = 0;
  #endpoint = '';
  #succeeded = 0;
  #failed = 0;
  #timedOut = 0;
  #notWatched = 0;
  /** Last status of each unfinished job that answered. */
  readonly #statuses = new Map<string, string>();
  readonly #statusCounts = new Map<string, number>();
  readonly #batches = new Map<string, BatchView>();
  readonly #recentFailures: string[] = [];
  readonly #pollErrors = new PollErrorDigest();
  #throttles = 0;
  #lastThrottle: { at: number; pauseMs: number } | undefined;
  #alert: string | undefined;
  #lastFrameAt = Number.NEGATIVE_INFINITY;
  #dirty = false;
  #timer: TimerHandle;
  #timerDue = Number.POSITIVE_INFINITY;
  #ended = false;

  constructor(options: TtyRendererOptions) {
    this.#out = options.out;
    this.#clock = options.clock;
    this.#stats = options.stats;
    this.#timeScale = options.timeScale ?? 1;
    this.#maxBatchLines = options.maxBatchLines ?? 10;
    this.#minFrameInterval = options.minFrameInterval ?? 100;
    this.#heartbeat = options.heartbeat ?? 1_000;
    if (options.draw === undefined) {
      const logUpdate = createLogUpdate(screenOf(options.out) as NodeJS.WritableStream);
      this.#draw = (frame) => logUpdate(frame);
      this.#persist = () => logUpdate.done();
    } else {
      this.#draw = options.draw;
      this.#persist = () => undefined;
    }
    this.#startedAt = this.#clock.monotonicNow();
  }

  event(event: CliEvent): void {
    if (this.#ended) return;
    this.#apply(event);
    this.#dirty = true;
    this.#schedule();
  }

  end(summary: Summary, comparison?: Comparison): void {
    if (this.#ended) return;
    this.#cancelTimer();
    this.#redraw();
    this.#ended = true;
    this.#persist();
    const lines = ['', ...formatSummary(summary)];
    if (comparison !== undefined) lines.push(formatComparison(comparison));
    this.#out.write(`${lines.join('\n')}\n`);
  }

  /** The frame as it would be drawn now (lines joined by `\n`, no trailing newline). */
  frame(): string {
    const width = Math.max(20, sizeOf(this.#out).columns - 1);
    return this.#lines()
      .map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line))
      .join('\n');
  }

  // ── state ────────────────────────────────────────────────────────────

  #apply(event: CliEvent): void {
    const now = this.#clock.monotonicNow();
    switch (event.type) {
      case 'start':
        this.#total = event.jobs;
        this.#endpoint = event.endpoint;
        return;
      case 'status':
        this.#setStatus(event.jobId, event.status);
        if (event.subJobs > 0) this.#touchBatch(event.jobId, event.jobType, now).total = event.subJobs;
        return;
      case 'progress': {
        const batch = this.#touchBatch(event.jobId, event.jobType, now);
        batch.done = event.done;
        batch.failed = event.failed;
        batch.total = event.total;
        return;
      }
      case 'succeeded':
        this.#succeeded += 1;
        this.#forget(event.jobId);
        return;
      case 'failed': {
        this.#failed += 1;
        this.#forget(event.jobId);
        this.#recentFailures.push(`${event.jobId}  ${event.jobType || '?'}  ${failureText(event)}`);
        if (this.#recentFailures.length > RECENT_FAILURES) this.#recentFailures.shift();
        return;
      }
      case 'timeout':
        this.#timedOut += 1;
        this.#forget(event.jobId);
        return;
      case 'notWatched':
        this.#notWatched += 1;
        this.#forget(event.jobId);
        return;
      case 'throttled':
        this.#throttles += 1;
        this.#lastThrottle = { at: now, pauseMs: event.pauseMs };
        return;
      case 'authFailed':
        this.#alert = `credentials refused (${event.message}): stopped polling`;
        return;
      case 'interrupted':
        this.#alert = `${event.signal}: stopping, ${plural(event.unfinished, 'job')} unfinished…`;
        return;
      case 'pollError':
        this.#pollErrors.record(event, now);
        return;
    }
  }

  #setStatus(jobId: string, status: string): void {
    const previous = this.#statuses.get(jobId);
    if (previous !== undefined) this.#statusCounts.set(previous, (this.#statusCounts.get(previous) ?? 1) - 1);
    this.#statuses.set(jobId, status);
    this.#statusCounts.set(status, (this.#statusCounts.get(status) ?? 0) + 1);
  }

  #forget(jobId: string): void {
    const previous = this.#statuses.get(jobId);
    if (previous !== undefined) this.#statusCounts.set(previous, (this.#statusCounts.get(previous) ?? 1) - 1);
    this.#statuses.delete(jobId);
    this.#batches.delete(jobId);
  }

  #touchBatch(jobId: string, jobType: string, now: number): BatchView {
    let batch = this.#batches.get(jobId);
    if (batch === undefined) {
      batch = { jobId, jobType, done: 0, failed: 0, total: 0, lastActive: now };
      this.#batches.set(jobId, batch);
    }
    batch.lastActive = now;
    return batch;
  }

  // ── drawing ──────────────────────────────────────────────────────────

  #lines(): string[] {
    const now = this.#clock.monotonicNow();
    const elapsed = now - this.#startedAt;
    const stats = this.#stats?.();
    const finished = this.#succeeded + this.#failed + this.#timedOut + this.#notWatched;
    const simulated = this.#timeScale === 1 ? '' : ` (${formatDuration(elapsed * this.#timeScale)} simulated)`;
    const gauges = stats === undefined ? '' : ` · ${plural(stats.polls, 'poll')} · ${stats.inFlight} in flight`;
    const lines = [`evs-jobs · ${plural(this.#total, 'job')} at ${this.#endpoint} · ${formatDuration(elapsed)}${simulated}${gauges}`];
    const tail = [`${this.#succeeded} ok`, `${this.#failed} failed`];
    if (this.#timedOut > 0) tail.push(`${this.#timedOut} timed out`);
    if (this.#notWatched > 0) tail.push(`${this.#notWatched} not watched`);
    lines.push(`${bar(finished, this.#total, BAR_WIDTH)} ${finished}/${this.#total} done · ${tail.join(' · ')}`);
    const running = this.#statusCounts.get('RUNNING') ?? 0;
    const starting = this.#statusCounts.get('INIT') ?? 0;
    const watched = stats?.watched ?? this.#total - finished;
    const unseen = Math.max(0, watched - this.#statuses.size);
    const toCome = Math.max(0, this.#total - finished - watched);
    const other = this.#statuses.size - running - starting;
    const states = [`${running} running`, `${starting} starting`, `${unseen} waiting for a first answer`];
    if (other > 0) states.push(`${other} in other states`);
    if (toCome > 0) states.push(`${toCome} still to come`);
    lines.push(`  ${states.join(' · ')}`);
    if (this.#lastThrottle !== undefined) {
      const ago = formatDuration(now - this.#lastThrottle.at);
      const rate = stats !== undefined && Number.isFinite(stats.rateLimit) ? `; now at most ${Math.round(stats.rateLimit * 10) / 10} req/s` : '';
      lines.push(`  throttled (HTTP 429) ×${this.#throttles}, last ${ago} ago: paused ${formatDuration(this.#lastThrottle.pauseMs)}${rate}`);
    }
    if (this.#alert !== undefined) lines.push(`  ${this.#alert}`);
    lines.push(...this.#pollErrorLines(now));
    lines.push(...this.#batchLines());
    if (this.#recentFailures.length > 0) {
      lines.push('  recent failures:');
      lines.push(...this.#recentFailures.map((failure) => `    ✖ ${failure}`));
    }
    return lines;
  }

  #pollErrorLines(now: number): string[] {
    const kinds = this.#pollErrors.kinds();
    const lines = kinds.slice(0, POLL_ERROR_LINES).map(({ phrase, message, polls, jobs, lastAt }) =>
      `  poll errors: ${phrase} ×${polls} (${plural(jobs, 'job')}), last ${formatDuration(now - lastAt)} ago, retrying: ${message}`,
    );
    if (kinds.length > POLL_ERROR_LINES) lines.push(`  … and ${plural(kinds.length - POLL_ERROR_LINES, 'other kind')} of poll error`);
    return lines;
  }

  #batchLines(): string[] {
    if (this.#batches.size === 0) return [];
    const { rows } = sizeOf(this.#out);
    const limit = Math.max(1, Math.min(this.#maxBatchLines, rows - 12));
    const batches = [...this.#batches.values()].sort((a, b) => b.lastActive - a.lastActive);
    const lines = [`  batch jobs running: ${batches.length}`];
    for (const batch of batches.slice(0, limit)) {
      const failed = batch.failed > 0 ? ` · ${batch.failed} failed` : '';
      lines.push(`    ${batch.jobId}  ${batch.jobType || '?'}  ${bar(batch.done, batch.total, BATCH_BAR_WIDTH)} ${batch.done}/${batch.total}${failed}`);
    }
    if (batches.length > limit) lines.push(`    … and ${batches.length - limit} more batch ${batches.length - limit === 1 ? 'job' : 'jobs'}`);
    return lines;
  }

  /** At most one frame per `minFrameInterval` while events arrive, and one per `heartbeat` otherwise. */
  #schedule(): void {
    if (this.#ended) return;
    const due = this.#lastFrameAt + (this.#dirty ? this.#minFrameInterval : this.#heartbeat);
    if (this.#timer !== undefined && this.#timerDue <= due) return;
    this.#cancelTimer();
    this.#timerDue = due;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = Number.POSITIVE_INFINITY;
      this.#redraw();
      this.#schedule();
    }, Math.max(0, due - this.#clock.monotonicNow()));
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
  }

  #redraw(): void {
    this.#lastFrameAt = this.#clock.monotonicNow();
    this.#dirty = false;
    this.#draw(this.frame());
  }
}

/** The terminal's size, or {@link FALLBACK_SIZE} where it reports none (0 or absent). */
function sizeOf(out: Output): { readonly columns: number; readonly rows: number } {
  return { columns: out.columns || FALLBACK_SIZE.columns, rows: out.rows || FALLBACK_SIZE.rows };
}

/**
 * `out` as log-update sees it: log-update wraps to `columns` and keeps the last
 * `rows` lines, so a 0×0 terminal got no frame at all, or one character per line.
 */
function screenOf(out: Output): Pick<Output, 'write' | 'columns' | 'rows'> {
  return {
    write: (chunk: string) => out.write(chunk),
    get columns() {
      return sizeOf(out).columns;
    },
    get rows() {
      return sizeOf(out).rows;
    },
  };
}

function bar(done: number, total: number, width: number): string {
  const filled = total <= 0 ? 0 : Math.min(width, Math.round((done / total) * width));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}
