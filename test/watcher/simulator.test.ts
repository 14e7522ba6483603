import { describe, expect, it } from 'vitest';
import type { EvsClient } from '../../src/client/evs-client.js';
import type { EvsClientOptions } from '../../src/client/options.js';
import { AuthError } from '../../src/errors/auth-error.js';
import { JobNotFoundError } from '../../src/errors/job-not-found-error.js';
import type { Job } from '../../src/model/job.js';
import type { RequestRecord, Simulator, SimulatorOptions } from '../../src/simulator/index.js';
import type { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatcherSettings } from '../../src/watcher/options.js';
import { createFakeClock, type FakeClock } from '../helpers/fake-clock.js';
import { advance, advanceUntil, track, type Tracked } from '../helpers/time.js';
import { payloads, recordEvents, STEADY, useHttp, type Recorded } from '../helpers/watcher.js';

const http = useHttp();

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';

interface Rig {
  readonly clock: FakeClock;
  readonly sim: Simulator;
  readonly client: EvsClient;
  readonly watcher: JobWatcher;
  readonly events: Recorded[];
  readonly t0: number;
  /** No request of the watcher is in real transit: each has reached the simulator and waits there on fake time. */
  idle(): boolean;
  /** Advances fake time by `ms`, letting HTTP finish at each instant. */
  run(ms: number): Promise<void>;
  /** Advances fake time until `done()` (at most `limit` ms); fails the test if it never holds. */
  runUntil(done: () => boolean, limit?: number): Promise<void>;
}

/** A simulator and a watcher polling it over HTTP through an `EvsClient`, all on one fake clock. */
async function rig(simulator: SimulatorOptions = {}, watcher: WatcherSettings = {}, client: Partial<EvsClientOptions> = {}): Promise<Rig> {
  const clock = createFakeClock();
  const sim = await http.simulator({ clock, recordRequests: true, ...simulator });
  const evs = http.client(sim, { clock, ...client });
  const jobWatcher = http.watcher({ client: evs, ...watcher });
  const t0 = clock.monotonicNow();
  const idle = (): boolean => jobWatcher.stats().inFlight === sim.stats().inFlight;
  return {
    clock,
    sim,
    client: evs,
    watcher: jobWatcher,
    events: recordEvents(jobWatcher, clock, t0),
    t0,
    idle,
    run: (ms) => advance(clock, ms, { idle }),
    runUntil: async (done, limit = 3_600_000) => {
      expect(await advanceUntil(clock, done, limit, { idle })).toBe(true);
    },
  };
}

/** Job GETs per whole fake second since `from`, from the request log. */
function perSecond(log: readonly RequestRecord[], from: number, to: number): number[] {
  const counts = Array<number>(Math.ceil((to - from) / 1_000)).fill(0);
  for (const record of log) {
    if (record.route !== 'showJob' || record.time < from || record.time >= to) continue;
    counts[Math.floor((record.time - from) / 1_000)]! += 1;
  }
  return counts;
}

const allSettled = (watches: readonly Tracked<unknown>[]) => (): boolean => watches.every((watch) => watch.status !== 'pending');

describe('JobWatcher over HTTP: concurrency and rate', () => {
  it('never has more than `concurrency` requests in flight at the simulator, and reaches that bound', async () => {
    const r = await rig({ faults: { latency: { min: 500, max: 3_000 } } }, { ...STEADY, concurrency: 4 });
    const ids = Array.from({ length: 40 }, () => r.sim.addJob({ duration: 20_000 }));
    const watches = ids.map((id) => track(r.watcher.watch(id)));
    let maxSeen = 0;
    r.watcher.on('statusChange', () => (maxSeen = Math.max(maxSeen, r.watcher.stats().inFlight)));

    await r.runUntil(allSettled(watches));

    expect(r.sim.stats().maxInFlight).toBe(4);
    expect(maxSeen).toBeLessThanOrEqual(4);
    expect(watches.map((watch) => watch.value?.status)).toEqual(Array<string>(40).fill('SUCCESS'));
  });

  it('starts at most maxRequestsPerSecond requests per fake second (after the first full bucket)', async () => {
    const r = await rig({}, { ...STEADY, jitter: 0.5, maxRequestsPerSecond: 5 });
    const ids = Array.from({ length: 30 }, () => r.sim.addJob({ duration: 30_000 }));
    const watches = ids.map((id) => track(r.watcher.watch(id)));
    await r.runUntil(allSettled(watches));
    const end = r.clock.monotonicNow();

    const counts = perSecond(r.sim.stats().log, r.t0, end);
    // The bucket starts full (5) and refills 5 per second: the first busy second may see 5 + 5.
    const firstBusy = counts.findIndex((count) => count > 0);
    expect(counts[firstBusy]).toBeLessThanOrEqual(10);
    expect(counts.slice(firstBusy + 1).every((count) => count <= 5)).toBe(true);
    // It was the limit that held polling back: demand was 30 jobs × ~1.3 polls per second.
    expect(counts.slice(firstBusy + 1, firstBusy + 20).filter((count) => count === 5).length).toBeGreaterThan(15);
    expect(watches.every((watch) => watch.value?.status === 'SUCCESS')).toBe(true);
  });
});

describe('JobWatcher over HTTP: throttling', () => {
  it('pauses ALL polling for exactly Retry-After on a 429 storm, escalates once, then resumes gently', async () => {
    const r = await rig({}, { ...STEADY, jitter: 0.5, concurrency: 10 });
    const ids = Array.from({ length: 24 }, () => r.sim.addJob({ duration: 3_600_000 }));
    for (const id of ids) track(r.watcher.watch(id));
    await r.run(6_000);
    const before = perSecond(r.sim.stats().log, r.t0 + 2_000, r.t0 + 6_000);

    // Every answer is now a 429 (Retry-After: 5 s), 200 ms late, so several polls are in flight when the first lands.
    r.sim.setFaults({ throttle: 1, latency: 200, throttleRetryAfter: 5 });
    await r.runUntil(() => payloads(r.events, 'throttled').length > 0 && r.watcher.stats().inFlight === 0, 60_000);
    r.sim.setFaults({});
    await r.run(20_000);

    const throttled = r.events.filter((e) => e.event === 'throttled');
    expect(throttled).toHaveLength(1);
    const [event] = payloads(r.events, 'throttled');
    expect(event).toMatchObject({ pause: 5_000, retryAfter: 5_000 });
    const pausedAt = r.t0 + throttled[0]!.at;
    const log = r.sim.stats().log.filter((record) => record.route === 'showJob');
    expect(log.filter((record) => record.status === 429).length).toBeGreaterThan(1);

    // Nothing reached the API during the pause; the first request came exactly when it ended.
    expect(log.filter((record) => record.time > pausedAt && record.time < pausedAt + 5_000)).toEqual([]);
    expect(log.find((record) => record.time > pausedAt)?.time).toBe(pausedAt + 5_000);

    // Gently: at the halved rate, climbing back, never all 24 due jobs at once.
    const after = perSecond(log, pausedAt + 5_000, pausedAt + 20_000);
    const baseline = Math.max(...before);
    expect(event!.rate).toBeLessThanOrEqual(baseline / 2 + 1);
    expect(after[0]).toBeLessThanOrEqual(Math.ceil(event!.rate) + 1);
    expect(after[0]).toBeLessThan(ids.length);
    expect(Math.max(...after.slice(10))).toBeGreaterThan(after[0]!);
    expect(r.watcher.stats()).toMatchObject({ throttlePauses: 1 });
  });
});

describe('JobWatcher over HTTP: credentials refused', () => {
  it('rejects every watch with AuthError after the first 401 and sends nothing more (the key never locks)', async () => {
    const r = await rig({ auth: { accessKey: AK, secretKey: SK } }, { learn: false, initialDelay: 1_000 }, { credentials: { accessKey: AK, secretKey: 'wrong-secret' } });
    const ids = Array.from({ length: 20 }, () => r.sim.addJob({ duration: 60_000 }));
    const watches = ids.map((id) => track(r.watcher.watch(id)));
    await r.runUntil(allSettled(watches));
    await r.run(600_000);

    const [error] = payloads(r.events, 'authFailed').map((event) => event.error);
    expect(error).toBeInstanceOf(AuthError);
    expect(watches.every((watch) => watch.error === error)).toBe(true);
    expect(r.sim.stats()).toMatchObject({ requests: 1, authFailures: 1 });
    // Five bad signatures would lock the key; the right secret still works.
    const good = http.client(r.sim, { clock: r.clock, credentials: { accessKey: AK, secretKey: SK } });
    await expect(good.getJob(ids[0]!)).resolves.toMatchObject({ jobId: ids[0] });
  });

  it('sends ONE bad signature when all polls are due at once: a probe goes first, far from the 5 that lock a key', async () => {
    const r = await rig({ auth: { accessKey: AK, secretKey: SK } }, { ...STEADY, concurrency: 16 }, { credentials: { accessKey: AK, secretKey: 'wrong-secret' } });
    const watches = Array.from({ length: 20 }, () => track(r.watcher.watch(r.sim.addJob())));
    await r.runUntil(allSettled(watches));
    await r.run(600_000);

    expect(watches.every((watch) => watch.error instanceof AuthError)).toBe(true);
    expect(r.sim.stats().authFailures).toBe(1);
    expect(r.sim.stats().requests).toBe(1);
  });
});

describe('JobWatcher over HTTP: jobs not found', () => {
  it('keeps checking a job that is invisible right after creation, then follows it to the end', async () => {
    const r = await rig({}, { ...STEADY });
    const jobId = r.sim.addJob({ invisibleFor: 4_000, duration: 10_000 });
    const watch = track(r.watcher.watch(jobId));
    await r.runUntil(allSettled([watch]));

    expect(watch.value).toMatchObject({ jobId, status: 'SUCCESS' });
    expect(r.sim.stats().byStatus['400']).toBeGreaterThanOrEqual(2);
    expect(payloads(r.events, 'pollError').every((event) => event.error instanceof JobNotFoundError)).toBe(true);
  });

  it('rejects a job that never appears with JobNotFoundError after notFoundChecks + 1 requests', async () => {
    const r = await rig({}, { ...STEADY, notFoundChecks: 2 });
    const jobId = '0123456789abcdef0123456789abcdef';
    const watch = track(r.watcher.watch(jobId));
    await r.runUntil(allSettled([watch]));

    expect(watch.error).toBeInstanceOf(JobNotFoundError);
    expect(watch.error).toMatchObject({ jobId, status: 400, serviceCode: 'Common.0011' });
    expect(r.sim.stats().requestsPerJob.get(jobId)).toBe(3);
  });
});

describe('JobWatcher over HTTP: snapshot in one watcher, restore in another', () => {
  it('finishes every job exactly once across the two, and subJobDone stays exactly-once', async () => {
    const r = await rig({ batchOverhead: 2_000 }, { concurrency: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(r.sim.addJob({ duration: 5_000 + i * 3_000, ...(i % 7 === 3 && { outcome: 'FAIL' as const }) }));
    for (let i = 0; i < 10; i++) {
      ids.push(r.sim.addJob({ subJobs: [{ duration: 8_000 + i * 1_000 }, { duration: 20_000 + i * 2_000, ...(i % 4 === 1 && { outcome: 'FAIL' as const }) }, { duration: 40_000 }] }));
    }
    const subJobIds = new Set(ids.flatMap((id) => ((r.sim.jobState(id)!['entities'] as { sub_jobs?: { job_id: string }[] }).sub_jobs ?? []).map((sub) => sub.job_id)));
    expect(subJobIds.size).toBe(30);
    const first = ids.map((id) => track(r.watcher.watch(id)));

    await r.run(25_000);
    const closing = track(r.watcher.close());
    await r.runUntil(() => closing.status === 'fulfilled', 60_000);
    const snapshot = JSON.parse(JSON.stringify(r.watcher.snapshot())) as ReturnType<JobWatcher['snapshot']>;

    const finishedFirst = payloads(r.events, 'done').map(({ job }) => job.jobId);
    expect(finishedFirst.length).toBeGreaterThan(0);
    expect(snapshot.watches.length).toBe(ids.length - finishedFirst.length);
    expect(first.filter((watch) => watch.status === 'rejected').every((watch) => (watch.error as Error).name === 'AbortError')).toBe(true);

    const second = http.watcher({ client: r.client, restore: snapshot, concurrency: 5 });
    const secondEvents = recordEvents(second, r.clock, r.t0);
    const resumed = snapshot.watches.map(({ jobId }) => track(second.watch(jobId)));
    const idle = (): boolean => second.stats().inFlight === r.sim.stats().inFlight;
    expect(await advanceUntil(r.clock, allSettled(resumed), 600_000, { idle })).toBe(true);

    const finishedSecond = payloads(secondEvents, 'done').map(({ job }) => job.jobId);
    expect(new Set([...finishedFirst, ...finishedSecond])).toEqual(new Set(ids));
    expect(finishedFirst.length + finishedSecond.length).toBe(ids.length);
    for (const watch of resumed) expect((watch.value as Job).status).toBe(r.sim.jobState((watch.value as Job).jobId)!['status']);
    const reported = [...payloads(r.events, 'subJobDone'), ...payloads(secondEvents, 'subJobDone')].map((event) => event.subJob.jobId);
    expect(reported.length).toBe(30);
    expect(new Set(reported)).toEqual(subJobIds);
  });
});

describe('JobWatcher over HTTP: learning job durations', () => {
  it('polls less and lands the first poll near the learned duration after many jobs of one type', async () => {
    const duration = 40_000;
    const r = await rig({}, { concurrency: 20 });
    const waves: { ids: string[]; start: number }[] = [];
    for (let wave = 0; wave < 12; wave++) {
      const start = r.clock.monotonicNow();
      const ids = Array.from({ length: 10 }, () => r.sim.addJob({ jobType: 'createVolume', duration }));
      const watches = ids.map((id) => track(r.watcher.watch(id, { jobType: 'createVolume' })));
      await r.runUntil(allSettled(watches));
      expect(watches.every((watch) => watch.value?.status === 'SUCCESS')).toBe(true);
      waves.push({ ids, start });
    }

    const perJob = r.sim.stats().requestsPerJob;
    const mean = ({ ids }: { ids: string[] }): number => ids.reduce((sum, id) => sum + perJob.get(id)!, 0) / ids.length;
    const firstWave = mean(waves[0]!);
    const lastWave = mean(waves.at(-1)!);
    // Cold, the createVolume prior (median 25 s, wide) plans polls long before 40 s.
    expect(firstWave).toBeGreaterThanOrEqual(3);
    expect(lastWave).toBeLessThanOrEqual(2);
    expect(lastWave).toBeLessThan(firstWave * 0.6);

    // The last wave's first polls land near the 40 s the jobs take: the 10 % jitter may pull
    // one a little before the end, otherwise it comes within the allowed 10 s lag.
    const { ids, start } = waves.at(-1)!;
    const firstPolls = ids.map((id) => r.sim.stats().log.find((record) => record.jobId === id)!.time - start);
    for (const at of firstPolls) {
      expect(at).toBeGreaterThanOrEqual(duration * 0.9);
      expect(at).toBeLessThanOrEqual(duration + 10_000);
    }
  });
});
