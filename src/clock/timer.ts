import type { Clock, TimerHandle } from './clock.js';

/** One timer on a clock that is armed again or cleared as plans change: at most one pending at a time. */
export class Timer {
  readonly #clock: Clock;
  #handle: TimerHandle;
  #armed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Whether a callback is pending. */
  get armed(): boolean {
    return this.#armed;
  }

  /** Runs `callback` once after `delay` ms, replacing whatever was pending. */
  set(delay: number, callback: () => void): void {
    this.clear();
    this.#armed = true;
    this.#handle = this.#clock.setTimeout(() => {
      this.#armed = false;
      callback();
    }, delay);
  }

  /** Runs `callback` after `delay` ms unless something is pending already. */
  ensure(delay: number, callback: () => void): void {
    if (!this.#armed) this.set(delay, callback);
  }

  clear(): void {
    if (this.#armed) this.#clock.clearTimeout(this.#handle);
    this.#armed = false;
  }
}
