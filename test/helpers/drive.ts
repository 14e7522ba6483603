import { settle, type FakeClock } from './fake-clock.js';

/**
 * Advances fake time in `step` ms increments until `done()` holds, letting the
 * real I/O started at each step finish (while `busy()`) before time moves on,
 * so HTTP answers arrive at the fake instant they were asked for.
 */
export async function drive(clock: FakeClock, done: () => boolean, options: { busy: () => boolean; step?: number; limit?: number }): Promise<void> {
  const { busy, step = 1_000, limit = 24 * 3_600_000 } = options;
  for (let elapsed = 0; !done(); elapsed += step) {
    if (elapsed > limit) throw new Error(`still not done after ${limit} ms of fake time`);
    await clock.tick(step);
    await settle(() => !busy(), 10_000);
    await settle(undefined, 3);
  }
}

/** Tracks whether a promise has settled, for {@link drive}'s `done`. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}
