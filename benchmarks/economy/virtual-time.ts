import FakeTimers from '@sinonjs/fake-timers';
import { setImmediate as realImmediate } from 'node:timers/promises';
import { seededRandom, type Clock } from '../lib/library.js';

/**
 * Virtual time for one strategy run: `@sinonjs/fake-timers` installed on the
 * globals (setTimeout, clearTimeout, Date) so that code which calls them
 * directly — the AWS waiter's `sleep()` and `Date.now()` — runs in the same
 * virtual time as the library, which gets the same fake through its `Clock` seam.
 *
 * Time is driven by {@link runUntilIdle}: fire the next timer with `clock.next()`,
 * then yield one real `setImmediate` so every promise chain it started settles
 * before the next timer (what `tickAsync` does, without its 1 ms real timeout
 * per timer). setImmediate, nextTick and queueMicrotask stay real.
 */
export class VirtualTime implements Disposable {
  readonly fake: FakeTimers.Clock;
  readonly clock: Clock;
  readonly #realRandom = Math.random;

  constructor(start: number, seed: number) {
    this.fake = FakeTimers.withGlobal(globalThis).install({
      now: start,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      loopLimit: 100_000_000,
    });
    const random = seededRandom(seed);
    this.clock = {
      monotonicNow: () => this.fake.now,
      wallNow: () => this.fake.now,
      setTimeout: (callback, delay) => this.fake.setTimeout(callback, delay),
      clearTimeout: (handle) => this.fake.clearTimeout(handle as FakeTimers.TimerId),
      random,
    };
    // The waiter draws its jitter from Math.random: seed it too, so runs repeat exactly.
    Math.random = random;
  }

  /** Runs timers in time order until none is left (every job settled). */
  async runUntilIdle(): Promise<void> {
    for (;;) {
      await realImmediate();
      if (this.fake.countTimers() === 0) return;
      this.fake.next();
    }
  }

  [Symbol.dispose](): void {
    this.fake.uninstall();
    Math.random = this.#realRandom;
  }
}
