import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ID_CLOCK_TOLERANCE, jobAgeFromId, jobIdTime, MAX_ID_AGE } from '../../src/model/job-id.js';

/** The API reference's samples: each job id beside its `begin_time`. */
const SAMPLES = [
  ['21917a8d52a19b040152a9f2f2e50041', '2016-02-04T01:43:37.445Z'],
  ['21917a8d52a19b040152a9f2f2f60042', '2016-02-04T01:43:37.462Z'],
  ['21917a8d52a19b040152a9f2f1eb003e', '2016-02-04T01:43:37.193Z'],
  ['4010a32d535527910153552b492c0002', '2016-03-08T07:40:13.219Z'],
] as const;

const HOUR = 3_600_000;

describe('jobIdTime', () => {
  it.each(SAMPLES)('reads the creation time of the reference sample %s (its begin_time %s, within 0.3 s)', (jobId, beginTime) => {
    expect(Math.abs(jobIdTime(jobId)! - Date.parse(beginTime))).toBeLessThan(300);
  });

  it('reads the batch sample sub-job exactly, in characters 16–28', () => {
    expect(new Date(jobIdTime('21917a8d52a19b040152a9f2f2e50041')!).toISOString()).toBe('2016-02-04T01:43:37.445Z');
    expect(jobIdTime('21917A8D52A19B040152A9F2F2E50041')).toBe(jobIdTime('21917a8d52a19b040152a9f2f2e50041'));
  });

  it.each(['', 'abc', '21917a8d52a19b040152a9f2f2e5004', '21917a8d52a19b040152a9f2f2e500411', '21917a8d-52a1-9b04-0152-a9f2f2e50041', 'g1917a8d52a19b040152a9f2f2e50041'])(
    'ignores %j: not 32 hex characters',
    (jobId) => {
      expect(jobIdTime(jobId)).toBeUndefined();
    },
  );
});

describe('jobAgeFromId: the guard', () => {
  const sample = SAMPLES[0][0];
  const created = jobIdTime(sample)!;

  it('gives the age on the server clock for a plausible id, from just created to a week old', () => {
    expect(jobAgeFromId(sample, created)).toBe(0);
    expect(jobAgeFromId(sample, created + 90_000)).toBe(90_000);
    expect(jobAgeFromId(sample, created + 6 * 24 * HOUR)).toBe(6 * 24 * HOUR);
  });

  it('takes a time slightly ahead of the server clock as just created, and one further ahead as no time at all', () => {
    expect(jobAgeFromId(sample, created - ID_CLOCK_TOLERANCE / 2)).toBe(0);
    expect(jobAgeFromId(sample, created - ID_CLOCK_TOLERANCE - 1)).toBeUndefined();
    expect(jobAgeFromId(sample, created - 365 * 24 * HOUR)).toBeUndefined();
  });

  it('ignores ancient times: older than the jobs API is taken to keep jobs', () => {
    expect(jobAgeFromId(sample, created + MAX_ID_AGE + 1)).toBeUndefined();
    // The reference's own samples are years old today: their ids carry no usable age.
    expect(jobAgeFromId(sample, Date.parse('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(jobAgeFromId(sample, Number.NaN)).toBeUndefined();
  });

  it('finds no age in random hex ids, but for about one in 470 000 (property)', () => {
    const now = Date.parse('2026-06-01T00:00:00Z');
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
    let plausible = 0;
    fc.assert(
      fc.property(hex, (jobId) => {
        if (jobAgeFromId(jobId, now) !== undefined) plausible += 1;
      }),
      { numRuns: 5_000, seed: 1 },
    );
    expect(plausible).toBe(0);
  });
});
