import { Random } from '../lib/random.js';
import { mean, quantile } from '../lib/stats.js';

/**
 * An independent model of smithy's waiter schedule, to check that the real
 * createWaiter ran faithfully under the fake clock: first poll at once, then
 * delay n = random(min, min(max, min·2^(n−1))) — except that smithy returns
 * `max` outright once n > log2(max/min) + 1 (`attemptCountCeiling`). With
 * `jumpToMax: false` it is the textbook formula without that jump.
 */
export function waiterModel(durations: readonly number[], jumpToMax: boolean, seed: number, repeats = 50): { polls: number; meanLag: number; p95Lag: number } {
  const random = new Random(seed);
  const [min, max] = [2_000, 120_000];
  const ceiling = Math.log(max / min) / Math.log(2) + 1;
  const polls: number[] = [];
  const lags: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const duration of durations) {
      let time = 0;
      let count = 1;
      for (let attempt = 1; time < duration; attempt++) {
        time += jumpToMax && attempt > ceiling ? max : random.between(min, Math.min(max, min * 2 ** (attempt - 1)));
        count += 1;
      }
      polls.push(count);
      lags.push((time - duration) / 1000);
    }
  }
  return { polls: mean(polls), meanLag: mean(lags), p95Lag: quantile(lags, 0.95) };
}
