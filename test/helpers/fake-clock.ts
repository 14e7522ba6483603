import FakeTimers from '@sinonjs/fake-timers';
import { setImmediate as realImmediate } from 'node:timers/promises';
import type { Clock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/clock/seeded-random.js';

/**
 * A fake clock (not installed globally) plus the {@link Clock} view the library
 * takes: `tick` moves both readings, `fake.setSystemTime` steps the wall clock alone.
 */
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
  const start = options.start ?? Date.UTC(2026, 0, 1);
  const fake = FakeTimers.createClock(start, 10_000);
  const performance = fake.performance as { now(): number };
  return {
    fake,
    // Both readings start equal, so tests may compare them until the wall clock is stepped.
    monotonicNow: () => start + performance.now(),
    wallNow: () => fake.now,
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
