import { describe, expect, it } from 'vitest';
import { track } from '../helpers/time.js';
import { payloads, useFakeWatchers } from '../helpers/watcher.js';

const setup = useFakeWatchers();

describe('statusChange', () => {
  it('fires on every transition, the first observation included (previous undefined)', async () => {
    const s = setup();
    const jobId = s.jobs.add({ initDuration: 2_500, duration: 3_000 });
    track(s.watcher.watch(jobId));
    await s.clock.tick(6_000);

    const changes = s.events.filter((e) => e.event === 'statusChange');
    expect(changes.map((e) => e.at)).toEqual([1_000, 3_000, 6_000]);
    expect(payloads(s.events, 'statusChange').map(({ jobId: id, status, previous }) => ({ id, status, previous }))).toEqual([
      { id: jobId, status: 'INIT', previous: undefined },
      { id: jobId, status: 'RUNNING', previous: 'INIT' },
      { id: jobId, status: 'SUCCESS', previous: 'RUNNING' },
    ]);
    for (const event of payloads(s.events, 'statusChange')) expect(event.job.status).toBe(event.status);
  });

  it('does not fire for sub-jobs, only for the watched batch job', async () => {
    const s = setup();
    const jobId = s.jobs.add({ subJobs: [{ duration: 2_000 }, { duration: 3_000 }] });
    track(s.watcher.watch(jobId));
    await s.clock.tick(10_000);

    expect(new Set(payloads(s.events, 'statusChange').map((event) => event.jobId))).toEqual(new Set([jobId]));
    expect(payloads(s.events, 'statusChange').map((event) => event.status)).toEqual(['RUNNING', 'SUCCESS']);
  });
});

describe('subJobDone and progress', () => {
  it('reports each sub-job exactly once, with its parent and done/failed/total counts', async () => {
    const s = setup();
    const jobId = s.jobs.add({ subJobs: [{ duration: 2_000 }, { duration: 4_000, outcome: 'FAIL' }, { duration: 6_000 }] });
    const subIds = (s.jobs.wire(jobId)!['entities'] as { sub_jobs: { job_id: string }[] }).sub_jobs.map((sub) => sub.job_id);
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(10_000);

    const done = payloads(s.events, 'subJobDone');
    expect(done.map(({ subJob, parent, done: count, failed, total }) => ({ id: subJob.jobId, status: subJob.status, parent: parent.jobId, count, failed, total }))).toEqual([
      { id: subIds[0], status: 'SUCCESS', parent: jobId, count: 1, failed: 0, total: 3 },
      { id: subIds[1], status: 'FAIL', parent: jobId, count: 2, failed: 1, total: 3 },
      { id: subIds[2], status: 'SUCCESS', parent: jobId, count: 3, failed: 1, total: 3 },
    ]);
    expect(s.events.filter((e) => e.event === 'subJobDone').map((e) => e.at)).toEqual([2_000, 4_000, 6_000]);
    // The batch fails with its failed sub-job; polls after 6 s saw the same sub-jobs done again, silently.
    expect(watch.value).toMatchObject({ status: 'FAIL', errorCode: 'EVS.2024' });
    expect(s.jobs.callsFor(jobId).length).toBe(8);
  });

  it('emits progress once per poll that changed the counts', async () => {
    const s = setup();
    const jobId = s.jobs.add({ subJobs: [{ duration: 2_000 }, { duration: 2_000 }, { duration: 5_000 }] });
    track(s.watcher.watch(jobId));
    await s.clock.tick(10_000);

    expect(payloads(s.events, 'progress').map(({ job, done, failed, total }) => ({ id: job.jobId, done, failed, total }))).toEqual([
      { id: jobId, done: 2, failed: 0, total: 3 },
      { id: jobId, done: 3, failed: 0, total: 3 },
    ]);
    expect(s.events.filter((e) => e.event === 'progress').map((e) => e.at)).toEqual([2_000, 5_000]);
  });

  it('emits nothing for single jobs', async () => {
    const s = setup();
    track(s.watcher.watch(s.jobs.add({ duration: 2_000 })));
    await s.clock.tick(3_000);
    expect(payloads(s.events, 'subJobDone')).toEqual([]);
    expect(payloads(s.events, 'progress')).toEqual([]);
  });
});

describe('succeeded, failed and done', () => {
  it('emit succeeded then done with the final job', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 2_000 });
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(2_000);

    expect(payloads(s.events, 'succeeded')).toEqual([{ job: watch.value }]);
    expect(payloads(s.events, 'done')).toEqual([{ job: watch.value }]);
    expect(payloads(s.events, 'failed')).toEqual([]);
  });

  it('emit failed then done for a FAIL, also when the watch rejects (throwOnFail)', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 2_000, outcome: 'FAIL' });
    track(s.watcher.watch(jobId, { throwOnFail: true }));
    await s.clock.tick(2_000);

    expect(payloads(s.events, 'failed').map(({ job }) => [job.jobId, job.status])).toEqual([[jobId, 'FAIL']]);
    expect(payloads(s.events, 'done')).toHaveLength(1);
    expect(payloads(s.events, 'succeeded')).toEqual([]);
  });

  it('emit once per job, however many callers watch it', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 2_000 });
    for (let i = 0; i < 3; i++) track(s.watcher.watch(jobId));
    await s.clock.tick(2_000);
    expect(payloads(s.events, 'done')).toHaveLength(1);
  });
});

describe('event order', () => {
  it('within one poll: statusChange, then subJobDone and progress, then failed/succeeded, then done', async () => {
    const s = setup({ initialDelay: 20_000, maxLag: 20_000 });
    const jobId = s.jobs.add({ subJobs: [{ duration: 2_000 }, { duration: 4_000, outcome: 'FAIL' }, { duration: 6_000 }] });
    track(s.watcher.watch(jobId));
    await s.clock.tick(20_000);

    expect(s.events.map((e) => e.event)).toEqual(['statusChange', 'subJobDone', 'subJobDone', 'subJobDone', 'progress', 'failed', 'done']);
    expect(new Set(s.events.map((e) => e.at))).toEqual(new Set([20_000]));
  });

  it('across polls: every subJobDone comes before the parent\'s statusChange to a final status and its done', async () => {
    const s = setup();
    const jobId = s.jobs.add({ subJobs: [{ duration: 1_500 }, { duration: 3_500 }] });
    track(s.watcher.watch(jobId));
    await s.clock.tick(10_000);

    const names = s.events.map((e) => e.event);
    const lastSubJob = names.lastIndexOf('subJobDone');
    const final = s.events.findIndex((e) => e.event === 'statusChange' && e.payload.status === 'SUCCESS');
    expect(lastSubJob).toBeGreaterThan(-1);
    expect(lastSubJob).toBeLessThan(final);
    expect(final).toBeLessThan(names.indexOf('succeeded'));
    expect(names.indexOf('succeeded')).toBeLessThan(names.indexOf('done'));
    expect(names.at(-1)).toBe('done');
  });
});

describe('listeners that throw', () => {
  it('are logged via logger.error and never break polling of this or other jobs', async () => {
    const s = setup();
    const failure = new Error('listener bug');
    s.watcher.on('statusChange', () => {
      throw failure;
    });
    const a = track(s.watcher.watch(s.jobs.add({ duration: 2_000 })));
    const b = track(s.watcher.watch(s.jobs.add({ duration: 3_000 })));
    await s.clock.tick(3_000);

    expect(a.value?.status).toBe('SUCCESS');
    expect(b.value?.status).toBe('SUCCESS');
    const errors = s.logger.calls.filter((call) => call.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(errors[0]).toEqual({ level: 'error', fields: { event: 'statusChange', error: failure }, message: 'an event listener threw' });
    expect(payloads(s.events, 'done')).toHaveLength(2);
  });

  it('in a done listener still let the watch settle', async () => {
    const s = setup();
    s.watcher.on('done', () => {
      throw new Error('boom');
    });
    const watch = track(s.watcher.watch(s.jobs.add({ duration: 1_000 })));
    await s.clock.tick(1_000);
    expect(watch.value?.status).toBe('SUCCESS');
  });
});

describe('logging', () => {
  it('logs one debug line per poll, with the job id, poll number and last status', async () => {
    const s = setup();
    const jobId = s.jobs.add({ duration: 3_000 });
    track(s.watcher.watch(jobId));
    await s.clock.tick(3_000);

    const debug = s.logger.calls.filter((call) => call.level === 'debug');
    expect(debug).toEqual([
      { level: 'debug', fields: { jobId, poll: 1, status: undefined }, message: 'poll' },
      { level: 'debug', fields: { jobId, poll: 2, status: 'RUNNING' }, message: 'poll' },
      { level: 'debug', fields: { jobId, poll: 3, status: 'RUNNING' }, message: 'poll' },
    ]);
    expect(s.logger.calls.filter((call) => call.level !== 'debug')).toEqual([]);
  });
});
