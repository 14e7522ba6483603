import type { Comparison } from '../comparison.js';
import type { Summary } from '../summary.js';
import type { CliEvent } from './events.js';

/** Where a renderer writes: `process.stdout`, or a capture in tests. */
export interface Output {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width in characters, when a terminal. */
  readonly columns?: number;
  /** Terminal height in lines, when a terminal. */
  readonly rows?: number;
}

/** Gauges a live display may show; read when it redraws. */
export interface LiveStats {
  /** Jobs being watched now (added and not finished). */
  readonly watched: number;
  /** Polls sent so far. */
  readonly polls: number;
  /** Polls in flight now. */
  readonly inFlight: number;
  /** Requests per second currently allowed; `Infinity` when unlimited. */
  readonly rateLimit: number;
}

/**
 * Turns the CLI's events into output: live progress on a terminal, one line
 * per event off one, NDJSON with `--json`. Fed by a {@link WatchSession}.
 */
export interface Renderer {
  event(event: CliEvent): void;
  /** Writes the final summary (and the demo's comparison); nothing is written after it. */
  end(summary: Summary, comparison?: Comparison): void;
}
