import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../src/simulator/index.js';
import { createFakeClock } from '../helpers/fake-clock.js';
import { anyString, body, getJob, iso, jobPath, matching, send, T0, useSimulators } from './helpers.js';

const start = useSimulators();

describe('a single job', () => {
  it('goes INIT → RUNNING → SUCCESS on the injected clock, with begin and end times', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const jobId = simulator.addJob({ initDuration: 2_000, duration: 10_000, volumeId: 'vol-1' });

    expect(jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(body(await getJob(simulator, jobId))).toEqual({
      status: 'INIT',
      entities: { volume_id: 'vol-1' },
      job_id: jobId,
      job_type: 'createVolume',
      begin_time: iso(0),
      end_time: '',
      error_code: null,
      fail_reason: null,
    });
    await clock.tick(2_000);
    expect(body(await getJob(simulator, jobId))).toMatchObject({ status: 'RUNNING', end_time: '' });
    await clock.tick(9_999);
    expect(body(await getJob(simulator, jobId))).toMatchObject({ status: 'RUNNING' });
    await clock.tick(1);
    expect(body(await getJob(simulator, jobId))).toMatchObject({
      status: 'SUCCESS',
      begin_time: iso(0),
      end_time: iso(12_000),
      error_code: null,
      fail_reason: null,
    });
  });

  it('ends in FAIL with default error_code and fail_reason', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const jobId = simulator.addJob({ duration: 1_000, outcome: 'FAIL' });

    expect(body(await getJob(simulator, jobId))).toMatchObject({ status: 'RUNNING', error_code: null, fail_reason: null });
    await clock.tick(1_000);
    expect(body(await getJob(simulator, jobId))).toMatchObject({
      status: 'FAIL',
      end_time: iso(1_000),
      error_code: 'EVS.2024',
      fail_reason: 'volume quota exceeded',
    });
  });

  it('uses a given error, job type, start time, entities and the default duration of 25 s', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const jobId = simulator.addJob({
      jobType: 'extendVolume',
      startAt: T0 + 5_000,
      outcome: 'FAIL',
      errorCode: 'EVS.1014',
      failReason: 'volume can not be extended',
      entities: { size: 20 },
    });

    expect(simulator.jobState(jobId)).toMatchObject({ status: 'INIT', job_type: 'extendVolume', begin_time: iso(5_000) });
    expect(simulator.jobState(jobId)?.['entities']).toEqual({ volume_id: matching(/^[0-9a-f-]{36}$/), size: 20 });
    await clock.tick(30_000);
    expect(simulator.jobState(jobId)).toMatchObject({
      status: 'FAIL',
      end_time: iso(30_000),
      error_code: 'EVS.1014',
      fail_reason: 'volume can not be extended',
    });
  });

  it('reports a forced status forever, even an unknown one', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const jobId = simulator.addJob({ status: 'PENDING', duration: 1_000 });

    await clock.tick(60_000);
    expect(body(await getJob(simulator, jobId))).toMatchObject({ status: 'PENDING', end_time: '' });
  });

  it('jobState() is exactly what a GET returns', async () => {
    const simulator = await start({ clock: createFakeClock() });
    const jobId = simulator.addJob();

    expect(body(await getJob(simulator, jobId))).toEqual(simulator.jobState(jobId));
    expect(simulator.jobState('0'.repeat(32))).toBeUndefined();
  });
});

describe('a job that does not exist (yet)', () => {
  it('answers 400 Common.0011 for an unknown job id', async () => {
    const simulator = await start();
    const reply = await getJob(simulator, 'ffffffffffffffffffffffffffffffff');

    expect(reply.status).toBe(400);
    expect(body(reply)).toEqual({ error: { message: anyString, code: 'Common.0011' } });
  });

  it('stays invisible for `invisibleFor` ms after creation, then appears', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const jobId = simulator.addJob({ invisibleFor: 3_000 });

    const early = await getJob(simulator, jobId);
    expect(early.status).toBe(400);
    expect(body(early)).toMatchObject({ error: { code: 'Common.0011' } });
    expect(simulator.jobState(jobId)).toBeUndefined();
    await clock.tick(3_000);
    const later = await getJob(simulator, jobId);
    expect(later.status).toBe(200);
    expect(body(later)).toMatchObject({ job_id: jobId, status: 'RUNNING', begin_time: iso(0) });
  });

  it('answers the same for ECS jobs: the path is shared', async () => {
    const simulator = await start();
    const jobId = simulator.addJob({ jobType: 'createServer' });

    const reply = await send(simulator, 'GET', jobPath(simulator, jobId));
    expect(body(reply)).toMatchObject({ job_type: 'createServer' });
  });
});

describe('job specs', () => {
  it('are validated before anything is stored', async () => {
    const simulator = await start();
    expect(() => simulator.addJob({ duration: -1 })).toThrow(new TypeError('Expected `spec.duration` to be a number from 0 to 9007199254740991, got `-1` (number)'));
    expect(() => simulator.addJob({ subJobs: [{}, { initDuration: Number.NaN }] })).toThrow(/`spec\.subJobs\[1\]\.initDuration`/);
    expect(() => simulator.addJob({ outcome: 'DONE' as 'SUCCESS' })).toThrow(/'SUCCESS' or 'FAIL'/);
    expect(simulator.stats().requests).toBe(0);
  });

  it('refuse unknown keys and null values, in sub-jobs too, naming the key and the closest known one', async () => {
    const simulator = await start();
    const known = 'jobType, duration, initDuration, startAt, outcome, errorCode, failReason, subJobs, invisibleFor, status, statusFor, entities, volumeId';

    expect(() => simulator.addJob({ fail: true } as JobSpec)).toThrow(new TypeError(`Unknown option \`spec.fail\`; known: ${known}`));
    expect(() => simulator.addJob({ subJobs: [{}, { durration: 5 } as JobSpec] })).toThrow(
      new TypeError(`Unknown option \`spec.subJobs[1].durration\` (did you mean \`duration\`?); known: ${known}`),
    );
    expect(() => simulator.addJob({ errorCode: null } as unknown as JobSpec)).toThrow(
      'Expected `spec.errorCode` to be a value, got null: leave it out (or pass undefined) for the default',
    );
    expect(() => simulator.addJob(null as unknown as JobSpec)).toThrow('Expected `spec` to be an object, got null');
    expect(() => simulator.addJob({ subJobs: {} as JobSpec[] })).toThrow('Expected `spec.subJobs` to be an array, got `object` (object)');
    expect(() => simulator.addJob({ entities: [] as unknown as Record<string, unknown> })).toThrow('Expected `spec.entities` to be an object, got `array` (object)');
  });
});

describe('scale', () => {
  it('holds 100 000 jobs without a timer each, computing state on request', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const ids: string[] = [];
    for (let index = 0; index < 100_000; index++) ids.push(simulator.addJob({ duration: index }));

    expect(clock.fake.countTimers()).toBe(0);
    await clock.tick(50_000);
    expect(simulator.jobState(ids[49_999]!)).toMatchObject({ status: 'SUCCESS' });
    expect(simulator.jobState(ids[50_001]!)).toMatchObject({ status: 'RUNNING' });
    expect(body(await getJob(simulator, ids[99_999]!))).toMatchObject({ status: 'RUNNING' });
  });
});
