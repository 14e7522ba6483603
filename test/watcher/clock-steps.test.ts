import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock/clock.js';
import { WatchTimeoutError } from '../../src/errors/watch-errors.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import { createFakeClock, type FakeClock } from '../helpers/fake-clock.js';
import { FakeJobs } from '../helpers/fake-jobs.js';
import { advanceUntil, flush, track } from '../helpers/time.js';
import { payloads, recordEvents, useHttp } from '../helpers/watcher.js';

// The watcher's wall clock is stepped by hours (an NTP correction, a VM
// resumed, an operator's `date -s`) while the SERVER's clock runs on: timers,
// deadlines and pauses must run on monotonic time, and only the comparison of
// job times with the server's clock may use the wall clock.

const HOUR = 3_600_000;
const http = useHttp();

interface StepRig {
  readonly clock: FakeClock;
  readonly jobs: FakeJobs;
  readonly watcher: JobWatcher;
  /** Steps the watcher's wall clock by `ms` (the server's clock does not move). */
  step(ms: number): void;
}

/** The server keeps its own time: `clock`'s wall time now plus the time that really passes. */
function serverClock(clock: FakeClock): Clock {
  const t0 = clock.monotonicNow();
  const wall0 = clock.wallNow();
  return { ...clock, wallNow: () => wall0 + (clock.monotonicNow() - t0) };
}

function rig(options: { readonly maxLag?: number; readonly learn?: boolean } = {}): StepRig {
  const clock = createFakeClock();
  const server = serverClock(clock);
  const jobs = new FakeJobs(server);
  const watcher = new JobWatcher({ fetchJob: jobs.fetchJob, clock, jitter: 0, ...options });
  return {
    clock,
    jobs,
    watcher,
    step: (ms) => clock.fake.setSystemTime(clock.wallNow() + ms),
  };
}

describe('a wall clock stepped while jobs are watched', () => {
  it.each([-2 * HOUR, 2 * HOUR])('by %d ms: a job ending at 30 min is noticed within its lag bound, neither stalled nor stormed', async (ms) => {
    const s = rig();
    const start = s.clock.monotonicNow();
    const jobId = s.jobs.add({ jobType: 'retypeVolume', duration: 30 * 60_000 });
    const watch = track(s.watcher.watch(jobId, { jobType: 'retypeVolume' }));
    await s.clock.tick(10 * 60_000);
    const pollsBefore = s.jobs.callsFor(jobId).length;
    s.step(ms);
    await s.clock.tick(25 * 60_000);

    expect(watch.value?.status).toBe('SUCCESS');
    const polls = s.jobs.callsFor(jobId).map((call) => call.time);
    // Lag bound for a 30 min job: 8 % of its running time, 144 s (91 minutes late before the fix).
    expect(polls.at(-1)! - (start + 30 * 60_000)).toBeLessThanOrEqual(144_000);
    // No storm: the step did not release a burst of polls (20 minutes at ≥ 10 s apart at most).
    expect(polls.length - pollsBefore).toBeLessThanOrEqual(120);
  });

  it('keeps a 10-minute deadline in monotonic time across a −2 h step (130 min before the fix)', async () => {
    const s = rig();
    const jobId = s.jobs.add({ duration: 5 * HOUR });
    const watch = track(s.watcher.watch(jobId, { timeout: 10 * 60_000 }));
    await s.clock.tick(60_000);
    s.step(-2 * HOUR);
    await s.clock.tick(9 * 60_000 - 1);
    expect(watch.status).toBe('pending');
    await s.clock.tick(1);
    expect(watch.error).toBeInstanceOf(WatchTimeoutError);
  });

  it('keeps a 10-minute deadline across a +2 h step: it does not expire early', async () => {
    const s = rig();
    const jobId = s.jobs.add({ duration: 5 * HOUR });
    const watch = track(s.watcher.watch(jobId, { timeout: 10 * 60_000 }));
    await s.clock.tick(60_000);
    s.step(2 * HOUR);
    await flush(s.clock);
    await s.clock.tick(8 * 60_000);
    expect(watch.status).toBe('pending');
    await s.clock.tick(60_000);
    expect(watch.error).toBeInstanceOf(WatchTimeoutError);
  });

  it('a −1 h step during a 5 s Retry-After pause: polling resumes after 5 s, not after an hour', async () => {
    const s = rig();
    const events = recordEvents(s.watcher, s.clock);
    const ids = Array.from({ length: 5 }, () => s.jobs.add({ duration: 60_000 }));
    s.jobs.fail('*', { throttle: 5_000 });
    const watches = ids.map((jobId) => track(s.watcher.watch(jobId)));
    await s.clock.tick(20_000);
    const pausedAt = s.jobs.calls.find((call) => call.outcome === 'throttle')!.time;
    s.step(-HOUR);
    await s.clock.tick(120_000);

    expect(payloads(events, 'throttled').map(({ pause }) => pause)).toEqual([5_000]);
    const after = s.jobs.calls.filter((call) => call.time > pausedAt);
    expect(after[0]!.time - pausedAt).toBe(5_000);
    expect(watches.every((watch) => watch.value?.status === 'SUCCESS')).toBe(true);
  });

  it('−1 h then +2 h: the watcher never sleeps on an old timer, and a finished job is not timed out', async () => {
    const s = rig();
    const jobId = s.jobs.add({ duration: 90_000 });
    const watch = track(s.watcher.watch(jobId, { timeout: 10 * 60_000 }));
    await s.clock.tick(30_000);
    s.step(-HOUR);
    await s.clock.tick(30_000);
    s.step(2 * HOUR);
    await s.clock.tick(60_000);

    expect(watch.value?.status).toBe('SUCCESS');
    const last = s.jobs.callsFor(jobId).at(-1)!;
    expect(last.outcome).toBe('SUCCESS');
  });
});

describe('a wall clock stepped under an EvsClient with AK/SK (over HTTP)', () => {
  it('re-learns the server offset from the next Date header: the watch goes on, with at most one refused signature', async () => {
    const clock = createFakeClock();
    const credentials = { accessKey: 'QTWAOYTTINDUT2QVKYUC', secretKey: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' };
    const sim = await http.simulator({ clock: serverClock(clock), auth: credentials });
    const client = http.client(sim, { clock, credentials });
    const watcher = http.watcher({ client, jitter: 0 });
    const jobId = sim.addJob({ duration: 120_000 });
    const watch = track(watcher.watch(jobId));
    const idle = (): boolean => watcher.stats().inFlight === sim.stats().inFlight;
    expect(await advanceUntil(clock, () => sim.stats().requests >= 2, 60_000, { idle })).toBe(true);
    clock.fake.setSystemTime(clock.wallNow() - 2 * HOUR);
    expect(await advanceUntil(clock, () => watch.status !== 'pending', 10 * 60_000, { idle })).toBe(true);

    expect(watch.value?.status).toBe('SUCCESS');
    // The first request after the step is signed 2 h off and refused (as the gateway would); the answer's Date corrects the offset and the one retry passes.
    expect(sim.stats().authFailures).toBeLessThanOrEqual(1);
  });
});
