import { MAX_DELAY } from '../clock/clock.js';

/**
 * Parses `Retry-After` as delay-seconds or an HTTP-date (relative to `serverNow`,
 * the server's own clock when known). Returns ms, clamped to [0, 2³¹−1];
 * `undefined` when the header is absent or unparsable. Never jittered: the
 * server's delay is honoured exactly.
 */
export function parseRetryAfter(header: string | undefined, serverNow: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return clamp(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : clamp(date - serverNow);
}

function clamp(ms: number): number {
  return Math.min(Math.max(0, Math.round(ms)), MAX_DELAY);
}
