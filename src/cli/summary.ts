import { EXIT, SIGNAL_EXIT, type ExitCode, type StopSignal } from './exit-codes.js';
import type { NotWatchedReason } from './render/events.js';

/** A job that ended in FAIL. */
export interface FailedJob {
  readonly jobId: string;
  readonly jobType: string;
  readonly errorCode: string | null;
  readonly failReason: string | null;
  readonly subJobsFailed: number;
  readonly subJobs: number;
}

/** A job that did not finish in time. */
export interface TimedOutJob {
  readonly jobId: string;
  readonly lastStatus: string | null;
}

/** A job that could not be watched. */
export interface NotWatchedJob {
  readonly jobId: string;
  readonly reason: NotWatchedReason;
  readonly code: string;
  readonly message: string;
}

/** The outcome of one `wait` (or demo) run: what `--json` prints as its last line. */
export interface Summary {
  readonly type: 'summary';
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly notWatched: number;
  /** Jobs still unfinished when a signal stopped the run. */
  readonly interrupted: number;
  /** Polls sent (HTTP requests for job status, retries included). */
  readonly polls: number;
  /** Real time from start to summary, in ms. */
  readonly wallMs: number;
  /** The demo's simulated time from start to summary, in ms; `null` for `wait` (its time is real). */
  readonly simulatedMs: number | null;
  /** Jobs the demo's scene makes fail on purpose (its failures are part of the show); `null` for `wait`. */
  readonly failedByDesign: number | null;
  readonly exitCode: ExitCode;
  readonly failedJobs: readonly FailedJob[];
  readonly timedOutJobs: readonly TimedOutJob[];
  readonly notWatchedJobs: readonly NotWatchedJob[];
  readonly interruptedJobs: readonly string[];
}

/** The counts an exit code is decided from. */
export interface OutcomeCounts {
  readonly failed: number;
  readonly timedOut: number;
  readonly notWatched: number;
  readonly interrupted: number;
}

/**
 * The exit code of a run: a signal wins (130/143); then any FAIL (1); then any
 * job timed out or not watched (3); else 0.
 */
export function exitCodeOf(counts: OutcomeCounts, signal: StopSignal | undefined): ExitCode {
  if (signal !== undefined) return SIGNAL_EXIT[signal];
  if (counts.failed > 0) return EXIT.failed;
  if (counts.timedOut > 0 || counts.notWatched > 0 || counts.interrupted > 0) return EXIT.incomplete;
  return EXIT.ok;
}
