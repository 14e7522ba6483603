import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY_TYPE, conditionalQuantile, DurationLearner, type DurationPrior } from '../../src/schedule/duration-learner.js';
import { normalCdf, normalQuantile } from '../../src/schedule/normal.js';
import { allowedLag, COVER_QUANTILE, MIN_DELAY, nextPollDelay, scoutAges, SKIP_QUANTILE, type PolicyOptions, type PollContext } from '../../src/schedule/poll-policy.js';
import { DEFAULT_PRIORS, FALLBACK_PRIOR } from '../../src/schedule/priors.js';

/** The watcher's defaults. */
const DEFAULTS: PolicyOptions = { initialDelay: 2_000, maxDelay: 600_000, factor: 1.5, jitter: 0.1, maxLag: 10_000, maxLagRatio: 0.08, learn: false };
const noJitter = (): number => 0;

function learner(priors: Record<string, DurationPrior> = DEFAULT_PRIORS): DurationLearner {
  return new DurationLearner(priors, FALLBACK_PRIOR);
}

function delays(options: Partial<PolicyOptions>, contexts: PollContext[], random = noJitter): number[] {
  const model = learner();
  return contexts.map((context) => nextPollDelay(context, model, { ...DEFAULTS, ...options }, random));
}

function polls(count: number, elapsed = 0): PollContext[] {
  return Array.from({ length: count }, (_, polls) => ({ jobType: 'createVolume', elapsed, polls }));
}

describe('nextPollDelay without learning (plain backoff)', () => {
  it('is initialDelay·factor^n, capped by maxLag while the job is young', () => {
    expect(delays({}, polls(7))).toEqual([2_000, 3_000, 4_500, 6_750, 10_000, 10_000, 10_000]);
  });

  it('lets the cap grow to maxLagRatio of the time the job has run', () => {
    // 0.08 × 500 s = 40 s allowed lag, above maxLag's 10 s.
    expect(delays({}, polls(12, 500_000))).toEqual([2_000, 3_000, 4_500, 6_750, 10_125, 15_187.5, 22_781.25, 34_171.875, 40_000, 40_000, 40_000, 40_000]);
    expect(allowedLag(DEFAULTS, 500_000)).toBe(40_000);
  });

  it('never exceeds maxDelay, whatever the lag allows', () => {
    expect(delays({ maxDelay: 30_000 }, polls(12, 10_000_000)).at(-1)).toBe(30_000);
  });

  it('uses factor 2 and a custom initial delay exactly', () => {
    expect(delays({ initialDelay: 1_000, factor: 2, maxLag: 60_000 }, polls(8))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('never plans below MIN_DELAY, however small initialDelay is', () => {
    expect(delays({ initialDelay: 1, factor: 1 }, polls(3))).toEqual([MIN_DELAY, MIN_DELAY, MIN_DELAY]);
  });

  it('applies jitter only to shorten the delay, by at most the jitter fraction', () => {
    expect(delays({}, polls(1), () => 0.5)).toEqual([1_900]);
    expect(delays({}, polls(1), () => 0.999_999)[0]).toBeCloseTo(1_800, 2);
    expect(delays({ jitter: 0 }, polls(1), () => 0.999)).toEqual([2_000]);
    expect(delays({ jitter: 1 }, polls(1), () => 0.9)).toEqual([MIN_DELAY]);
  });
});

describe('nextPollDelay with learning', () => {
  const options: PolicyOptions = { ...DEFAULTS, learn: true };

  it('places the first poll one allowed lag past the SKIP_QUANTILE (2 %) quantile of the prior: the unlikely head is skipped', () => {
    const model = learner({ createVolume: { median: 25_000, spread: 0.7 } });
    const { mu, sigma } = model.estimate('createVolume');
    const delay = nextPollDelay({ jobType: 'createVolume', elapsed: 0, polls: 0 }, model, options, noJitter);

    const earliest = Math.exp(mu + sigma * normalQuantile(SKIP_QUANTILE));
    expect(delay).toBeCloseTo(earliest + 10_000, 6);
    // Only 2 % of jobs of this type finish before `earliest`: the skipped head.
    expect(normalCdf((Math.log(delay - 10_000) - mu) / sigma)).toBeCloseTo(SKIP_QUANTILE, 6);
    expect(SKIP_QUANTILE).toBe(0.02);
    expect(earliest).toBeGreaterThan(5_600);
    expect(earliest).toBeLessThan(6_300);
  });

  it('waits for a learned long job type before its first poll, then polls near its end', () => {
    const model = learner();
    for (let i = 0; i < 1_000; i++) model.observe('createVolume', 60_000);
    const first = nextPollDelay({ jobType: 'createVolume', elapsed: 0, polls: 0 }, model, options, noJitter);

    // Once the prior has faded, σ bottoms out at 0.08: the 4 % quantile is 60 s·e^(0.08·−1.75) ≈ 52.2 s, plus the 10 s lag.
    expect(first).toBeGreaterThan(60_000);
    expect(first).toBeLessThan(63_000);
    const second = nextPollDelay({ jobType: 'createVolume', elapsed: first, polls: 1 }, model, options, noJitter);
    // Past the likely end, the next poll comes within one allowed lag: at the COVER_QUANTILE of what is left, sooner.
    expect(second).toBeLessThanOrEqual(allowedLag(options, first));
    expect(second).toBeCloseTo(conditionalQuantile(model.estimate('createVolume'), COVER_QUANTILE, first) - first, 6);
  });

  it('spends the late-notice budget once: a job seen running past the head skips only 1/8 of it', () => {
    const model = learner({ createVolume: { median: 25_000, spread: 0.7 } });
    const { mu, sigma } = model.estimate('createVolume');
    const elapsed = 10_000;
    const later = nextPollDelay({ jobType: 'createVolume', elapsed, polls: 1 }, model, options, noJitter);
    const done = normalCdf((Math.log(elapsed) - mu) / sigma);
    const earliest = Math.exp(mu + sigma * normalQuantile(done + (SKIP_QUANTILE / 8) * (1 - done)));

    expect(done).toBeGreaterThan(SKIP_QUANTILE);
    expect(later).toBeCloseTo(Math.max(earliest, elapsed) + 10_000 - elapsed, 6);
  });

  it('keeps the skip for a job seen running before the head (the credentials probe, sent at once)', () => {
    const model = learner({ createVolume: { median: 25_000, spread: 0.7 } });
    const first = nextPollDelay({ jobType: 'createVolume', elapsed: 0, polls: 0 }, model, options, noJitter);
    const afterProbe = nextPollDelay({ jobType: 'createVolume', elapsed: 200, polls: 1 }, model, options, noJitter);

    expect(afterProbe + 200).toBeCloseTo(first, -2);
  });

  it('polls a type that always ends within a few seconds once, at the COVER_QUANTILE (90 %), not a whole lag past its head', () => {
    const model = learner({ createVolume: { median: 2_500, spread: 0.5 } });
    const { mu, sigma } = model.estimate('createVolume');
    const first = nextPollDelay({ jobType: 'createVolume', elapsed: 0, polls: 0 }, model, options, noJitter);

    expect(first).toBeCloseTo(Math.exp(mu + sigma * normalQuantile(COVER_QUANTILE)), 6);
    expect(first).toBeLessThan(Math.exp(mu + sigma * normalQuantile(SKIP_QUANTILE)) + 10_000);
  });

  it('polls at once (after MIN_DELAY) a job no answer has shown running that is likely done: an old id', () => {
    const model = learner();
    expect(nextPollDelay({ jobType: 'createVolume', elapsed: 3_600_000, polls: 0 }, model, options, noJitter)).toBe(MIN_DELAY);
    // Seen running at that age, it is planned from what is left of its distribution instead.
    expect(nextPollDelay({ jobType: 'createVolume', elapsed: 3_600_000, polls: 1 }, model, options, noJitter)).toBeGreaterThan(MIN_DELAY);
  });

  it('re-planned between polls, conditions only on the age last seen running', () => {
    const model = learner({ createVolume: { median: 25_000, spread: 0.7 } });
    const rightAfter = nextPollDelay({ jobType: 'createVolume', elapsed: 20_000, polls: 2 }, model, options, noJitter);
    const later = nextPollDelay({ jobType: 'createVolume', elapsed: 25_000, polls: 2, runningAt: 20_000 }, model, options, noJitter);

    expect(later + 5_000).toBeCloseTo(rightAfter, 6);
  });

  it('scouts a cohort at the end of its head, then at halves of it down to maxLag', () => {
    const short = learner({ createVolume: { median: 25_000, spread: 0.7 } }).estimate('createVolume');
    const head = Math.exp(short.mu + short.sigma * normalQuantile(SKIP_QUANTILE));
    expect(scoutAges(short, options)).toHaveLength(1);
    expect(scoutAges(short, options)[0]).toBeCloseTo(head, 6);

    const long = learner().estimate('retypeVolume');
    const retypeHead = Math.exp(long.mu + long.sigma * normalQuantile(SKIP_QUANTILE));
    const ages = scoutAges(long, options);
    expect(ages.at(-1)).toBeCloseTo(retypeHead, 6);
    expect(ages[0]).toBeLessThanOrEqual(10_000);
    for (let i = 1; i < ages.length; i++) expect(ages[i]! / ages[i - 1]!).toBeCloseTo(2, 9);
  });

  it('plans a batch whose sub-jobs all finished half an overhead after the last one', () => {
    const model = learner();
    const delay = nextPollDelay(
      { jobType: 'batchCreateVolume', elapsed: 30_000, polls: 3, batch: { subJobType: 'createVolume', running: [], lastEnd: 28_000 } },
      model,
      options,
      noJitter,
    );
    // Default overhead 5 s: expected end at 28 s + 2.5 s, then the 10 s allowed lag.
    expect(delay).toBe(30_500 + 10_000 - 30_000);
  });

  it('plans a batch from its slowest running sub-job: more running sub-jobs push the poll later', () => {
    const model = learner();
    const context = (running: number[]): PollContext => ({ jobType: 'batchCreateVolume', elapsed: 10_000, polls: 1, batch: { subJobType: 'createVolume', running, lastEnd: 0 } });
    const one = nextPollDelay(context([10_000]), model, options, noJitter);
    const many = nextPollDelay(context([10_000, 10_000, 10_000, 10_000, 10_000]), model, options, noJitter);

    expect(many).toBeGreaterThan(one);
  });

  it('falls back to the any-type model before the job type is known', () => {
    const model = learner();
    const delay = nextPollDelay({ jobType: ANY_TYPE, elapsed: 0, polls: 0 }, model, options, noJitter);
    const { mu, sigma } = model.estimate(ANY_TYPE);

    expect(mu).toBeCloseTo(Math.log(FALLBACK_PRIOR.median), 9);
    expect(delay).toBeCloseTo(Math.max(MIN_DELAY, Math.exp(mu + sigma * normalQuantile(SKIP_QUANTILE)) + 10_000), 6);
  });
});

describe('nextPollDelay bounds (property)', () => {
  const policy = fc.record({
    initialDelay: fc.integer({ min: 1, max: 2_147_483_647 }),
    maxDelay: fc.integer({ min: 1, max: 2_147_483_647 }),
    factor: fc.double({ min: 1, max: 100, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    maxLag: fc.integer({ min: 1, max: 2_147_483_647 }),
    maxLagRatio: fc.double({ min: 0, max: 10, noNaN: true }),
    learn: fc.boolean(),
  });
  const context = fc.record(
    {
      jobType: fc.constantFrom('createVolume', 'batchCreateVolume', 'retypeVolume', ANY_TYPE, 'someEcsJob'),
      elapsed: fc.oneof(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 100_000 })),
      polls: fc.integer({ min: 0, max: 10_000 }),
      batch: fc.record({
        subJobType: fc.constantFrom('createVolume', 'deleteSingleVolume'),
        running: fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { maxLength: 20 }),
        lastEnd: fc.double({ min: 0, max: 1e9, noNaN: true }),
      }),
    },
    { requiredKeys: ['jobType', 'elapsed', 'polls'] },
  );
  const observations = fc.array(fc.tuple(fc.constantFrom('createVolume', 'retypeVolume', ANY_TYPE), fc.double({ min: 0, max: 1e10, noNaN: true })), { maxLength: 30 });

  it('is always finite, at least MIN_DELAY (or maxDelay if that is smaller) and at most maxDelay', () => {
    fc.assert(
      fc.property(policy, context, observations, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (options, poll, seen, draw) => {
        const model = learner();
        for (const [type, duration] of seen) model.observe(type, duration);
        const delay = nextPollDelay(poll, model, options, () => draw);

        expect(Number.isFinite(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.min(MIN_DELAY, options.maxDelay));
        expect(delay).toBeLessThanOrEqual(options.maxDelay);
      }),
      { numRuns: 2_000 },
    );
  });

  it('with jitter, never exceeds the unjittered delay', () => {
    fc.assert(
      fc.property(policy, context, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (options, poll, draw) => {
        const model = learner();
        expect(nextPollDelay(poll, model, options, () => draw)).toBeLessThanOrEqual(nextPollDelay(poll, model, options, noJitter));
      }),
      { numRuns: 500 },
    );
  });
});
