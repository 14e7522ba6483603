import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../helpers/fake-clock.js';
import { anyString, body, getJob, iso, matching, subJobs, useSimulators } from './helpers.js';

const start = useSimulators();

describe('a batch job', () => {
  it('is RUNNING until its last sub-job ends, then ends after a small overhead', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, batchOverhead: 2_000 });
    const jobId = simulator.addJob({ subJobs: [{ duration: 10_000 }, { duration: 20_000 }] });

    const running = body(await getJob(simulator, jobId));
    expect(running).toMatchObject({ status: 'RUNNING', job_type: 'batchCreateVolume', end_time: '' });
    expect(subJobs(running).map((sub) => sub['job_type'])).toEqual(['createVolume', 'createVolume']);

    await clock.tick(20_000);
    const waiting = body(await getJob(simulator, jobId));
    expect(waiting['status']).toBe('RUNNING');
    expect(subJobs(waiting)).toMatchObject([
      { status: 'SUCCESS', begin_time: iso(0), end_time: iso(10_000) },
      { status: 'SUCCESS', begin_time: iso(0), end_time: iso(20_000) },
    ]);

    await clock.tick(2_000);
    expect(body(await getJob(simulator, jobId))).toMatchObject({ status: 'SUCCESS', end_time: iso(22_000), error_code: null });
  });

  it('lists each sub-job shaped like a job, each queryable by its own id', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const jobId = simulator.addJob({ subJobs: [{ duration: 1_000 }, { duration: 2_000 }] });
    const [first, second] = subJobs(simulator.jobState(jobId));

    expect(first).toEqual({
      status: 'RUNNING',
      entities: { volume_id: anyString },
      job_id: matching(/^[0-9a-f]{32}$/),
      job_type: 'createVolume',
      begin_time: iso(0),
      end_time: '',
      error_code: null,
      fail_reason: null,
    });
    expect(new Set([jobId, first?.['job_id'], second?.['job_id']]).size).toBe(3);
    expect(simulator.jobState(jobId)?.['entities']).not.toHaveProperty('volume_id');

    await clock.tick(1_000);
    expect(body(await getJob(simulator, String(first?.['job_id'])))).toMatchObject({ status: 'SUCCESS', end_time: iso(1_000) });
    expect(body(await getJob(simulator, String(second?.['job_id'])))).toMatchObject({ status: 'RUNNING' });
  });

  it('fails when a sub-job fails, with that sub-job’s error', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, batchOverhead: 500 });
    const jobId = simulator.addJob({
      subJobs: [{ duration: 1_000 }, { duration: 2_000, outcome: 'FAIL', errorCode: 'EVS.9001', failReason: 'disk sold out' }],
    });

    await clock.tick(2_500);
    const job = body(await getJob(simulator, jobId));
    expect(job).toMatchObject({ status: 'FAIL', end_time: iso(2_500), error_code: 'EVS.9001', fail_reason: 'disk sold out' });
    expect(subJobs(job).map((sub) => sub['status'])).toEqual(['SUCCESS', 'FAIL']);
  });

  it('starts its sub-jobs when it leaves INIT', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, batchOverhead: 0 });
    const jobId = simulator.addJob({ initDuration: 1_000, subJobs: [{ duration: 1_000 }] });

    expect(simulator.jobState(jobId)).toMatchObject({ status: 'INIT' });
    expect(subJobs(simulator.jobState(jobId))[0]).toMatchObject({ status: 'INIT', begin_time: iso(1_000) });
    await clock.tick(2_000);
    expect(simulator.jobState(jobId)).toMatchObject({ status: 'SUCCESS', end_time: iso(2_000) });
  });

  it('names sub-jobs of a bulk delete deleteSingleVolume', async () => {
    const simulator = await start();
    const jobId = simulator.addJob({ jobType: 'bulkDeleteVolume', subJobs: [{}, {}] });

    expect(subJobs(simulator.jobState(jobId)).map((sub) => sub['job_type'])).toEqual(['deleteSingleVolume', 'deleteSingleVolume']);
  });

  it('with no sub-jobs lists an empty sub_jobs and ends after the overhead', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, batchOverhead: 100 });
    const jobId = simulator.addJob({ subJobs: [] });

    expect(simulator.jobState(jobId)).toMatchObject({ status: 'RUNNING', entities: { sub_jobs: [] } });
    await clock.tick(100);
    expect(simulator.jobState(jobId)).toMatchObject({ status: 'SUCCESS' });
  });
});
