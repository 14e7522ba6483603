import { MAX_DELAY } from '../clock/clock.js';
import { UsageError } from './usage-error.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration flag: a plain number is seconds (`600`), or a number with a
 * unit: `500ms`, `90s`, `10m`, `2h`. Returns whole ms, from 1 to 2³¹−1 (~24.8 days).
 * @throws {UsageError} naming the flag.
 */
export function parseDuration(flag: string, text: string, command?: string): number {
  const match = DURATION.exec(text.trim());
  const ms = match === null ? Number.NaN : Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? Number.NaN));
  if (!(ms >= 1 && ms <= MAX_DELAY)) {
    throw new UsageError(`invalid --${flag} ${JSON.stringify(text)}: expected seconds or a duration like 90s, 10m, 2h (at most 24 days)`, command);
  }
  return ms;
}

/**
 * Formats ms for people: `850ms`, `12.3s`, `4m05s`, `1h02m`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const abs = Math.max(0, ms);
  if (abs < 1_000) return `${Math.round(abs)}ms`;
  if (abs < 60_000) return `${(abs / 1_000).toFixed(1)}s`;
  const seconds = Math.floor(abs / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3_600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`;
}
