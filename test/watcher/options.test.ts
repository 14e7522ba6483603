import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { JobWatcherOptions } from '../../src/watcher/options.js';
import { createFakeClock } from '../helpers/fake-clock.js';
import { FakeJobs } from '../helpers/fake-jobs.js';
import { track } from '../helpers/time.js';

const fetchJob = (): Promise<Job> => Promise.reject(new Error('not called'));

describe('JobWatcher options: exact TypeError messages', () => {
  it.each<[string, unknown, string]>([
    ['neither client nor fetchJob', {}, 'Expected exactly one of `client` or `fetchJob`'],
    ['both client and fetchJob', { fetchJob, client: { getJob: fetchJob } }, 'Expected exactly one of `client` or `fetchJob`'],
    ['a client without getJob()', { client: {} as never }, 'Expected `client` to have a getJob() method'],
    ['a fetchJob that is not a function', { fetchJob: 'nope' as never }, 'Expected `fetchJob` to be a function, got `nope` (string)'],
    ['concurrency 0', { fetchJob, concurrency: 0 }, 'Expected `concurrency` to be an integer from 1 to 10000, got `0` (number)'],
    ['fractional concurrency', { fetchJob, concurrency: 2.5 }, 'Expected `concurrency` to be an integer from 1 to 10000, got `2.5` (number)'],
    ['concurrency above 10 000', { fetchJob, concurrency: 10_001 }, 'Expected `concurrency` to be an integer from 1 to 10000, got `10001` (number)'],
    ['concurrency as a string', { fetchJob, concurrency: '10' as never }, 'Expected `concurrency` to be an integer from 1 to 10000, got `10` (string)'],
    ['maxRequestsPerSecond 0', { fetchJob, maxRequestsPerSecond: 0 }, 'Expected `maxRequestsPerSecond` to be a number from 0.01 to 1000000, got `0` (number)'],
    ['maxRequestsPerSecond NaN', { fetchJob, maxRequestsPerSecond: Number.NaN }, 'Expected `maxRequestsPerSecond` to be a number from 0.01 to 1000000, got `NaN` (number)'],
    ['initialDelay 0', { fetchJob, initialDelay: 0 }, 'Expected `initialDelay` to be an integer from 1 to 2147483647, got `0` (number)'],
    ['maxDelay beyond 2³¹−1', { fetchJob, maxDelay: 2 ** 31 }, 'Expected `maxDelay` to be an integer from 1 to 2147483647, got `2147483648` (number)'],
    ['factor below 1', { fetchJob, factor: 0.5 }, 'Expected `factor` to be a number from 1 to 100, got `0.5` (number)'],
    ['jitter above 1', { fetchJob, jitter: 1.5 }, 'Expected `jitter` to be a number from 0 to 1, got `1.5` (number)'],
    ['negative jitter', { fetchJob, jitter: -0.1 }, 'Expected `jitter` to be a number from 0 to 1, got `-0.1` (number)'],
    ['maxLag 0', { fetchJob, maxLag: 0 }, 'Expected `maxLag` to be an integer from 1 to 2147483647, got `0` (number)'],
    ['maxLagRatio above 10', { fetchJob, maxLagRatio: 11 }, 'Expected `maxLagRatio` to be a number from 0 to 10, got `11` (number)'],
    ['learn as a string', { fetchJob, learn: 'yes' as never }, 'Expected `learn` to be a boolean, got `yes` (string)'],
    ['timeout Infinity', { fetchJob, timeout: Number.POSITIVE_INFINITY }, 'Expected `timeout` to be an integer from 1 to 2147483647, got `Infinity` (number)'],
    ['successConfirmations 0', { fetchJob, successConfirmations: 0 }, 'Expected `successConfirmations` to be an integer from 1 to 100, got `0` (number)'],
    ['negative notFoundChecks', { fetchJob, notFoundChecks: -1 }, 'Expected `notFoundChecks` to be an integer from 0 to 1000, got `-1` (number)'],
    ['errorDelay 0', { fetchJob, errorDelay: 0 }, 'Expected `errorDelay` to be an integer from 1 to 2147483647, got `0` (number)'],
    ['maxErrorDelay as an object', { fetchJob, maxErrorDelay: {} as never }, 'Expected `maxErrorDelay` to be an integer from 1 to 2147483647, got `object` (object)'],
    ['throttleDelay 0', { fetchJob, throttleDelay: 0 }, 'Expected `throttleDelay` to be an integer from 1 to 2147483647, got `0` (number)'],
    ['maxThrottleDelay as a string', { fetchJob, maxThrottleDelay: '60s' as never }, 'Expected `maxThrottleDelay` to be an integer from 1 to 2147483647, got `60s` (string)'],
    ['a prior median of 0', { fetchJob, durations: { createVolume: { median: 0, spread: 0.5 } } }, 'Expected `durations.createVolume.median` to be a number from 1 to 2147483647, got `0` (number)'],
    ['a prior spread above 5', { fetchJob, durations: { retypeVolume: { median: 1_000, spread: 6 } } }, 'Expected `durations.retypeVolume.spread` to be a number from 0.01 to 5, got `6` (number)'],
    ['a logger without error()', { fetchJob, logger: { debug() {}, info() {}, warn() {} } as never }, 'Expected `logger.error` to be a function'],
    ['an unknown option, with the closest known one', { fetchJob, concurency: 5 }, 'Unknown option `options.concurency` (did you mean `concurrency`?); known: client, fetchJob, concurrency, maxRequestsPerSecond, initialDelay, factor, maxDelay, jitter, maxLag, maxLagRatio, learn, durations, timeout, pollTimeout, successConfirmations, confirmationDelay, pendingPaymentInterval, notFoundChecks, errorDelay, maxErrorDelay, throttleDelay, maxThrottleDelay, clock, logger, restore, fleet'],
    ['a null option', { fetchJob, timeout: null }, 'Expected `options.timeout` to be a value, got null: leave it out (or pass undefined) for the default'],
    ['a clock without wallNow()', { fetchJob, clock: { monotonicNow: () => 0, setTimeout, clearTimeout, random: Math.random } }, 'Expected `clock` to be a Clock with monotonicNow, wallNow, setTimeout, clearTimeout, random() methods, missing wallNow()'],
    ['a client whose clock is not a Clock', { client: { getJob: fetchJob, clock: {} } }, 'Expected `client.clock` to be a Clock with monotonicNow, wallNow, setTimeout, clearTimeout, random() methods, missing monotonicNow()'],
    ['pollTimeout 0', { fetchJob, pollTimeout: 0 }, 'Expected `pollTimeout` to be an integer from 1 to 2147483647, got `0` (number)'],
    ['confirmationDelay as a string', { fetchJob, confirmationDelay: '2s' }, 'Expected `confirmationDelay` to be an integer from 1 to 2147483647, got `2s` (string)'],
    ['a prior with an unknown field', { fetchJob, durations: { createVolume: { median: 1_000, spread: 0.5, mean: 3 } } }, 'Unknown option `durations.createVolume.mean` (did you mean `median`?); known: median, spread'],
    ['a fleet that is not a RedisFleet', { fetchJob, fleet: {} }, 'Expected `fleet` to be a RedisFleet (from evs-job-watcher/redis), got `object` (object)'],
    ['a malformed snapshot to restore', { fetchJob, restore: { version: 3 } as never }, 'Expected `snapshot.version` to be 1 or 2, got 3'],
  ])('throws for %s', (_what, options, message) => {
    expect(() => new JobWatcher(options as JobWatcherOptions)).toThrow(new TypeError(message));
  });

  it('names the first bad option when several are bad', () => {
    expect(() => new JobWatcher({ fetchJob, concurrency: 0, jitter: 5 })).toThrow(/`concurrency`/);
  });

  it('accepts the boundary values', () => {
    const boundaries: JobWatcherOptions = {
      fetchJob,
      concurrency: 10_000,
      maxRequestsPerSecond: 0.01,
      initialDelay: 1,
      maxDelay: 2_147_483_647,
      factor: 100,
      jitter: 1,
      maxLag: 1,
      maxLagRatio: 0,
      learn: false,
      timeout: 2_147_483_647,
      successConfirmations: 100,
      notFoundChecks: 0,
      durations: { createVolume: { median: 1, spread: 0.01 } },
      logger: console,
    };
    expect(() => new JobWatcher(boundaries)).not.toThrow();
    expect(() => new JobWatcher({ fetchJob, concurrency: 1, jitter: 0, factor: 1 })).not.toThrow();
  });

  it('takes the clock from the client when none is given, and the client\'s serverNow() for job ages', async () => {
    const clock = createFakeClock();
    const jobs = new FakeJobs(clock);
    const jobId = jobs.add({ duration: 3_000 });
    const calls: string[] = [];
    const watcher = new JobWatcher({
      client: {
        clock,
        serverNow: () => clock.wallNow(),
        getJob: (id, { signal } = {}) => {
          calls.push(id);
          return jobs.fetchJob(id, { signal: signal ?? new AbortController().signal });
        },
      },
      learn: false,
      jitter: 0,
      initialDelay: 1_000,
      factor: 1,
    });
    const watch = track(watcher.watch(jobId));
    await clock.tick(3_000);

    expect(watch.value?.status).toBe('SUCCESS');
    expect(calls).toEqual([jobId, jobId, jobId]);
    await watcher.destroy();
  });

  it('starts unlimited and polls with the defaults (learned first poll, 2 h timeout)', async () => {
    const clock = createFakeClock();
    const jobs = new FakeJobs(clock);
    const watcher = new JobWatcher({ fetchJob: jobs.fetchJob, clock });
    const jobId = jobs.add({ jobType: 'createVolume', duration: 7_200_000 });
    const watch = track(watcher.watch(jobId, { jobType: 'createVolume' }));

    expect(watcher.stats().rateLimit).toBe(Number.POSITIVE_INFINITY);
    await clock.tick(10_000);
    // The credentials probe goes out at once; the unconfirmed createVolume prior (median 25 s) is scouted at the end
    // of its unlikely head (~5.9 s); its first planned poll comes after 10 s.
    expect(jobs.calls.map((call) => Math.round((call.time - jobs.calls[0]!.time) / 100) * 100)).toEqual([0, 5_900]);
    await clock.tick(7_190_000);
    expect(watch.error).toMatchObject({ name: 'WatchTimeoutError', timeout: 7_200_000 });
    await watcher.destroy();
  });
});
