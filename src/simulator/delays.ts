import type { Clock, TimerHandle } from '../clock/clock.js';

interface Pending {
  readonly handle: TimerHandle;
  readonly resolve: (elapsed: boolean) => void;
}

/**
 * Waits on the injected clock (so fake time drives latency), and lets `close()`
 * cancel every wait at once: no timer outlives the server.
 */
export class Delays {
  readonly #clock: Clock;
  readonly #pending = new Set<Pending>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Resolves `true` after `ms` of clock time, or `false` if cancelled first. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const pending: Pending = {
        handle: this.#clock.setTimeout(() => {
          this.#pending.delete(pending);
          resolve(true);
        }, ms),
        resolve,
      };
      this.#pending.add(pending);
    });
  }

  /** Cancels every wait; each resolves `false`. */
  cancelAll(): void {
    for (const pending of this.#pending) {
      this.#clock.clearTimeout(pending.handle);
      pending.resolve(false);
    }
    this.#pending.clear();
  }
}
