import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EvsClient } from 'evs-job-watcher';
import { startSimulator, type Simulator } from 'evs-job-watcher/simulator';
import { waitForVolume } from '../../examples/await-one-job.js';
import { waitForAll } from '../../examples/batch.js';
import { watchOnTheSimulator } from '../../examples/simulator.js';
import { startWorker } from '../../examples/worker.js';
import { drive, track } from '../helpers/drive.js';
import { createFakeClock, type FakeClock } from '../helpers/fake-clock.js';

let clock: FakeClock;
let sim: Simulator;
let client: EvsClient;

beforeEach(async () => {
  clock = createFakeClock();
  sim = await startSimulator({ clock });
  client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {}, clock });
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await client.destroy();
  await sim.close();
});

/** Runs `promise` to completion, advancing fake time while the simulator works. */
async function run<T>(promise: Promise<T>): Promise<T> {
  const tracked = track(promise);
  await drive(clock, () => tracked.settled, { busy: () => sim.stats().inFlight > 0 });
  return promise;
}

describe('the README recipes, run against the simulator', () => {
  it('awaits one job in provisioning code and returns its volume id', async () => {
    const jobId = sim.addJob({ duration: 30_000, volumeId: 'vol-42' });

    await expect(run(waitForVolume(client, jobId))).resolves.toBe('vol-42');
  });

  it('turns a failed create into an error that says why', async () => {
    const jobId = sim.addJob({ duration: 5_000, outcome: 'FAIL', errorCode: 'EVS.2024', failReason: 'volume quota exceeded' });

    await expect(run(waitForVolume(client, jobId))).rejects.toThrow('volume not created: EVS.2024 volume quota exceeded');
  });

  it('reports a job still running after ten minutes', async () => {
    const jobId = sim.addJob({ duration: 3_600_000 });

    await expect(run(waitForVolume(client, jobId))).rejects.toThrow('still RUNNING after 10 minutes');
  });

  it('waits for a batch and splits successes from failures, keeping every result despite a stale id', async () => {
    const ok = [sim.addJob({ duration: 20_000 }), sim.addJob({ subJobs: [{ duration: 15_000 }, { duration: 25_000 }] })];
    const bad = sim.addJob({ duration: 10_000, outcome: 'FAIL' });
    const stale = 'ffffffffffffffffffffffffffffffff';

    const { succeeded, failed, unknown } = await run(waitForAll(client, [...ok, stale, bad]));

    expect(succeeded.map((job) => job.jobId).sort()).toEqual([...ok].sort());
    expect(failed.map((job) => job.jobId)).toEqual([bad]);
    expect(unknown).toEqual([stale]);
    expect(console.log).toHaveBeenCalledWith('3/4 finished');
  });

  it('keeps a worker’s jobs across a restart through its snapshot file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evs-worker-'));
    const stateFile = join(dir, 'watcher.json');
    try {
      const jobIds = [sim.addJob({ duration: 20_000 }), sim.addJob({ duration: 600_000 }), sim.addJob({ subJobs: [{ duration: 400_000 }, { duration: 500_000 }] })];
      const first = startWorker(client, stateFile);
      const done0: string[] = [];
      first.watcher.on('done', ({ job }) => done0.push(job.jobId));
      for (const jobId of jobIds) first.handle(jobId);
      await drive(clock, () => done0.length === 1, { busy: () => sim.stats().inFlight > 0 });
      await first.stop();

      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { watches: { jobId: string }[] };
      expect(saved.watches.map((watch) => watch.jobId).sort()).toEqual(jobIds.slice(1).sort());

      const second = startWorker(client, stateFile);
      const done: string[] = [];
      second.watcher.on('done', ({ job }) => done.push(job.jobId));
      await drive(clock, () => done.length === 2, { busy: () => sim.stats().inFlight > 0 });
      await second.stop();

      expect(done.sort()).toEqual(jobIds.slice(1).sort());
      expect(console.log).toHaveBeenCalledWith(`${jobIds[2]}: 2/2 volumes`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the README simulator recipe', () => {
  it('watches a batch job to the end on a simulator that throttles, in real time (a few seconds)', async () => {
    const result = await watchOnTheSimulator();

    expect(result.status).toBe('SUCCESS');
    expect(result.requests).toBeGreaterThanOrEqual(1);
  });
});

describe('the README JavaScript recipe', () => {
  it('runs on plain Node (no TypeScript, no test runner, the built package imported by its name)', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/run-js-example.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [fixture]);

    expect(stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      { volumeId: 'vol-42' },
      { error: 'JobFailedError', message: expect.stringMatching(/failed: EVS\.2024: volume quota exceeded$/) as unknown },
    ]);
  });
});

describe('the README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it.each(['await-one-job.ts', 'worker.ts', 'batch.ts', 'simulator.ts', 'huawei-sdk.ts', 'await-one-job.mjs'])('quotes examples/%s verbatim, so its code is the code these tests run', (file) => {
    const code = readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8').trim();
    const fence = file.endsWith('.mjs') ? 'js' : 'ts';

    expect(readme).toContain(`\`\`\`${fence}\n${code}\n\`\`\``);
  });
});
