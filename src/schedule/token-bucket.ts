/**
 * A token bucket on an injected time source: `rate` tokens per second, holding
 * at most `burst`, full at first. The rate can change at run time (the watcher
 * lowers it after throttling and raises it back, AIMD). The watcher's throttle
 * and the simulator's gateway rate limit are both this bucket.
 */
export class TokenBucket {
  #rate: number;
  #burst: number;
  #tokens: number;
  #updatedAt: number;

  constructor(rate: number, burst: number, now: number) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#updatedAt = now;
  }

  /** Tokens per second. */
  get rate(): number {
    return this.#rate;
  }

  set rate(rate: number) {
    this.#rate = rate;
  }

  /** Takes a token if one is available; returns 0 then, else the ms until one will be. */
  take(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }

  /**
   * Empties the bucket down to `keep` tokens as of `now`, so a resumed stream
   * starts at the sustained rate, not with a burst. `now` may be in the future
   * (the end of a pause): nothing then accrues until that time, provided no
   * token is taken before it.
   */
  drain(now: number, keep = 0): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#tokens, keep);
  }

  #refill(now: number): void {
    // A clock that steps back (an injected test clock, a skew change) credits nothing and never drains the bucket.
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#updatedAt = now;
  }
}
