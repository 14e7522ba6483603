/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The one seam for time and randomness. Core logic never calls `Date.now()`,
 * `performance.now()`, `setTimeout()` or `Math.random()` directly, so tests
 * drive it with `@sinonjs/fake-timers` and assert exact schedules.
 *
 * Two readings, because they answer different questions: timers, deadlines,
 * pauses and rates run on {@link monotonicNow}, which an NTP step cannot move;
 * {@link wallNow} is read only to compare with the server's times
 * (`begin_time`, `Date`, `X-Sdk-Date`).
 */
export interface Clock {
  /** Monotonic time in ms from an arbitrary origin; never jumps. */
  monotonicNow(): number;
  /** Wall-clock time in ms since the epoch; may jump when the system clock is set. */
  wallNow(): number;
  /** Runs `callback` once after `delay` ms (of monotonic time). */
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
  monotonicNow: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback, delay) => setTimeout(callback, boundDelay(delay)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

/** @throws {TypeError} unless `clock` has the five methods of {@link Clock}. */
export function assertClock(name: string, clock: unknown): asserts clock is Clock {
  const record = clock as Record<string, unknown> | null;
  const missing = CLOCK_METHODS.find((method) => typeof record?.[method] !== 'function');
  if (typeof clock !== 'object' || clock === null || missing !== undefined) {
    throw new TypeError(`Expected \`${name}\` to be a Clock with ${CLOCK_METHODS.join(', ')}() methods${missing === undefined ? '' : `, missing ${missing}()`}`);
  }
}

const CLOCK_METHODS = ['monotonicNow', 'wallNow', 'setTimeout', 'clearTimeout', 'random'] as const;
