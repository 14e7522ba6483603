import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/clock/seeded-random.js';
import { ANY_TYPE, conditionalQuantile, DurationLearner, maxQuantile, type DurationEstimate } from '../../src/schedule/duration-learner.js';
import { normalQuantile } from '../../src/schedule/normal.js';
import { DEFAULT_PRIORS, FALLBACK_PRIOR } from '../../src/schedule/priors.js';

function learner(): DurationLearner {
  return new DurationLearner(DEFAULT_PRIORS, FALLBACK_PRIOR);
}

/** Draws from a log-normal with median `median` and log-spread `sigma` (Box–Muller on a seeded source). */
function logNormal(median: number, sigma: number, seed: number): () => number {
  const random = seededRandom(seed);
  return () => median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

describe('DurationLearner', () => {
  it('starts from the prior of a known type, and from the fallback for others', () => {
    const model = learner();
    expect(model.estimate('createVolume')).toEqual({ mu: Math.log(25_000), sigma: 0.7, samples: 0 });
    expect(model.estimate('someEcsJob')).toEqual({ mu: Math.log(FALLBACK_PRIOR.median), sigma: FALLBACK_PRIOR.spread, samples: 0 });
  });

  it.each([
    [40_000, 0.3],
    [3_000, 0.6],
    [900_000, 0.15],
  ])('converges to the log-normal it is fed (median %d ms, σ %d)', (median, sigma) => {
    const model = learner();
    const draw = logNormal(median, sigma, 42);
    for (let i = 0; i < 3_000; i++) model.observe('createVolume', draw());
    const estimate = model.estimate('createVolume');

    expect(Math.abs(estimate.mu - Math.log(median))).toBeLessThan(0.12 * sigma + 0.01);
    expect(Math.abs(estimate.sigma - sigma) / sigma).toBeLessThan(0.2);
    expect(estimate.samples).toBe(3_000);
  });

  it('moves quickly from a wrong prior: a few real samples outweigh it', () => {
    const model = learner();
    for (let i = 0; i < 10; i++) model.observe('createVolume', 120_000);
    // The prior counts as 3 samples: 10 real ones carry the median 10/13 of the way (in log space).
    const median = Math.exp(model.estimate('createVolume').mu);
    expect(median).toBeCloseTo(120_000 * (25_000 / 120_000) ** (3 / 13), 6);
    expect(median).toBeGreaterThan(80_000);
  });

  it('follows drift: old samples fade once past the window', () => {
    const model = learner();
    for (let i = 0; i < 1_000; i++) model.observe('extendVolume', 10_000);
    for (let i = 0; i < 1_000; i++) model.observe('extendVolume', 40_000);
    expect(Math.exp(model.estimate('extendVolume').mu) / 40_000).toBeCloseTo(1, 1);
  });

  it('keeps σ within [0.08, 2.5] however regular or wild the samples', () => {
    const regular = learner();
    for (let i = 0; i < 2_000; i++) regular.observe('createVolume', 30_000);
    expect(regular.estimate('createVolume').sigma).toBe(0.08);

    const wild = learner();
    for (let i = 0; i < 2_000; i++) wild.observe('createVolume', i % 2 === 0 ? 1 : 1e12);
    expect(wild.estimate('createVolume').sigma).toBe(2.5);
  });

  it('ignores negative, infinite and NaN durations', () => {
    const model = learner();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) model.observe('createVolume', bad);
    expect(model.estimate('createVolume').samples).toBe(0);
  });

  it('tracks at most 128 job types, but always the any-type model', () => {
    const model = learner();
    for (let i = 0; i < 500; i++) model.observe(`type${i}`, 1_000);
    model.observe(ANY_TYPE, 1_000);
    expect(Object.keys(model.state().types).length).toBeLessThanOrEqual(129);
    expect(model.estimate(ANY_TYPE).samples).toBe(1);
  });

  it('learns the batch overhead as a moving average, from a 5 s prior', () => {
    const model = learner();
    expect(model.overhead('batchCreateVolume')).toBe(5_000);
    for (let i = 0; i < 40; i++) model.observeOverhead('batchCreateVolume', 1_000);
    expect(model.overhead('batchCreateVolume')).toBeCloseTo(1_000, 0);
  });

  it('round-trips through state() and load(), and refuses malformed state, loading none of it', () => {
    const model = learner();
    for (let i = 0; i < 50; i++) model.observe('createVolume', 33_000 + i);
    model.observeOverhead('batchCreateVolume', 2_000);
    const copy = learner();
    copy.load(JSON.parse(JSON.stringify(model.state())) as ReturnType<DurationLearner['state']>);

    expect(copy.estimate('createVolume')).toEqual(model.estimate('createVolume'));
    expect(copy.overhead('batchCreateVolume')).toBeLessThan(5_000);
    const bad = learner();
    const malformed = { types: { extendVolume: { mean: 10, variance: 1, weight: 1, samples: 1 }, createVolume: { mean: Number.NaN, variance: 1, weight: 1, samples: 1 } }, overheads: {} };
    expect(() => bad.load(malformed)).toThrow(new TypeError('Expected `snapshot.learned.learner.types.createVolume` to be { mean, variance ≥ 0, weight ≥ 0, samples ≥ 0 } of finite numbers'));
    expect(bad.estimate('extendVolume').samples).toBe(0);
  });
});

describe('conditionalQuantile and maxQuantile', () => {
  const estimate: DurationEstimate = { mu: Math.log(30_000), sigma: 0.5, samples: 10 };

  it('is the plain log-normal quantile for a job that has not started', () => {
    expect(conditionalQuantile(estimate, 0.5, 0)).toBeCloseTo(30_000, 6);
    expect(conditionalQuantile(estimate, 0.9, 0)).toBeCloseTo(30_000 * Math.exp(0.5 * normalQuantile(0.9)), 4);
  });

  it('is never below the time already run, also deep in the tail', () => {
    expect(conditionalQuantile(estimate, 0.01, 10_000_000)).toBe(10_000_000);
    expect(conditionalQuantile(estimate, 0.5, 60_000)).toBeGreaterThan(60_000);
  });

  const p = fc.double({ min: 0.001, max: 0.999, noNaN: true });
  const elapsed = fc.double({ min: 0, max: 1e7, noNaN: true });
  const sigma = fc.double({ min: 0.08, max: 2.5, noNaN: true });

  it('grows with p and with the time already run (property)', () => {
    fc.assert(
      fc.property(sigma, p, p, elapsed, elapsed, (s, p1, p2, e1, e2) => {
        const model = { mu: Math.log(30_000), sigma: s, samples: 1 };
        const [lowP, highP] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const [lowE, highE] = e1 <= e2 ? [e1, e2] : [e2, e1];
        expect(conditionalQuantile(model, highP, lowE)).toBeGreaterThanOrEqual(conditionalQuantile(model, lowP, lowE) * (1 - 1e-9));
        expect(conditionalQuantile(model, lowP, highE)).toBeGreaterThanOrEqual(conditionalQuantile(model, lowP, lowE) * (1 - 1e-9));
        expect(Number.isFinite(conditionalQuantile(model, highP, highE))).toBe(true);
      }),
    );
  });

  it('maxQuantile: 0 for nothing running, conditionalQuantile for one, at least the slowest for many (property)', () => {
    expect(maxQuantile(estimate, 0.5, [])).toBe(0);
    expect(maxQuantile(estimate, 0.3, [12_000])).toBe(conditionalQuantile(estimate, 0.3, 12_000));
    fc.assert(
      fc.property(sigma, p, fc.array(fc.double({ min: 0, max: 200_000, noNaN: true }), { minLength: 2, maxLength: 12 }), (s, q, running) => {
        const model = { mu: Math.log(30_000), sigma: s, samples: 1 };
        const last = maxQuantile(model, q, running);
        expect(Number.isFinite(last)).toBe(true);
        for (const e of running) expect(last).toBeGreaterThanOrEqual(conditionalQuantile(model, q, e) * (1 - 1e-6));
        // More sub-jobs still running can only push the end later.
        expect(maxQuantile(model, q, [...running, running[0]!])).toBeGreaterThanOrEqual(last * (1 - 1e-6));
        // A higher p, a later end.
        expect(maxQuantile(model, Math.min(0.999, q + 0.1), running)).toBeGreaterThanOrEqual(last * (1 - 1e-6));
      }),
    );
  });

  it.each([0, 1, 1_000, 20_000])('maxQuantile of 5 identical jobs that ran %d ms is the p^(1/5) conditional quantile of one', (ran) => {
    const narrow = { mu: Math.log(30_000), sigma: 0.08, samples: 100 };
    for (const model of [estimate, narrow]) {
      const expected = conditionalQuantile(model, 0.5 ** (1 / 5), ran);
      expect(maxQuantile(model, 0.5, Array<number>(5).fill(ran)) / expected).toBeCloseTo(1, 6);
    }
  });
});
