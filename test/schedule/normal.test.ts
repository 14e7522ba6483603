import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../../src/schedule/normal.js';

// Reference values of Φ and Φ⁻¹ (to 9-10 significant digits).
const CDF: readonly (readonly [number, number])[] = [
  [0, 0.5],
  [1, 0.841_344_746_1],
  [-1, 0.158_655_253_9],
  [1.959_963_985, 0.975],
  [2, 0.977_249_868_1],
  [-3, 0.001_349_898_032],
  [3.5, 0.999_767_370_9],
  [-1.750_686_071, 0.04],
];

const QUANTILE: readonly (readonly [number, number])[] = [
  [0.5, 0],
  [0.975, 1.959_963_985],
  [0.025, -1.959_963_985],
  [0.04, -1.750_686_071],
  [0.005, -2.575_829_304],
  [0.841_344_746_1, 1],
  [0.999, 3.090_232_306],
  [1e-6, -4.753_424_309],
];

describe('normalCdf', () => {
  it.each(CDF)('Φ(%d) = %d within 1.5e-7', (z, p) => {
    expect(Math.abs(normalCdf(z) - p)).toBeLessThan(1.5e-7);
  });

  it('is symmetric, monotonic, and stays in [0, 1] far in the tails', () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: 40, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), (z, step) => {
        expect(Math.abs(normalCdf(z) + normalCdf(-z) - 1)).toBeLessThan(1e-8);
        expect(normalCdf(z + step)).toBeGreaterThanOrEqual(normalCdf(z));
        expect(normalCdf(z)).toBeGreaterThanOrEqual(0);
        expect(normalCdf(z)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('normalQuantile', () => {
  it.each(QUANTILE)('Φ⁻¹(%d) = %d within 1e-8', (p, z) => {
    expect(Math.abs(normalQuantile(p) - z)).toBeLessThan(1e-8);
  });

  it('inverts normalCdf (to the cdf approximation\'s own accuracy)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }), (p) => {
        expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1.5e-7);
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), (z) => {
        expect(Math.abs(normalQuantile(normalCdf(z)) - z)).toBeLessThan(1e-4);
      }),
    );
  });

  it('is finite at and beyond 0 and 1 (the input is clamped)', () => {
    for (const p of [0, -1, 1, 2, 1e-300]) expect(Number.isFinite(normalQuantile(p))).toBe(true);
    expect(normalQuantile(0)).toBeLessThan(-7);
    expect(normalQuantile(1)).toBeGreaterThan(7);
  });
});
