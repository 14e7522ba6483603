import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/schedule/token-bucket.js';

describe('TokenBucket', () => {
  it('lets a full burst through at once, then says how long until the next token', () => {
    const bucket = new TokenBucket(4, 2, 0);

    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(250);
    expect(bucket.take(100)).toBe(150);
    expect(bucket.take(250)).toBe(0);
  });

  it('refills at `rate` tokens per second, never above `burst`', () => {
    const bucket = new TokenBucket(10, 3, 0);
    for (let i = 0; i < 3; i++) bucket.take(0);

    // An hour of quiet still leaves only `burst` tokens.
    let granted = 0;
    while (bucket.take(3_600_000) === 0) granted++;
    expect(granted).toBe(3);
  });

  it('sustains exactly `rate` per second when drained', () => {
    const bucket = new TokenBucket(5, 1, 0);
    const times: number[] = [];
    for (let now = 0; now <= 2_000; ) {
      const wait = bucket.take(now);
      if (wait === 0) times.push(now);
      else now += wait;
    }
    expect(times).toEqual([0, 200, 400, 600, 800, 1_000, 1_200, 1_400, 1_600, 1_800, 2_000]);
  });

  it('changes rate at run time', () => {
    const bucket = new TokenBucket(1, 1, 0);
    bucket.take(0);
    expect(bucket.take(0)).toBe(1_000);

    bucket.rate = 4;
    expect(bucket.rate).toBe(4);
    expect(bucket.take(0)).toBe(250);
  });

  it('drain() empties the bucket so a resumed stream starts at the sustained rate, not with a burst', () => {
    const bucket = new TokenBucket(2, 10, 0);
    bucket.drain(0);

    expect(bucket.take(0)).toBe(500);
    expect(bucket.take(500)).toBe(0);
    expect(bucket.take(500)).toBe(500);
  });

  it('drain(end of a pause, 1) keeps one token for that moment and credits nothing for the pause', () => {
    const bucket = new TokenBucket(5, 5, 0);
    bucket.drain(10_000, 1);

    expect(bucket.take(10_000)).toBe(0);
    expect(bucket.take(10_000)).toBe(200);
    expect(bucket.take(10_200)).toBe(0);
  });

  it('ignores a clock that steps back', () => {
    const bucket = new TokenBucket(1, 1, 10_000);
    expect(bucket.take(10_000)).toBe(0);
    expect(bucket.take(5_000)).toBe(1_000);
  });
});
