import { describe, expect, it } from 'vitest';
import { assertOptions, closestKey } from '../../src/validation/options.js';

const KNOWN = ['concurrency', 'timeout', 'maxLag', 'maxLagRatio'];

describe('assertOptions', () => {
  it('accepts known keys, and undefined values as "the default"', () => {
    expect(() => assertOptions('options', { concurrency: 4, timeout: undefined }, KNOWN)).not.toThrow();
    expect(() => assertOptions('options', {}, KNOWN)).not.toThrow();
  });

  it('refuses an unknown key, naming it and the closest known one', () => {
    expect(() => assertOptions('options', { concurency: 5 }, KNOWN)).toThrow(
      new TypeError('Unknown option `options.concurency` (did you mean `concurrency`?); known: concurrency, timeout, maxLag, maxLagRatio'),
    );
    expect(() => assertOptions('spec', { fail: true }, ['outcome', 'duration'])).toThrow('Unknown option `spec.fail`; known: outcome, duration');
  });

  it('refuses null values, naming the key', () => {
    expect(() => assertOptions('options', { timeout: null }, KNOWN)).toThrow(
      new TypeError('Expected `options.timeout` to be a value, got null: leave it out (or pass undefined) for the default'),
    );
  });

  it('refuses what is not a plain object', () => {
    expect(() => assertOptions('options', null, KNOWN)).toThrow('Expected `options` to be an object, got null');
    expect(() => assertOptions('options', [1], KNOWN)).toThrow('Expected `options` to be an object, got an array');
    expect(() => assertOptions('options', 'x', KNOWN)).toThrow('Expected `options` to be an object, got string');
  });
});

describe('closestKey', () => {
  it('suggests only keys near enough to be a typo', () => {
    expect(closestKey('maxlag', KNOWN)).toBe('maxLag');
    expect(closestKey('timout', KNOWN)).toBe('timeout');
    expect(closestKey('banana', KNOWN)).toBeUndefined();
  });
});
