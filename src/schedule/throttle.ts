import { backoffDelay } from './backoff.js';
import { TokenBucket } from './token-bucket.js';

/** Knobs of the throttle response; the watcher validates and documents them. */
export interface ThrottleOptions {
  /** Fixed cap on requests per second across all jobs; `undefined` = none until the API throttles us. */
  readonly maxRequestsPerSecond: number | undefined;
  /** First pause after a 429 without `Retry-After`, in ms (jittered, doubling per consecutive 429). */
  readonly throttleDelay: number;
  /** Longest such pause, in ms. */
  readonly maxThrottleDelay: number;
}

/** What one throttling event did. */
export interface ThrottleDecision {
  /** Every poll waits this long, in ms. */
  readonly pause: number;
  /** Requests per second allowed when polling resumes. */
  readonly rate: number;
  /** Whether this 429 started a new pause (false when it answered a request sent before the current one). */
  readonly escalated: boolean;
}

/** Lowest rate the watcher throttles itself down to, in requests per second. */
const MIN_RATE = 1;
/** A 429 within this long after the previous pause ended (ms) belongs to the same episode: pauses keep doubling. */
const EPISODE_GAP = 10_000;
/** After a 429 the rate climbs back only to this fraction of the rate that was throttled. */
const BACK_OFF_TO = 0.9;
/** Quiet time at the ceiling (ms) after which the watcher probes 10 % higher: the quota may have grown. */
const PROBE_AFTER = 30_000;
/** The request rate is counted over the last two seconds (see `#count`). */
const MEASURE_WINDOW = 2_000;

/**
 * Shared response to API throttling, for every job of one watcher: a global
 * pause (exactly `Retry-After` when given, never jittered), then AIMD on the
 * request rate — halve on each 429, add back a step per quiet second, up to 90 %
 * of the rate that was throttled — so polling resumes gently instead of all due
 * jobs at once, and settles under the gateway's quota instead of hitting it again.
 */
export class Throttle {
  readonly #options: ThrottleOptions;
  readonly #random: () => number;
  #bucket: TokenBucket | undefined;
  #pausedUntil = 0;
  #pauseStartedAt = Number.NEGATIVE_INFINITY;
  #consecutive = 0;
  #lastIncrease = 0;
  #ceiling = Number.POSITIVE_INFINITY;
  #atCeilingSince = Number.POSITIVE_INFINITY;
  #lastPause = 0;
  // Requests started in the current and previous second, to know the rate we were running at.
  #windowStart = 0;
  #current = 0;
  #previous = 0;

  constructor(options: ThrottleOptions, now: number, random: () => number) {
    this.#options = options;
    this.#random = random;
    if (options.maxRequestsPerSecond !== undefined) {
      this.#ceiling = options.maxRequestsPerSecond;
      this.#bucket = new TokenBucket(options.maxRequestsPerSecond, Math.max(1, options.maxRequestsPerSecond), now);
    }
  }

  /** Requests per second currently allowed; `Infinity` when unlimited. */
  get rate(): number {
    return this.#bucket?.rate ?? Number.POSITIVE_INFINITY;
  }

  /** Local time until which polling is paused, in ms. */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** 0 when a request may start now (a token is taken), else ms to wait. */
  acquire(now: number): number {
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    this.#increase(now);
    const wait = this.#bucket?.take(now) ?? 0;
    if (wait === 0) this.#count(now);
    return wait;
  }

  /** Handles a 429 for a request sent at `sentAt`; `retryAfter` is the server's delay in ms, if it gave one. */
  throttled(now: number, sentAt: number, retryAfter: number | undefined): ThrottleDecision {
    // A request sent no later than the pause began (the gate holds every request while paused) says nothing new.
    if (sentAt <= this.#pauseStartedAt) return { pause: Math.max(0, this.#pausedUntil - now), rate: this.rate, escalated: false };
    const sameEpisode = now - this.#pauseStartedAt < this.#lastPause + EPISODE_GAP;
    this.#consecutive = sameEpisode ? this.#consecutive + 1 : 1;
    const pause = retryAfter ?? backoffDelay(this.#consecutive, this.#options.throttleDelay, this.#options.maxThrottleDelay, this.#random);
    // When polling last resumed after a pause; never paused: long ago.
    const resumedAt = Number.isFinite(this.#pauseStartedAt) ? this.#pausedUntil : Number.NEGATIVE_INFINITY;
    this.#lastPause = pause;
    this.#pauseStartedAt = now;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + pause);
    this.#decrease(now, resumedAt);
    return { pause, rate: this.rate, escalated: true };
  }

  #decrease(now: number, resumedAt: number): void {
    const running = Math.min(this.#bucket?.rate ?? Number.POSITIVE_INFINITY, Math.max(this.#current, this.#previous, MIN_RATE));
    const rate = Math.max(MIN_RATE, running / 2);
    // Only a rate run for a whole measurement window after the last pause says what the quota is.
    if (now - resumedAt >= MEASURE_WINDOW) this.#ceiling = Math.max(MIN_RATE, running * BACK_OFF_TO);
    this.#atCeilingSince = Number.POSITIVE_INFINITY;
    this.#bucket ??= new TokenBucket(rate, 1, now);
    this.#bucket.rate = rate;
    // Drained as of the END of the pause, keeping the one token that lets the
    // first poll go exactly when it ends. Draining at `now` let the bucket
    // refill during the pause: under `maxRequestsPerSecond` (burst = that rate)
    // polling resumed with a full burst instead of the halved rate.
    this.#bucket.drain(this.#pausedUntil, 1);
    this.#lastIncrease = this.#pausedUntil;
  }

  /**
   * Additive increase: one step per quiet second, up to the ceiling; after a
   * quiet spell there, the ceiling itself rises 10 % (never past `maxRequestsPerSecond`).
   */
  #increase(now: number): void {
    const bucket = this.#bucket;
    if (bucket === undefined || now - this.#lastIncrease < 1000) return;
    const seconds = Math.floor((now - this.#lastIncrease) / 1000);
    this.#lastIncrease += seconds * 1000;
    const configured = this.#options.maxRequestsPerSecond ?? Number.POSITIVE_INFINITY;
    if (bucket.rate >= this.#ceiling) {
      // Reaching the ceiling (a decrease may land exactly on it) starts the quiet spell that leads to a probe.
      this.#atCeilingSince = Math.min(this.#atCeilingSince, now);
      if (now - this.#atCeilingSince < PROBE_AFTER || this.#ceiling >= configured) return;
      this.#ceiling = Math.min(configured, this.#ceiling * 1.1);
      this.#atCeilingSince = now;
    }
    bucket.rate = Math.min(this.#ceiling, bucket.rate + seconds * Math.max(MIN_RATE / 2, this.#ceiling / 20));
    if (bucket.rate >= this.#ceiling) this.#atCeilingSince = Math.min(this.#atCeilingSince, now);
  }

  #count(now: number): void {
    if (now - this.#windowStart >= 1000) {
      this.#previous = now - this.#windowStart >= 2000 ? 0 : this.#current;
      this.#current = 0;
      this.#windowStart = now;
    }
    this.#current += 1;
  }
}
