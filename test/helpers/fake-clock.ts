import FakeTimers from '@sinonjs/fake-timers';
import { setImmediate as realImmediate } from 'node:timers/promises';
import type { Clock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/clock/seeded-random.js';

/** A fake clock (not installed globally) plus the {@link Clock} view the library takes. */
export interface FakeClock extends Clock {
  readonly fake: FakeTimers.Clock;
  /** Advances fake time by `ms`, running due timers and the microtasks they start. */
  tick(ms: number): Promise<void>;
}

/**
 * Creates a fake clock starting at `start` (default 2026-01-01T00:00:00Z) with a
 * seeded random source. Real I/O still runs on the real event loop, so tests can
 * mix fake time with real HTTP: see {@link settle}.
 */
export function createFakeClock(options: { start?: number; seed?: number } = {}): FakeClock {
  const fake = FakeTimers.createClock(options.start ?? Date.UTC(2026, 0, 1), 10_000);
  return {
    fake,
    now: () => fake.now,
    setTimeout: (callback, delay) => fake.setTimeout(callback, delay),
    clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
    random: seededRandom(options.seed ?? 1),
    tick: async (ms) => {
      await fake.tickAsync(ms);
    },
  };
}

/**
 * Lets real I/O (sockets, HTTP parsing) make progress without advancing fake
 * time: yields to the real event loop until `done()` holds, or `turns` run out.
 */
export async function settle(done: () => boolean = () => false, turns = 200): Promise<void> {
  for (let turn = 0; turn < turns && !done(); turn++) await realImmediate();
}
