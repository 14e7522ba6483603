import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/clock/seeded-random.js';
import type { Job } from '../../src/model/job.js';
import type { JobSpec } from '../../src/simulator/index.js';
import { createFakeClock } from '../helpers/fake-clock.js';
import { advanceUntil, track, type Tracked } from '../helpers/time.js';
import { payloads, recordEvents, useHttp } from '../helpers/watcher.js';

const http = useHttp();

/** Budget of job GETs per watched job, on average, for this mix (learning from a cold start). */
const POLL_BUDGET = 3;
/**
 * Fake time moves in 100 ms steps: the polls due within a step travel together
 * over real HTTP (fast), and reach the simulator at the end of their step.
 */
const QUANTUM = 100;

describe('end to end: 1 000 jobs on the simulator over real HTTP, in fake time', () => {
  it(`settles every job with its true final status, in under ${POLL_BUDGET} polls per job on average`, async () => {
    const clock = createFakeClock();
    const sim = await http.simulator({ clock, recordRequests: false, random: seededRandom(2026), batchOverhead: 3_000 });
    const client = http.client(sim, { clock });
    const watcher = http.watcher({ client, concurrency: 20 });
    const events = recordEvents(watcher, clock);
    const random = seededRandom(99);
    const logNormal = (median: number, sigma: number): number =>
      Math.round(median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));

    const specs: JobSpec[] = [];
    for (let i = 0; i < 1_000; i++) {
      const kind = random();
      if (kind < 0.6) specs.push({ jobType: 'createVolume', duration: logNormal(25_000, 0.35), ...(random() < 0.08 && { outcome: 'FAIL' as const }) });
      else if (kind < 0.72) specs.push({ jobType: 'deleteVolume', duration: logNormal(12_000, 0.3) });
      else if (kind < 0.85) specs.push({ jobType: 'extendVolume', duration: logNormal(20_000, 0.4), ...(random() < 0.05 && { outcome: 'FAIL' as const }) });
      else {
        const count = 2 + Math.floor(random() * 4);
        const failing = random() < 0.15 ? Math.floor(random() * count) : -1;
        specs.push({
          jobType: 'batchCreateVolume',
          subJobs: Array.from({ length: count }, (_, index) => ({ duration: logNormal(25_000, 0.35), ...(index === failing && { outcome: 'FAIL' as const }) })),
        });
      }
    }

    // Ten waves of 100 jobs, one every 10 s, each watched as soon as it is created (with its type, as a creator knows it).
    const watches: { jobId: string; watch: Tracked<Job> }[] = [];
    const idle = (): boolean => watcher.stats().inFlight === 0;
    for (let wave = 0; wave < 10; wave++) {
      for (const spec of specs.slice(wave * 100, wave * 100 + 100)) {
        const jobId = sim.addJob(spec);
        watches.push({ jobId, watch: track(watcher.watch(jobId, { jobType: spec.jobType! })) });
      }
      await advanceUntil(clock, () => false, 10_000, { idle, quantum: QUANTUM });
    }
    const settled = await advanceUntil(clock, () => watches.every(({ watch }) => watch.status !== 'pending'), 3_600_000, { idle, quantum: QUANTUM });
    expect(settled).toBe(true);

    // Every job settled with the status the simulator holds for it: none lost, none wrong.
    for (const { jobId, watch } of watches) {
      expect(watch.status).toBe('fulfilled');
      expect(watch.value!.jobId).toBe(jobId);
      expect(watch.value!.status).toBe(sim.jobState(jobId)!['status']);
    }
    const failed = watches.filter(({ watch }) => watch.value!.status === 'FAIL').length;
    const batches = watches.filter(({ watch }) => watch.value!.entities.subJobs.length > 0);
    expect(failed).toBeGreaterThan(30);
    expect(batches.length).toBeGreaterThan(100);

    // Exactly one `done` per job, and one `subJobDone` per sub-job.
    expect(payloads(events, 'done').length).toBe(1_000);
    const subJobs = batches.reduce((sum, { watch }) => sum + watch.value!.entities.subJobs.length, 0);
    expect(new Set(payloads(events, 'subJobDone').map((event) => event.subJob.jobId)).size).toBe(subJobs);
    expect(payloads(events, 'subJobDone').length).toBe(subJobs);

    // Polls per job, as the simulator counted them and as the watcher did.
    const stats = sim.stats();
    const meanPolls = stats.byRoute.showJob / 1_000;
    expect(meanPolls, `mean polls per job ${meanPolls.toFixed(2)}`).toBeLessThan(POLL_BUDGET);
    expect(watcher.stats().meanPollsPerFinishedJob).toBeCloseTo(meanPolls, 9);
    expect(stats.pollsAfterFinal).toBe(0);
    expect(stats.maxInFlight).toBeLessThanOrEqual(20);
  });
});
