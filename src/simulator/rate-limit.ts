import type { RateLimit } from './options.js';

/** The gateway's token bucket: `burst` tokens, refilled at `requestsPerSecond` on the injected clock. */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAt: number;

  constructor(limit: RateLimit, now: number) {
    this.#rate = limit.requestsPerSecond / 1000;
    this.#burst = limit.burst ?? Math.max(1, limit.requestsPerSecond);
    this.#tokens = this.#burst;
    this.#updatedAt = now;
  }

  /** Takes one token if there is one; `false` means the request is over the limit. */
  take(now: number): boolean {
    // A clock that steps back (another test's fake clock, a skew change) must not drain the bucket.
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate);
    this.#updatedAt = Math.max(now, this.#updatedAt);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
