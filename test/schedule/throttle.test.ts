import { describe, expect, it } from 'vitest';
import { Throttle, type ThrottleOptions } from '../../src/schedule/throttle.js';

const OPTIONS: ThrottleOptions = { maxRequestsPerSecond: undefined, throttleDelay: 2_000, maxThrottleDelay: 60_000 };

function throttle(options: Partial<ThrottleOptions> = {}, random = (): number => 0.5): Throttle {
  return new Throttle({ ...OPTIONS, ...options }, 0, random);
}

/** Starts `count` requests at `now` (which must all be allowed). */
function send(target: Throttle, now: number, count: number): void {
  for (let i = 0; i < count; i++) expect(target.acquire(now)).toBe(0);
}

/** Requests granted per whole second over [from, to), when every due one retries as soon as allowed. */
function grantsPerSecond(target: Throttle, from: number, to: number): number[] {
  const seconds: number[] = [];
  for (let now = from; now < to; ) {
    const wait = target.acquire(now);
    if (wait === 0) {
      const second = Math.floor((now - from) / 1_000);
      seconds[second] = (seconds[second] ?? 0) + 1;
    } else now += wait;
  }
  return Array.from({ length: Math.ceil((to - from) / 1_000) }, (_, i) => seconds[i] ?? 0);
}

describe('Throttle pause', () => {
  it('lets everything through, unlimited, until throttled', () => {
    const target = throttle();
    send(target, 0, 1_000);
    expect(target.rate).toBe(Number.POSITIVE_INFINITY);
    expect(target.pausedUntil).toBe(0);
  });

  it('pauses for exactly Retry-After when the server gives one, never jittered', () => {
    for (const draw of [0, 0.5, 0.999]) {
      const target = throttle({}, () => draw);
      const decision = target.throttled(10_000, 9_900, 5_000);

      expect(decision).toMatchObject({ pause: 5_000, escalated: true });
      expect(target.pausedUntil).toBe(15_000);
      expect(target.acquire(10_001)).toBe(4_999);
      expect(target.acquire(14_999)).toBe(1);
      expect(target.acquire(15_000)).toBe(0);
    }
  });

  it('without Retry-After, pauses a jittered throttleDelay that doubles per consecutive 429 up to the cap', () => {
    const pauses = (draw: number): number[] => {
      const target = throttle({}, () => draw);
      const out: number[] = [];
      let now = 0;
      for (let i = 0; i < 8; i++) {
        // Each 429 answers a request sent after the previous pause ended.
        const sentAt = Math.max(now, target.pausedUntil);
        now = sentAt + 100;
        out.push(target.throttled(now, sentAt, undefined).pause);
      }
      return out;
    };
    // Jitter draws from [base/2, base]: the top of the range is the plain doubling…
    expect(pauses(1)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    // …and the bottom is half of it.
    expect(pauses(0)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts a new episode (back to throttleDelay) after a long quiet spell', () => {
    const target = throttle({}, () => 1);
    expect(target.throttled(0, 0, undefined).pause).toBe(2_000);
    expect(target.throttled(3_000, 2_500, undefined).pause).toBe(4_000);
    // More than 4 × maxThrottleDelay later.
    expect(target.throttled(300_000, 299_000, undefined).pause).toBe(2_000);
  });

  it('does not escalate on 429s answering requests sent before the current pause began', () => {
    const target = throttle({}, () => 1);
    send(target, 0, 8);
    const first = target.throttled(500, 400, undefined);
    const rate = target.rate;

    const late = target.throttled(700, 450, undefined);
    expect(late).toEqual({ pause: 1_800, rate, escalated: false });
    expect(target.pausedUntil).toBe(2_500);
    expect(first.escalated).toBe(true);
  });

  it('does not escalate on a 429 for a request sent in the very millisecond the pause began', () => {
    // Two polls leave at t = 500 before either answer is read; both come back 429 at t = 500.
    const target = throttle({}, () => 1);
    send(target, 500, 2);
    const first = target.throttled(500, 500, 3_000);
    const second = target.throttled(500, 500, 3_000);

    expect(first.escalated).toBe(true);
    expect(second.escalated).toBe(false);
    expect(target.rate).toBe(first.rate);
  });
});

describe('Throttle AIMD rate', () => {
  it('halves the rate it was running at on a 429, and climbs back one step per quiet second to 90 % of it', () => {
    const target = throttle();
    send(target, 0, 20); // 20 requests per second before the 429
    const decision = target.throttled(500, 400, 1_000);

    expect(decision.rate).toBe(10);
    expect(target.rate).toBe(10);
    // Steps of ceiling/20 = 0.9 request per second, per quiet second after the pause.
    const climb = [1_500, 2_500, 3_500, 4_500].map((now) => {
      target.acquire(now);
      return target.rate;
    });
    expect(climb.map((rate) => Number(rate.toFixed(1)))).toEqual([10, 10.9, 11.8, 12.7]);
    // Back up to 90 % of the throttled 20, not to 20: that rate was over the quota.
    target.acquire(60_000);
    expect(target.rate).toBe(18);
  });

  it('probes 10 % higher after 30 quiet seconds at its ceiling, in case the quota grew', () => {
    const target = throttle();
    send(target, 0, 20);
    target.throttled(500, 400, 1_000);
    target.acquire(60_000);
    expect(target.rate).toBe(18);

    target.acquire(89_000);
    expect(target.rate).toBe(18);
    target.acquire(91_000);
    expect(target.rate).toBeCloseTo(19.8);
  });

  it('resumes gently: one request at the end of the pause, then the halved rate, ramping up', () => {
    const target = throttle();
    send(target, 0, 20);
    target.throttled(500, 400, 5_000);

    const perSecond = grantsPerSecond(target, 5_500, 15_500);
    expect(perSecond[0]).toBeLessThanOrEqual(11);
    expect(perSecond[0]).toBeGreaterThanOrEqual(10);
    expect(perSecond.at(-1)).toBeGreaterThan(perSecond[0]!);
    expect(perSecond.every((count, i) => i === 0 || count >= perSecond[i - 1]!)).toBe(true);
  });

  it('halves again on a further 429, never below 1 request per second', () => {
    const target = throttle({}, () => 1);
    send(target, 0, 4);
    const rates: number[] = [];
    let now = 100;
    for (let i = 0; i < 5; i++) {
      const sentAt = Math.max(now, target.pausedUntil);
      now = sentAt + 10;
      rates.push(target.throttled(now, sentAt, 100).rate);
    }
    expect(rates).toEqual([2, 1, 1, 1, 1]);
  });

  it('caps the rate at maxRequestsPerSecond from the start', () => {
    const target = throttle({ maxRequestsPerSecond: 5 });
    expect(target.rate).toBe(5);
    // A full bucket of 5, then one token every 200 ms.
    expect(grantsPerSecond(target, 0, 4_000)).toEqual([9, 5, 5, 5]);
  });

  it('under maxRequestsPerSecond, halves it on a 429 and resumes without a burst after the pause', () => {
    const target = throttle({ maxRequestsPerSecond: 10 });
    grantsPerSecond(target, 0, 2_000);
    target.throttled(2_000, 1_990, 5_000);
    expect(target.rate).toBe(5);

    // Nothing during the pause; then the halved rate, not the 10-token bucket refilled during the pause.
    expect(target.acquire(6_999)).toBe(1);
    const perSecond = grantsPerSecond(target, 7_000, 10_000);
    expect(perSecond[0]).toBeLessThanOrEqual(6);
    expect(perSecond.every((count) => count <= 10)).toBe(true);
    // Back up to 90 % of the throttled rate, then probing up to the configured cap, never past it.
    target.acquire(120_000);
    expect(target.rate).toBe(9);
    target.acquire(160_000);
    target.acquire(200_000);
    expect(target.rate).toBe(10);
    target.acquire(300_000);
    expect(target.rate).toBe(10);
  });
});
