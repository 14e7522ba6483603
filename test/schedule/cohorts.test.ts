import { describe, expect, it } from 'vitest';
import { COHORT_GAP, COHORT_SPAN, Cohorts, SCOUTS } from '../../src/schedule/cohorts.js';

describe('Cohorts', () => {
  it('groups watches of one key planned within COHORT_GAP of each other, for at most COHORT_SPAN', () => {
    const cohorts = new Cohorts<string>();
    const first = cohorts.join('*', 'a', 0, true);
    expect(cohorts.join('*', 'b', COHORT_GAP, true)).toBe(first);
    expect(cohorts.join('createVolume', 'c', COHORT_GAP, true)).not.toBe(first);
    expect(first.size).toBe(2);
    expect(first.members).toEqual(['a', 'b']);
    // A new cohort of the key replaces it; one no scout speaks for lets go of its members.
    expect(cohorts.join('*', 'd', 2 * COHORT_GAP + 1, true)).not.toBe(first);
    expect(first.members).toBeUndefined();

    const long = cohorts.join('x', 'e', 100_000, true);
    for (let t = 100_000; t <= 100_000 + COHORT_SPAN; t += COHORT_GAP) expect(cohorts.join('x', 'f', t, true)).toBe(long);
    expect(cohorts.join('x', 'g', 100_000 + COHORT_SPAN + COHORT_GAP, true)).not.toBe(long);
  });

  it('lets go of its members once its scouts are done, and keeps at most 10 000 of a huge one', () => {
    const cohorts = new Cohorts<number>();
    const cohort = cohorts.join('*', 0, 0, true);
    for (let i = 1; i < 20_000; i++) cohorts.join('*', i, 0, true);
    expect(cohort.size).toBe(20_000);
    expect(cohort.members).toHaveLength(10_000);

    for (let scout = 0; scout < SCOUTS; scout++) cohorts.enlist(scout, cohort, [5_000]);
    expect(cohorts.scout(0)?.ages).toEqual([5_000]);
    cohorts.retire(0);
    expect(cohort.members).toHaveLength(10_000);
    cohorts.retire(1);
    expect(cohort.members).toBeUndefined();
    expect(cohorts.scout(1)).toBeUndefined();
  });

  it('takes the type its scouts show while they agree, and none once they disagree', () => {
    const cohorts = new Cohorts<string>();
    const cohort = cohorts.join('*', 'a', 0, true);
    expect(cohort.showed('deleteVolume')).toBe('deleteVolume');
    expect(cohort.showed('deleteVolume')).toBeUndefined();
    expect(cohort.type).toBe('deleteVolume');
    cohort.showed('createVolume');
    expect(cohort.type).toBeNull();
  });
});
