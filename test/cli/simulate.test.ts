import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { expectNoStackTrace, expectUsageError, runCli, startCli } from './helpers.js';

describe('evs-jobs simulate', () => {
  it('prints its URL, project id and job ids, serves them, and exits 0 on SIGTERM', async () => {
    const run = startCli(['simulate', '--jobs', '5', '--seed', '7']);
    await run.waitForStdout('# serving until');
    const output = run.stdout();
    const url = /^# EVS simulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
    const projectId = /^# project id: ([0-9a-f]{32})$/m.exec(output)?.[1];
    const ids = output.split('\n').filter((line) => /^[0-9a-f]{32}$/.test(line));
    expect(url).toBeDefined();
    expect(projectId).toBeDefined();
    expect(ids).toHaveLength(5);
    expect(output).toContain(`# try: evs-jobs wait --endpoint ${url} --project ${projectId} --no-auth --file <this output>`);

    const response = await request(`${url}/v1/${projectId}/jobs/${ids[0]}`);
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ job_id: ids[0], status: 'RUNNING' });

    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('# SIGTERM: simulator closed');
    expectNoStackTrace(result);
  });

  it('enforces AK/SK from the environment and injects --faults', async () => {
    const run = startCli(['simulate', '--jobs', '1', '--faults', 'throttle=1'], { env: { HUAWEICLOUD_SDK_AK: 'AK1', HUAWEICLOUD_SDK_SK: 'SK1' } });
    await run.waitForStdout('# serving until');
    expect(run.stdout()).toContain('# auth: AK/SK from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK');
    expect(run.stdout()).not.toContain('SK1');
    expect(run.stdout()).toContain(' --file <this output>');
    expect(run.stdout()).not.toContain('--no-auth');
    const url = /listening on (\S+)/.exec(run.stdout())?.[1];
    const unsigned = await request(`${url}/v1/p/jobs/j`);
    expect(unsigned.statusCode).toBe(401);
    await unsigned.body.dump();
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(0);
  });

  it('refuses a bad --faults spec with one line', async () => {
    expectUsageError(await runCli(['simulate', '--faults', 'throttle=2']), /invalid --faults entry "throttle=2": expected a probability from 0 to 1/);
    expectUsageError(await runCli(['simulate', '--faults', 'lightning=0.1']), /unknown fault "lightning"/);
  });
});
