import type { Comparison } from '../comparison.js';
import type { Summary } from '../summary.js';
import type { CliEvent } from './events.js';
import type { Output, Renderer } from './renderer.js';

/**
 * `--json`: one JSON object per line for scripts, every event included. Each
 * line has `type` and `time` (ISO 8601) first; the last line is the summary.
 */
export class NdjsonRenderer implements Renderer {
  readonly #out: Output;
  readonly #now: () => number;

  /** `now` stamps each line, in ms since the epoch. */
  constructor(out: Output, now: () => number) {
    this.#out = out;
    this.#now = now;
  }

  event(event: CliEvent): void {
    this.#line(event);
  }

  end(summary: Summary, comparison?: Comparison): void {
    if (comparison !== undefined) this.#line(comparison);
    this.#line(summary);
  }

  #line(record: { readonly type: string }): void {
    const { type, ...fields } = record;
    this.#out.write(`${JSON.stringify({ type, time: new Date(this.#now()).toISOString(), ...fields })}\n`);
  }
}
