import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import type { Job } from '../../src/model/job.js';
import { startSimulator, type JobSpec } from '../../src/simulator/index.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import { expectQuiet, guardProcess } from './support/guard.js';

// Lifecycle across processes, with the built package (dist/, built once per run
// by the CLI tests' global setup). Reproduce: npx vitest run test/reliability/lifecycle.test.ts

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node <args>` to its exit. The fixtures never call process.exit: they
 * exit only once no handle is left, which they also print. `limit` (ms) is a
 * generous guard against a child that never exits, not a measure of speed.
 */
function runChild(args: readonly string[], limit = 120_000): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child did not exit by itself within ${limit} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, limit);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

interface ShutdownResult {
  mode: 'close' | 'destroy';
  watches: number;
  settled: number;
  settledWhenStopped: number;
  outcomes: Record<string, number>;
  inFlightAtStop: number;
  stopMs: number;
  requests: number;
  polledBefore: number;
  answered: number;
  dropped: number;
  watcherAfter: { watched: number; waiters: number; inFlight: number };
  before: string[];
  /** Resources still open at the end that were not open at the start. */
  extra: string[];
  /** Event-loop turns the closing handles took to go. */
  handleTurns: number;
}

describe('close() and destroy() with 10 000 watches and 64 polls in flight, in a child process', () => {
  it.each(['close', 'destroy'] as const)('%s(): every watch settles, no handle is left open, and the process exits by itself', async (mode) => {
    const run = await runChild([fixture('shutdown.mjs'), mode, '10000']);
    expect(run.stderr).toBe('');
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    const result = JSON.parse(run.stdout) as ShutdownResult;
    const report = process.env['RELIABILITY_REPORT'];
    if (report) appendFileSync(report, `${JSON.stringify({ name: `shutdown-${mode}`, ...result })}\n`);

    // Everything settled by the time close()/destroy() resolved: with AbortError (the jobs run 10 minutes).
    expect(result).toMatchObject({ watches: 10_000, settled: 10_000, settledWhenStopped: 10_000, outcomes: { AbortError: 10_000 }, inFlightAtStop: 64 });
    expect(result.watcherAfter).toMatchObject({ watched: 0, waiters: 0, inFlight: 0 });
    // Nothing was polled once the stop began.
    expect(result.requests).toBe(result.polledBefore);
    if (mode === 'close') {
      // Graceful: the 64 polls in flight were answered before close() resolved.
      expect(result.answered).toBe(result.requests);
      expect(result.dropped).toBe(0);
    } else {
      // Immediate: the 64 polls in flight were abandoned, not waited for.
      expect(result.dropped).toBe(64);
      expect(result.answered).toBe(result.requests - 64);
    }
    // Handles: back to what the process had before (no timer or socket left), so it exited by itself.
    expect(result.extra).toEqual([]);
  }, 180_000);
});

describe('restore from a snapshot in a new process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evs-restore-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finishes the jobs the first process was watching: each final answer observed once, each sub-job reported once', async () => {
    const sim = await startSimulator({ host: '127.0.0.1', port: 0, recordRequests: true, batchOverhead: 300 });
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {} });
    try {
      // 30 single jobs of 0.5–6 s (every 7th fails) and 10 batches of 3 sub-jobs of 1–6 s (some fail), in real time.
      const specs: JobSpec[] = [
        ...Array.from({ length: 30 }, (_, i): JobSpec => ({ duration: 500 + ((i * 191) % 5_500), ...(i % 7 === 3 && { outcome: 'FAIL' as const }) })),
        ...Array.from({ length: 10 }, (_, i): JobSpec => ({
          subJobs: [{ duration: 1_000 + i * 100 }, { duration: 2_000 + i * 300, ...(i % 4 === 1 && { outcome: 'FAIL' as const }) }, { duration: 4_000 + i * 200 }],
        })),
      ];
      const ids = specs.map((spec) => sim.addJob(spec));
      const subJobIds = ids.flatMap((id) => ((sim.jobState(id)!['entities'] as { sub_jobs?: { job_id: string }[] }).sub_jobs ?? []).map((sub) => sub.job_id));
      expect(subJobIds).toHaveLength(30);

      // Process 1 (this one): watches everything until six jobs are done and a sub-job is
      // (every batch takes over 4 s, so some are half done), then closes and saves its snapshot.
      const first = new JobWatcher({ client, concurrency: 5, learn: false, initialDelay: 500, factor: 1 });
      const done: string[] = [];
      const subJobsDone: string[] = [];
      const midway = new Promise<void>((resolve) => {
        const check = (): void => {
          if (done.length > 5 && subJobsDone.length > 0) resolve();
        };
        first.on('done', ({ job }) => {
          done.push(job.jobId);
          check();
        });
        first.on('subJobDone', ({ subJob }) => {
          subJobsDone.push(subJob.jobId);
          check();
        });
      });
      const firstOutcomes = ids.map((id) => first.watch(id).then((job: Job) => job.status, (error: Error) => error.name));
      await midway;
      await first.close();
      const snapshot = first.snapshot();
      const file = join(dir, 'snapshot.json');
      writeFileSync(file, JSON.stringify(snapshot));
      const polledByFirst = sim.stats().requests;

      // Between the two: some jobs finished in process 1, some are left, some batches half done.
      expect(done.length).toBeGreaterThan(5);
      expect(snapshot.watches.length).toBe(ids.length - done.length);
      expect(snapshot.watches.some((watch) => (watch.subJobsDone?.length ?? 0) > 0)).toBe(true);
      const outcomes1 = await Promise.all(firstOutcomes);
      expect(outcomes1.filter((outcome) => outcome === 'AbortError')).toHaveLength(snapshot.watches.length);

      // Process 2: a new node process resumes the snapshot with the built package.
      const run = await runChild([fixture('restore.mjs'), file, sim.url, sim.projectId]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; jobId?: string; status?: string; error?: string; extra?: string[] });
      // It closed everything: nothing kept it alive past its last line.
      expect(lines.at(-1)).toEqual({ type: 'handles', extra: [] });
      const doneSecond = lines.filter((line) => line.type === 'done').map((line) => line.jobId!);
      const results = lines.filter((line) => line.type === 'result');

      // Every job's final answer observed exactly once across the two processes.
      expect([...done, ...doneSecond].sort()).toEqual([...ids].sort());
      // Process 2 settled each restored watch with the job's true final status.
      expect(results).toHaveLength(snapshot.watches.length);
      for (const result of results) expect(result.status, result.jobId).toBe(sim.jobState(result.jobId!)!['status']);
      // subJobDone exactly once per sub-job across both.
      const subJobsSecond = lines.filter((line) => line.type === 'subJobDone').map((line) => line.jobId!);
      expect([...subJobsDone, ...subJobsSecond].sort()).toEqual([...subJobIds].sort());
      // Process 2 polled only the restored jobs.
      const restored = new Set(snapshot.watches.map((watch) => watch.jobId));
      const later = sim.stats().log.slice(polledByFirst);
      expect(later.length).toBeGreaterThan(0);
      expect(later.every((record) => restored.has(record.jobId!))).toBe(true);
      expect(sim.stats().pollsAfterFinal).toBe(0);
      const report = process.env['RELIABILITY_REPORT'];
      const numbers = { jobs: ids.length, subJobs: subJobIds.length, doneFirst: done.length, snapshotWatches: snapshot.watches.length, subJobsDoneFirst: subJobsDone.length, doneSecond: doneSecond.length, subJobsDoneSecond: subJobsSecond.length, requestsFirst: polledByFirst, requestsSecond: later.length };
      if (report) appendFileSync(report, `${JSON.stringify({ name: 'restore', ...numbers })}\n`);
    } finally {
      await client.close();
      await sim.close();
    }
  }, 180_000);
});
