import { systemClock } from '../../clock/clock.js';
import type { Environment } from '../../client/auth/credentials.js';
import { NdjsonRenderer } from './ndjson.js';
import { PlainRenderer } from './plain.js';
import type { LiveStats, Output, Renderer } from './renderer.js';
import { TtyRenderer } from './tty.js';

/** Which output a command writes. */
export type OutputMode = 'json' | 'tty' | 'plain';

/** `--json` wins; else live progress on a terminal (not a dumb one); else plain lines. */
export function outputMode(json: boolean, stdout: Output, env: Environment): OutputMode {
  if (json) return 'json';
  return stdout.isTTY === true && env['TERM'] !== 'dumb' ? 'tty' : 'plain';
}

/** What a renderer may need besides the stream. */
export interface RendererContext {
  /** Stamps NDJSON lines (the watcher's clock), in ms since the epoch. */
  readonly now: () => number;
  /** Live gauges for the terminal display. */
  readonly stats: () => LiveStats;
  /** The demo's time scale. */
  readonly timeScale?: number;
}

/** The renderer for `mode` writing to `stdout`. */
export function createRenderer(mode: OutputMode, stdout: Output, context: RendererContext): Renderer {
  switch (mode) {
    case 'json':
      return new NdjsonRenderer(stdout, context.now);
    case 'plain':
      return new PlainRenderer(stdout);
    case 'tty':
      return new TtyRenderer({
        out: stdout,
        clock: systemClock,
        stats: context.stats,
        ...(context.timeScale !== undefined && { timeScale: context.timeScale }),
      });
  }
}
