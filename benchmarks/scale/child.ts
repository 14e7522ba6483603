// One contender watching one number of jobs, in a fresh process so heaps never mix.
// Usage: node --expose-gc --import tsx scale/child.ts <ours|naive|waiter> <jobs>
import { loadavg } from 'node:os';
import { machineCpu, mainThreadCpu, type MachineCpu } from '../lib/cpu.js';
import { seededRandom } from '../lib/library.js';
import { batchContender, contender, type ContenderName } from './contenders.js';
import { HeapClock } from './heap-clock.js';
import { FIRST_END, ScaleJobs, T0 } from './jobs.js';

export interface ScaleSample {
  readonly contender: ContenderName;
  readonly jobs: number;
  /** Heap with every job watched and polled, after gc, MiB. */
  readonly heapMiB: number;
  /** Heap added per watched job (over the baseline of the job table), bytes. */
  readonly heapPerJob: number;
  /** CPU (user + system) of the whole process per poll in the steady window, µs: GC helper threads included. */
  readonly cpuPerPoll: number;
  /** CPU of the main thread alone per poll in the steady window, µs (10 ms resolution); null off Linux. */
  readonly mainThreadCpuPerPoll: number | null;
  /** Share of the machine's CPU busy during the steady window (every process), %; null off Linux. */
  readonly machineBusyPercent: number | null;
  /** Steal during the steady window, %; null off Linux. */
  readonly stealPercent: number | null;
  /** 1-minute load average at the end of the steady window. */
  readonly loadAverage: number;
  /** CPU for watch() of every job, per job, µs. */
  readonly cpuPerWatchCall: number;
  readonly steadyPolls: number;
  readonly totalPolls: number;
  readonly wallSeconds: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const [name, size] = [process.argv[2] as ContenderName, Number(process.argv[3])];
const started = performance.now();
const cpu = (): number => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const clock = new HeapClock(T0, seededRandom(7));
const jobs = new ScaleJobs(size, 42);
let settled = 0;
let wrong = 0;
const check = (job: { status: string; jobId: string }, index: number): void => {
  settled += 1;
  if (job.status !== 'SUCCESS' || job.jobId !== jobs.ids[index]) wrong += 1;
};
const base = heap();

const setupStart = cpu();
if (name === 'ours-batch') {
  // The batch API: one watchAll() for every job, one promise.
  void batchContender(jobs.fetcher(() => clock.now()), clock)(jobs.ids).then((all) => all.forEach(check));
} else {
  // One watch per job, each with its own promise (and the harness's `.then`), like any per-job caller.
  const watchOne = contender(name, jobs.fetcher(() => clock.now()), clock);
  for (let index = 0; index < size; index++) void watchOne(jobs.ids[index]!).then((job) => check(job, index));
}
const cpuPerWatchCall = (cpu() - setupStart) / size;

// Warm up to T0 + 12 s, then the steady window: every job watched and polling, none finished.
await clock.runUntil(T0 + 12_000);
const [cpuA, mainA, machineA, pollsA] = [cpu(), mainThreadCpu(), machineCpu(), jobs.polls];
await clock.runUntil(FIRST_END - 1_000);
const [cpuB, mainB, machineB, pollsB] = [cpu(), mainThreadCpu(), machineCpu(), jobs.polls];
const loadAverage = loadavg()[0] ?? 0;
const share = (of: (machine: MachineCpu) => number): number | null =>
  machineA === undefined || machineB === undefined || machineB.total === machineA.total ? null : Math.round(((of(machineB) - of(machineA)) / (machineB.total - machineA.total)) * 1000) / 10;
const watched = heap();
if (process.env['SCALE_SNAPSHOT']) (await import('node:v8')).writeHeapSnapshot(process.env['SCALE_SNAPSHOT']);
if (settled !== 0) throw new Error(`${name}: ${settled} jobs settled before any ended`);

await clock.runUntil(T0 + 3_600_000);
if (settled !== size || wrong !== 0) throw new Error(`${name} × ${size}: ${settled} settled, ${wrong} wrong`);

const sample: ScaleSample = {
  contender: name,
  jobs: size,
  heapMiB: Math.round((watched / 2 ** 20) * 10) / 10,
  heapPerJob: Math.round((watched - base) / size),
  cpuPerPoll: Math.round(((cpuB - cpuA) / (pollsB - pollsA)) * 100) / 100,
  mainThreadCpuPerPoll: mainA === undefined || mainB === undefined ? null : Math.round(((mainB - mainA) / (pollsB - pollsA)) * 100) / 100,
  machineBusyPercent: share((machine) => machine.busy),
  stealPercent: share((machine) => machine.steal),
  loadAverage: Math.round(loadAverage * 100) / 100,
  cpuPerWatchCall: Math.round(cpuPerWatchCall * 100) / 100,
  steadyPolls: pollsB - pollsA,
  totalPolls: jobs.polls,
  wallSeconds: Math.round((performance.now() - started) / 100) / 10,
};
process.stdout.write(`${JSON.stringify(sample)}\n`);
