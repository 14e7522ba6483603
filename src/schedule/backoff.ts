/**
 * Jittered exponential backoff: attempt `n` waits `base · 2^(n−1)` ms, capped
 * at `max`, scaled by a random factor in [0.5, 1) so clients do not retry in
 * lockstep. `n` is floored at 1, so no input can make the delay shrink below `base / 2`.
 */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const n = Number.isFinite(attempt) ? Math.min(Math.max(1, Math.floor(attempt)), 32) : 1;
  return Math.round(Math.min(max, base * 2 ** (n - 1)) * (0.5 + 0.5 * random()));
}
