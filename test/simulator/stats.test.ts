import { describe, expect, it } from 'vitest';
import { createFakeClock, settle } from '../helpers/fake-clock.js';
import { getJob, send, useSimulators } from './helpers.js';

const start = useSimulators();

describe('stats()', () => {
  it('counts requests by route and by status', async () => {
    const simulator = await start();
    const jobId = simulator.addJob();
    await getJob(simulator, jobId);
    await getJob(simulator, 'f'.repeat(32));
    await send(simulator, 'POST', `/v2/${simulator.projectId}/cloudvolumes`, { body: '{"volume":{"size":10}}' });
    await send(simulator, 'GET', '/nowhere');

    expect(simulator.stats()).toMatchObject({
      requests: 4,
      inFlight: 0,
      byRoute: { showJob: 2, createVolume: 1, volumeAction: 0, deleteVolume: 0, unknown: 1 },
      byStatus: { '200': 1, '400': 1, '202': 1, '404': 1 },
      authFailures: 0,
    });
    expect(simulator.stats().requestsPerJob).toEqual(new Map([[jobId, 1], ['f'.repeat(32), 1]]));
  });

  it('tracks requests in flight and the most at once', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { latency: 1_000 } });
    const jobId = simulator.addJob();
    const replies = Array.from({ length: 5 }, () => getJob(simulator, jobId));

    await settle(() => simulator.stats().faults.latency === 5, 1_000);
    expect(simulator.stats()).toMatchObject({ inFlight: 5, maxInFlight: 5 });
    await clock.tick(1_000);
    await Promise.all(replies);
    expect(simulator.stats()).toMatchObject({ inFlight: 0, maxInFlight: 5 });
  });

  it('counts job GETs that arrive while another GET of the same job is unanswered', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { latency: 1_000 } });
    const jobId = simulator.addJob();
    const other = simulator.addJob();
    const replies = [getJob(simulator, jobId), getJob(simulator, other)];
    await settle(() => simulator.stats().faults.latency === 2, 1_000);
    expect(simulator.stats().overlappingPolls).toBe(0);

    replies.push(getJob(simulator, jobId), getJob(simulator, jobId));
    await settle(() => simulator.stats().faults.latency === 4, 1_000);
    await clock.tick(1_000);
    await Promise.all(replies);
    expect(simulator.stats()).toMatchObject({ inFlight: 0, overlappingPolls: 2 });
  });

  it('counts polls that find a job final after it was already answered final once', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { script: ['none', 'none', 'truncated'] } });
    const jobId = simulator.addJob({ duration: 1_000 });
    const other = simulator.addJob({ duration: 1_000 });

    await getJob(simulator, jobId);
    await clock.tick(1_000);
    await getJob(simulator, jobId); // first final answer: not wasted
    await getJob(simulator, jobId); // truncated: the client could not read it
    expect(simulator.stats().pollsAfterFinal).toBe(0);
    await getJob(simulator, jobId);
    await getJob(simulator, jobId);
    await getJob(simulator, other);
    expect(simulator.jobState(jobId)).toMatchObject({ status: 'SUCCESS' });
    expect(simulator.stats().pollsAfterFinal).toBe(2);
    expect(simulator.stats().requestsPerJob.get(jobId)).toBe(5);
  });

  it('keeps a request log when recordRequests is on', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, recordRequests: true, faults: { script: ['reset'] } });
    const jobId = simulator.addJob();
    await getJob(simulator, jobId).catch(() => undefined);
    await clock.tick(500);
    await send(simulator, 'DELETE', `/v2/${simulator.projectId}/cloudvolumes/v1?cascade=true`);

    const now = clock.wallNow();
    expect(simulator.stats().log).toEqual([
      { method: 'GET', rawPath: `/v1/${simulator.projectId}/jobs/${jobId}`, route: 'showJob', status: 0, jobId, time: now - 500 },
      { method: 'DELETE', rawPath: `/v2/${simulator.projectId}/cloudvolumes/v1`, route: 'deleteVolume', status: 202, time: now },
    ]);
    expect(simulator.stats().byStatus).toEqual({ '202': 1 });
  });

  it('keeps no log by default', async () => {
    const simulator = await start();
    await getJob(simulator, simulator.addJob());

    expect(simulator.stats().log).toEqual([]);
  });

  it('returns a snapshot that later requests do not change', async () => {
    const simulator = await start();
    const jobId = simulator.addJob();
    const before = simulator.stats();
    await getJob(simulator, jobId);

    expect(before.requests).toBe(0);
    expect(before.byRoute.showJob).toBe(0);
    expect(before.requestsPerJob.size).toBe(0);
  });
});

describe('resetStats()', () => {
  it('zeroes every counter and the log, and forgets which jobs were seen final', async () => {
    const simulator = await start({ recordRequests: true, faults: { script: ['error500'] }, defaultDuration: 0 });
    const jobId = simulator.addJob();
    await getJob(simulator, jobId);
    await getJob(simulator, jobId);
    await getJob(simulator, jobId);
    simulator.resetStats();

    expect(simulator.stats()).toMatchObject({
      requests: 0,
      maxInFlight: 0,
      byStatus: {},
      pollsAfterFinal: 0,
      log: [],
      faults: { error500: 0 },
      byRoute: { showJob: 0 },
    });
    await getJob(simulator, jobId);
    expect(simulator.stats()).toMatchObject({ requests: 1, pollsAfterFinal: 0 });
  });
});
