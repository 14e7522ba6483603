import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchRoute, ROUTE_NAMES } from '../../src/simulator/routes.js';
import { createFakeClock } from '../helpers/fake-clock.js';
import { body, getJob, matching, send, subJobs, useSimulators } from './helpers.js';

const start = useSimulators();

describe('every response', () => {
  it('is JSON with a 32-hex X-Request-Id and a Date from the injected clock plus skew', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, skew: 90_000 });
    const reply = await getJob(simulator, simulator.addJob());

    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(reply.headers['date']).toBe('Thu, 01 Jan 2026 00:01:30 GMT');
    expect(reply.headers['connection']).toBe('keep-alive');
  });

  it('carries the same request id in gateway error bodies', async () => {
    const simulator = await start();
    const reply = await send(simulator, 'GET', '/v3/nothing');

    expect(body(reply)['request_id']).toBe(reply.headers['x-request-id']);
  });
});

describe('routing', () => {
  it('answers 404 APIGW.0101 for anything it does not serve', async () => {
    const simulator = await start();
    const paths = ['/', '/v1/jobs', `/v1/${simulator.projectId}/jobs`, `/v1/${simulator.projectId}/jobs/a/b`, '/v1/%zz/jobs/x'];
    for (const path of paths) {
      const reply = await send(simulator, 'GET', path);
      expect(reply.status).toBe(404);
      expect(body(reply)).toEqual({
        error_msg: 'The API does not exist or has not been published in the environment',
        error_code: 'APIGW.0101',
        request_id: matching(/^[0-9a-f]{32}$/),
      });
    }
    expect((await send(simulator, 'PUT', `/v1/${simulator.projectId}/jobs/x`)).status).toBe(404);
  });

  it('answers 403 with a gateway body for another project', async () => {
    const simulator = await start({ projectId: 'my-project' });
    const jobId = simulator.addJob();
    const reply = await send(simulator, 'GET', `/v1/other-project/jobs/${jobId}`);

    expect(reply.status).toBe(403);
    expect(body(reply)).toMatchObject({ error_code: 'APIGW.0302', request_id: reply.headers['x-request-id'] });
  });

  it('tolerates a trailing slash', async () => {
    const simulator = await start();
    const jobId = simulator.addJob();

    expect((await send(simulator, 'GET', `/v1/${simulator.projectId}/jobs/${jobId}/`)).status).toBe(200);
  });
});

describe('POST /v2/{project_id}/cloudvolumes', () => {
  it('creates a createVolume job with a drawn duration', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const reply = await send(simulator, 'POST', `/v2/${simulator.projectId}/cloudvolumes`, { body: '{"volume":{"size":40}}' });

    expect(reply.status).toBe(202);
    const jobId = String(body(reply)['job_id']);
    expect(jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(simulator.jobState(jobId)).toMatchObject({ status: 'RUNNING', job_type: 'createVolume' });
    await clock.tick(10 * 60_000);
    expect(simulator.jobState(jobId)).toMatchObject({ status: 'SUCCESS' });
  });

  it('draws durations log-normally around 25 s by default', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock });
    const reply = await send(simulator, 'POST', `/v2/${simulator.projectId}/cloudvolumes`, { body: '{"volume":{"size":10,"count":100}}' });
    await clock.tick(10 * 60_000);
    const durations = subJobs(simulator.jobState(String(body(reply)['job_id'])))
      .map((sub) => Date.parse(String(sub['end_time'])) - Date.parse(String(sub['begin_time'])))
      .sort((a, b) => a - b);

    expect(new Set(durations).size).toBeGreaterThan(90);
    expect(durations[50]).toBeGreaterThan(20_000);
    expect(durations[50]).toBeLessThan(30_000);
    expect(durations[0]).toBeGreaterThan(5_000);
    expect(durations[99]).toBeLessThan(100_000);
  });

  it('makes a batchCreateVolume job with `count` createVolume sub-jobs', async () => {
    const simulator = await start({ apiJobs: { duration: 1_000 } });
    const reply = await send(simulator, 'POST', `/v2/${simulator.projectId}/cloudvolumes`, { body: '{"volume":{"size":10,"count":3}}' });
    const job = simulator.jobState(String(body(reply)['job_id']));

    expect(job).toMatchObject({ job_type: 'batchCreateVolume', status: 'RUNNING' });
    expect(subJobs(job).map((sub) => sub['job_type'])).toEqual(['createVolume', 'createVolume', 'createVolume']);
  });

  it('follows `apiJobs`: fixed durations, INIT time, invisibility and failures', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, apiJobs: { duration: 1_000, initDuration: 500, invisibleFor: 200, failureRate: 1 } });
    const reply = await send(simulator, 'POST', `/v2/${simulator.projectId}/cloudvolumes`, { body: '{"volume":{"size":10}}' });
    const jobId = String(body(reply)['job_id']);

    expect((await getJob(simulator, jobId)).status).toBe(400);
    await clock.tick(200);
    expect(simulator.jobState(jobId)).toMatchObject({ status: 'INIT' });
    await clock.tick(1_300);
    expect(simulator.jobState(jobId)).toMatchObject({ status: 'FAIL', error_code: 'EVS.2024' });
  });

  it('rejects bad bodies with EVS errors', async () => {
    const simulator = await start();
    const path = `/v2/${simulator.projectId}/cloudvolumes`;
    const cases: [string, string][] = [
      ['not json', 'EVS.1009'],
      ['{"size":10}', 'EVS.1009'],
      ['{"volume":{"size":5}}', 'EVS.1010'],
      ['{"volume":{"size":10,"count":0}}', 'EVS.1009'],
      ['{"volume":{"size":10,"count":101}}', 'EVS.1009'],
    ];
    for (const [text, code] of cases) {
      const reply = await send(simulator, 'POST', path, { body: text });
      expect(reply.status).toBe(400);
      expect(body(reply)).toMatchObject({ error: { code } });
    }
  });
});

describe('volume actions', () => {
  it('POST /v2.1/{project_id}/cloudvolumes/{volume_id}/action with os-extend makes an extendVolume job', async () => {
    const simulator = await start();
    const path = `/v2.1/${simulator.projectId}/cloudvolumes/vol-7/action`;
    const reply = await send(simulator, 'POST', path, { body: '{"os-extend":{"new_size":100}}' });

    expect(reply.status).toBe(202);
    expect(simulator.jobState(String(body(reply)['job_id']))).toMatchObject({ job_type: 'extendVolume', entities: { volume_id: 'vol-7' } });
    expect(body(await send(simulator, 'POST', path, { body: '{"os-attach":{}}' }))).toMatchObject({ error: { code: 'EVS.1011' } });
  });

  it('DELETE /v2/{project_id}/cloudvolumes/{volume_id} makes a deleteVolume job', async () => {
    const simulator = await start();
    const reply = await send(simulator, 'DELETE', `/v2/${simulator.projectId}/cloudvolumes/vol-8`);

    expect(reply.status).toBe(202);
    expect(simulator.jobState(String(body(reply)['job_id']))).toMatchObject({ job_type: 'deleteVolume', entities: { volume_id: 'vol-8' } });
  });
});

describe('the README', () => {
  it('documents every route the simulator serves, and no other', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `(GET|POST|DELETE) (\/\S+)` \|/gm)].map(([, method, path]) =>
      matchRoute(method!, path!.replace(/\{\w+\}/g, 'x')).name,
    );

    expect(documented.sort()).toEqual(ROUTE_NAMES.filter((name) => name !== 'unknown').sort());
  });
});
