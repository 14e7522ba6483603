import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/clock/seeded-random.js';
import { ANY_TYPE, conditionalQuantile, DurationLearner, maxQuantile, type DurationEstimate, type LearnerStats } from '../../src/schedule/duration-learner.js';
import { addStats, diffStats, emptyStats } from '../../src/schedule/duration-stats.js';
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

/** A seeded shuffle (Fisher–Yates). */
function shuffled<T>(values: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

const HOUR = 3_600_000;
const median = (estimate: DurationEstimate): number => Math.exp(estimate.mu);

describe('DurationLearner', () => {
  it('starts from the prior of a known type, and from the fallback for others', () => {
    const model = learner();
    expect(model.estimate('createVolume')).toMatchObject({ samples: 0, sigma: expect.closeTo(0.7, 6) as number });
    expect(median(model.estimate('createVolume'))).toBeCloseTo(25_000, 0);
    expect(median(model.estimate('someEcsJob'))).toBeCloseTo(FALLBACK_PRIOR.median, 0);
    expect(model.estimate('someEcsJob').sigma).toBeCloseTo(FALLBACK_PRIOR.spread, 6);
    expect(model.confirmed('createVolume')).toBe(false);
  });

  it.each([
    [40_000, 0.3],
    [3_000, 0.6],
    [900_000, 0.15],
  ])('converges to the log-normal it is fed (median %d ms, σ %d)', (truth, sigma) => {
    const model = learner();
    const draw = logNormal(truth, sigma, 42);
    for (let i = 0; i < 3_000; i++) model.observe('createVolume', draw());
    const estimate = model.estimate('createVolume');

    expect(Math.abs(estimate.mu - Math.log(truth))).toBeLessThan(0.12 * sigma + 0.01);
    expect(Math.abs(estimate.sigma - sigma) / sigma).toBeLessThan(0.2);
    expect(estimate.samples).toBe(3_000);
    expect(model.confirmed('createVolume')).toBe(true);
  });

  it('gives the same model for the same jobs in any order: shuffled, or a burst finishing shortest first', () => {
    const draw = logNormal(24_900, 0.35, 7);
    const durations = Array.from({ length: 2_000 }, draw);
    const models = [durations, [...durations].sort((a, b) => a - b), [...durations].sort((a, b) => b - a), shuffled(durations, 1), shuffled(durations, 2)].map((order) => {
      const model = learner();
      for (const duration of order) model.observe('createVolume', duration);
      return model.estimate('createVolume');
    });

    for (const estimate of models) {
      expect(median(estimate) / 24_900).toBeGreaterThan(0.95);
      expect(median(estimate) / 24_900).toBeLessThan(1.05);
      expect(Math.abs(estimate.sigma / 0.35 - 1)).toBeLessThan(0.1);
      expect(Math.abs(median(estimate) / median(models[0]!) - 1)).toBeLessThan(0.02);
      expect(Math.abs(estimate.sigma / models[0]!.sigma - 1)).toBeLessThan(0.05);
    }
  });

  it('counts jobs still running as censored durations: a burst seen after its early finishers is not learned short', () => {
    // 2 000 creates started together, seen 15 s later: only the fastest ~7 % have finished.
    const durations = Array.from({ length: 2_000 }, logNormal(24_900, 0.35, 3));
    const censored = learner();
    const finishedOnly = learner();
    for (const duration of durations) {
      if (duration <= 15_000) {
        censored.observe('createVolume', duration);
        finishedOnly.observe('createVolume', duration);
      } else {
        censored.running(-1, 'createVolume', 15_000);
      }
    }

    expect(median(finishedOnly.estimate('createVolume'))).toBeLessThan(14_000);
    expect(median(censored.estimate('createVolume')) / 24_900).toBeGreaterThan(0.85);
    expect(median(censored.estimate('createVolume')) / 24_900).toBeLessThan(1.1);
    expect(Math.abs(censored.estimate('createVolume').sigma / 0.35 - 1)).toBeLessThan(0.2);
  });

  it('learns from running jobs alone that a type is slower than its prior, long before one finishes', () => {
    const model = learner();
    const slot = Array.from({ length: 50 }, () => model.running(-1, 'createVolume', 60_000));

    expect(median(model.estimate('createVolume'))).toBeGreaterThan(60_000);
    expect(model.estimate('createVolume').samples).toBe(0);
    // Running jobs past the model's head confirm it.
    expect(model.confirmed('createVolume')).toBe(true);
    // Once they are no longer watched, they no longer count.
    for (const code of slot) model.release(code);
    expect(median(model.estimate('createVolume'))).toBeCloseTo(25_000, -2);
  });

  it('moves a running job between ages without counting it twice', () => {
    const once = learner();
    let slot = -1;
    for (const age of [5_000, 15_000, 25_000, 35_000]) slot = once.running(slot, 'createVolume', age);
    const direct = learner();
    direct.running(-1, 'createVolume', 35_000);

    expect(once.stats().types['createVolume']!.running).toEqual(direct.stats().types['createVolume']!.running);
    expect(once.estimate('createVolume')).toEqual(direct.estimate('createVolume'));
  });

  it('drops a contradicted prior: a few jobs 10× faster than it replace its median (keeping its spread)', () => {
    const model = learner();
    for (const duration of [2_400, 2_600, 2_500]) model.observe('createVolume', duration);
    const estimate = model.estimate('createVolume');

    expect(median(estimate)).toBeGreaterThan(2_000);
    expect(median(estimate)).toBeLessThan(3_200);
    expect(estimate.sigma).toBeGreaterThan(0.4);
  });

  it('weighs a job by when it ended, not by when it was seen: samples 8 hours older count a quarter', () => {
    const fresh = learner();
    const mixed = learner();
    for (let i = 0; i < 400; i++) {
      fresh.observe('extendVolume', 40_000, 30 * HOUR);
      mixed.observe('extendVolume', 40_000, 30 * HOUR);
    }
    for (let i = 0; i < 1_600; i++) mixed.observe('extendVolume', 10_000, 22 * HOUR);
    const late = learner();
    for (let i = 0; i < 1_600; i++) late.observe('extendVolume', 10_000, 22 * HOUR);
    for (let i = 0; i < 400; i++) late.observe('extendVolume', 40_000, 30 * HOUR);

    // 1 600 × ¼ = 400 old samples against 400 new: the median sits between them.
    expect(median(mixed.estimate('extendVolume'))).toBeCloseTo(20_000, -3);
    expect(late.estimate('extendVolume')).toEqual(mixed.estimate('extendVolume'));
    // More than a day older than the newest: dropped.
    for (let i = 0; i < 1_000; i++) fresh.observe('extendVolume', 1_000, 4 * HOUR);
    expect(median(fresh.estimate('extendVolume'))).toBeCloseTo(40_000, -3);
  });

  it('keeps σ within [0.08, 2.5] however regular or wild the samples', () => {
    const regular = learner();
    for (let i = 0; i < 2_000; i++) regular.observe('createVolume', 30_000);
    expect(regular.estimate('createVolume').sigma).toBeCloseTo(0.08, 6);

    const wild = learner();
    for (let i = 0; i < 2_000; i++) wild.observe('createVolume', i % 2 === 0 ? 1 : 1e12);
    expect(wild.estimate('createVolume').sigma).toBeCloseTo(2.5, 6);
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
    expect(Object.keys(model.stats().types).length).toBeLessThanOrEqual(129);
    expect(model.estimate(ANY_TYPE).samples).toBe(1);
  });

  it('learns the batch overhead as a mean, from a 5 s prior that counts as one sample', () => {
    const model = learner();
    expect(model.overhead('batchCreateVolume')).toBe(5_000);
    for (let i = 0; i < 39; i++) model.observeOverhead('batchCreateVolume', 1_000);
    expect(model.overhead('batchCreateVolume')).toBe(1_100);
  });
});

describe('DurationLearner stats', () => {
  const jobs = (seed: number, count: number): [string, number, number][] => {
    const draw = logNormal(20_000, 0.5, seed);
    return Array.from({ length: count }, (_, i) => [i % 3 === 0 ? 'deleteVolume' : 'createVolume', draw(), (i % 5) * HOUR]);
  };

  it('merge adds up: two learners merged hold what one learner that saw both holds', () => {
    const [a, b, both] = [learner(), learner(), learner()];
    for (const [type, duration, end] of jobs(1, 300)) {
      a.observe(type, duration, end);
      both.observe(type, duration, end);
    }
    for (const [type, duration, end] of jobs(2, 500)) {
      b.observe(type, duration, end);
      both.observe(type, duration, end);
    }
    a.observeOverhead('batchCreateVolume', 3_000);
    b.observeOverhead('batchCreateVolume', 1_000);
    both.observeOverhead('batchCreateVolume', 3_000);
    both.observeOverhead('batchCreateVolume', 1_000);
    a.running(-1, 'createVolume', 40_000);
    both.running(-1, 'createVolume', 40_000);
    b.merge(JSON.parse(JSON.stringify(a.stats())) as LearnerStats, 'stats', true);

    expect(b.stats().types['createVolume']!.finished).toEqual(both.stats().types['createVolume']!.finished);
    expect(b.stats().overheads).toEqual(both.stats().overheads);
    for (const type of ['createVolume', 'deleteVolume', ANY_TYPE]) {
      expect(b.estimate(type).mu).toBeCloseTo(both.estimate(type).mu, 9);
      expect(b.estimate(type).sigma).toBeCloseTo(both.estimate(type).sigma, 9);
    }
    expect(b.overhead('batchCreateVolume')).toBe(both.overhead('batchCreateVolume'));
  });

  it('addStats and diffStats: what is new since a push, and the sum again', () => {
    const model = learner();
    for (const [type, duration, end] of jobs(3, 100)) model.observe(type, duration, end);
    const pushed = model.stats();
    for (const [type, duration, end] of jobs(4, 50)) model.observe(type, duration, end);
    const delta = diffStats({ format: 'evs-job-watcher/stats', version: 1, siblings: {}, ...model.stats() }, { format: 'evs-job-watcher/stats', version: 1, siblings: {}, ...pushed });

    let counted = 0;
    for (const hours of Object.values(delta.types)) for (const bins of Object.values(hours.finished)) for (const count of Object.values(bins)) counted += count;
    expect(counted).toBe(50);
    expect(addStats({ ...emptyStats(), ...pushed }, delta).types).toEqual(model.stats().types);
  });

  it('refuses malformed stats, merging none of them', () => {
    const model = learner();
    const bad = (types: unknown): LearnerStats => ({ types, overheads: {} }) as LearnerStats;
    expect(() => model.merge(bad({ createVolume: { finished: { 1: { 300: 1 } } } }), 'stats', true)).toThrow(new TypeError('Expected the bins of `stats.types.createVolume.finished.1` to be integers from 0 to 215, got "300"'));
    expect(() => model.merge(bad({ createVolume: { finished: { x: {} } } }), 'stats', true)).toThrow(new TypeError('Expected the hours of `stats.types.createVolume.finished` to be integers, got "x"'));
    expect(() => model.merge(bad({ createVolume: { finished: {}, running: { 10: -1 } } }), 'stats', true)).toThrow(new TypeError('Expected `stats.types.createVolume.running.10` to be a count from 0 to 1000000000000000'));
    expect(() => model.merge({ types: {}, overheads: { b: { sum: 'x', count: 1 } } } as unknown as LearnerStats, 'stats', true)).toThrow(
      new TypeError('Expected `stats.overheads.b.sum` to be a number from 0 to 1000000000000000'),
    );
    expect(model.estimate('createVolume').samples).toBe(0);
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
