/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The one seam for time and randomness. Core logic never calls `Date.now()`,
 * `setTimeout()` or `Math.random()` directly, so tests drive it with
 * `@sinonjs/fake-timers` (`FakeTimers.createClock()` satisfies this interface
 * once `random` is added) and assert exact schedules.
 */
export interface Clock {
  /** Wall-clock time, in ms since the epoch. */
  now(): number;
  /** Runs `callback` once after `delay` ms. */
  setTimeout(callback: () => void, delay: number): TimerHandle;
  /** Cancels a timer made by {@link setTimeout}. */
  clearTimeout(handle: TimerHandle): void;
  /** Uniform random number in [0, 1). */
  random(): number;
}

/** Largest delay `setTimeout` honours; above it Node fires after 1 ms. */
export const MAX_DELAY = 2_147_483_647;

/** Clamps a delay to what a timer can honour: finite, ≥ 0, ≤ 2³¹−1 ms. */
export function boundDelay(delay: number): number {
  if (Number.isNaN(delay) || delay <= 0) return 0;
  return Math.min(delay, MAX_DELAY);
}

/**
 * The real clock. Globals are looked up at call time, so `FakeTimers.install()`
 * also works. Timers stay ref'd: a pending watch must keep the process alive.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delay) => setTimeout(callback, boundDelay(delay)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};
