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

  /** Resolves `true` after `ms` of clock time, or `false` if cancelled first (by `cancelAll()` or `signal`). */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (elapsed: boolean): void => {
        this.#pending.delete(pending);
        signal?.removeEventListener('abort', onAbort);
        resolve(elapsed);
      };
      const onAbort = (): void => {
        this.#clock.clearTimeout(pending.handle);
        finish(false);
      };
      const pending: Pending = { handle: this.#clock.setTimeout(() => finish(true), ms), resolve: finish };
      this.#pending.add(pending);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Cancels every wait; each resolves `false`. */
  cancelAll(): void {
    for (const pending of [...this.#pending]) {
      this.#clock.clearTimeout(pending.handle);
      pending.resolve(false);
    }
    this.#pending.clear();
  }
}
