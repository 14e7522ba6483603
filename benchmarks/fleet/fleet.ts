// Fleet mode against BullMQ 5 on one redis-server and one simulator: the budget held by 1, 2 and 4 worker
// processes, Redis commands and bytes per poll, Redis memory per watched job, CPU per poll against the
// in-memory watcher, and failover after kill -9.
// Usage (repository root; needs redis-server on PATH): npm run bench:fleet
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { EvsClient, fleetKeys, initialRecord, JobWatcher, LuaScript, RedisFleet, REGISTER, startSimulator, stateKey } from '../lib/library.js';
import { atMost } from '../lib/targets.js';
import type { Target } from '../lib/targets.js';

/** One line of the budget table. */
export interface BudgetRow {
  readonly peer: 'ours' | 'bullmq';
  readonly workers: number;
  /** Mean polls per second over the window, and its ratio to the budget. */
  readonly pollsPerSecond: number;
  /** Most polls in any one-second window, over the budget. */
  readonly busiestSecondVsBudget: number;
  readonly commandsPerPoll: number;
  readonly bytesPerPoll: number;
  /** Worker CPU per poll, µs. */
  readonly cpuPerPoll: number;
}

export interface FleetResults {
  readonly budget: number;
  readonly rows: readonly BudgetRow[];
  readonly memoryPerJob: Readonly<Record<string, number>>;
  readonly inMemoryCpuPerPoll: number;
  readonly failover: { readonly lease: number; readonly orphans: number; readonly worst: number };
  readonly targets: readonly Target[];
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const BUDGET = 200;
const JOBS = 1_000;

export async function fleetBenchmark({ quick }: { quick: boolean }): Promise<FleetResults> {
  const seconds = quick ? 3 : 6;
  const server = await startRedis();
  try {
    const rows: BudgetRow[] = [];
    for (const peer of ['ours', 'bullmq'] as const) for (const workers of [1, 2, 4]) rows.push(await budgetRun(server.url, peer, workers, seconds));
    const inMemoryCpuPerPoll = await inMemoryRun(seconds);
    const failover = await failoverRun(server.url);
    const memoryPerJob: Record<string, number> = {};
    for (const count of quick ? [100_000] : [100_000, 1_000_000]) memoryPerJob[String(count)] = await memoryRun(server.url, count);
    const ours = rows.filter((row) => row.peer === 'ours');
    const theirs = rows.filter((row) => row.peer === 'bullmq');
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    const targets = [
      ...ours.map((row) => atMost(`budget held, ${row.workers} worker(s): busiest second / budget`, round(row.busiestSecondVsBudget), 1.05, `BullMQ: ${round(theirs.find((peer) => peer.workers === row.workers)!.busiestSecondVsBudget)}`)),
      atMost('Redis commands per poll vs BullMQ', round(mean(ours.map((row) => row.commandsPerPoll)) / mean(theirs.map((row) => row.commandsPerPoll))), 0.5, `${round(mean(ours.map((row) => row.commandsPerPoll)))} vs ${round(mean(theirs.map((row) => row.commandsPerPoll)))}`),
      atMost('failover after kill -9, ms over the lease', failover.worst - failover.lease, 2_000, `${failover.orphans} orphans, lease ${failover.lease} ms`),
      ...Object.entries(memoryPerJob).map(([count, bytes]) => atMost(`Redis memory per watched job at ${Number(count).toLocaleString('en')}`, Math.round(bytes), 300, 'bytes, used_memory delta / jobs')),
    ];
    return { budget: BUDGET, rows, memoryPerJob, inMemoryCpuPerPoll, failover, targets };
  } finally {
    await server.close();
  }
}

/** `workers` processes of `peer` polling 1 000 jobs that never finish (each due every 500 ms: 2 000/s asked of a 200/s budget). */
async function budgetRun(redisUrl: string, peer: 'ours' | 'bullmq', workers: number, seconds: number): Promise<BudgetRow> {
  const sim = await startSimulator({ recordRequests: true });
  const name = `bench-${peer}-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const jobIds = Array.from({ length: JOBS }, () => sim.addJob({ duration: 3_600_000 }));
  const stopRegistering = await register(redisUrl, peer, name, sim, jobIds);
  const config = { redisUrl, name, simUrl: sim.url, projectId: sim.projectId, rate: BUDGET, lease: 10_000 };
  const children = await Promise.all(Array.from({ length: workers }, () => start(peer === 'ours' ? 'ours-worker.mjs' : 'bullmq-worker.mjs', config)));
  // Measured over `seconds` after a first second of warm-up.
  await waitUntil(() => sim.stats().requests >= BUDGET);
  const before = await redisCounters(redis);
  const from = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  const to = Date.now();
  const after = await redisCounters(redis);
  const reports = await Promise.all(children.map(stop));
  await stopRegistering();
  redis.disconnect();
  const times = sim.stats().log.map((request) => request.time);
  await sim.close();
  const polls = times.filter((time) => time >= from && time < to).length;
  const cpu = reports.reduce((sum, { cpu, polls: sent }) => ({ us: sum.us + cpu, polls: sum.polls + sent }), { us: 0, polls: 0 });
  return {
    peer,
    workers,
    pollsPerSecond: round((polls * 1_000) / (to - from)),
    busiestSecondVsBudget: busiestWindow(times, from, to) / BUDGET,
    commandsPerPoll: round((after.commands - before.commands) / polls),
    bytesPerPoll: Math.round((after.bytes - before.bytes) / polls),
    cpuPerPoll: Math.round(cpu.us / cpu.polls),
  };
}

/** Registers the watches: ours from an API-server process (`worker: false`), BullMQ's as one delayed job each. */
async function register(redisUrl: string, peer: 'ours' | 'bullmq', name: string, sim: Awaited<ReturnType<typeof startSimulator>>, jobIds: string[]): Promise<() => Promise<void>> {
  if (peer === 'bullmq') {
    const url = new URL(redisUrl);
    const queue = new Queue(name, { connection: { host: url.hostname, port: Number(url.port) } });
    await queue.addBulk(jobIds.map((jobId) => ({ name: 'poll', data: { jobId }, opts: { delay: 500, removeOnComplete: true } })));
    return async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    };
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
  const fleet = new RedisFleet({ redis, name, worker: false });
  const api = new JobWatcher({ client, fleet, learn: false, initialDelay: 500, factor: 1, jitter: 0 });
  await fleet.ready();
  api.watchAll(jobIds, { settle: 'all' }).catch(() => undefined);
  return async () => {
    await api.destroy();
    await client.close();
    redis.disconnect();
  };
}

/** The in-memory watcher's CPU per poll on the same workload, in its own process (µs). */
async function inMemoryRun(seconds: number): Promise<number> {
  const sim = await startSimulator();
  const jobIds = Array.from({ length: JOBS }, () => sim.addJob({ duration: 3_600_000 }));
  const child = await start('memory-worker.mjs', { simUrl: sim.url, projectId: sim.projectId, rate: BUDGET, jobIds });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  const { cpu, polls } = await stop(child);
  await sim.close();
  return Math.round(cpu / polls);
}

/**
 * Two workers with a 3 s lease; one is killed; how long until each job it held is polled again (ms).
 * 60 jobs polled every 500 ms, each poll answered after 300 ms (so a worker always holds some leases), ask
 * well under the 200 polls per second: a re-poll waits for its lease, not in a queue.
 */
async function failoverRun(redisUrl: string): Promise<FleetResults['failover']> {
  const lease = 3_000;
  const sim = await startSimulator({ recordRequests: true, faults: { latency: 300 } });
  const name = `bench-failover-${randomUUID().slice(0, 8)}`;
  const jobIds = Array.from({ length: 60 }, () => sim.addJob({ duration: 3_600_000 }));
  const stopRegistering = await register(redisUrl, 'ours', name, sim, jobIds);
  const config = { redisUrl, name, simUrl: sim.url, projectId: sim.projectId, rate: BUDGET, lease };
  const [victim, survivor] = await Promise.all([start('ours-worker.mjs', config), start('ours-worker.mjs', config)]);
  await waitUntil(() => sim.stats().requests >= 120);
  const exited = once(victim.child, 'exit');
  victim.child.kill('SIGKILL');
  const killedAt = Date.now();
  await exited;
  const redis = new Redis(redisUrl);
  const { prefix } = fleetKeys(name);
  const held: string[] = [];
  for (const jobId of jobIds) {
    const state = await redis.hget(stateKey(prefix, jobId), jobId);
    if (state?.split('|')[0]!.split(',')[3] === victim.owner) held.push(jobId);
  }
  redis.disconnect();
  if (held.length === 0) throw new Error('failover: the killed worker held no lease, nothing was measured');
  await waitUntil(() => {
    const log = sim.stats().log;
    return held.every((jobId) => log.some((request) => request.jobId === jobId && request.time > killedAt));
  });
  const log = sim.stats().log;
  const worst = Math.max(0, ...held.map((jobId) => log.find((request) => request.jobId === jobId && request.time > killedAt)!.time - killedAt));
  await stop(survivor);
  await stopRegistering();
  await sim.close();
  return { lease, orphans: held.length, worst };
}

/** Redis memory per watched job: `count` registrations in a fresh fleet, used_memory before and after (bytes). */
async function memoryRun(redisUrl: string, count: number): Promise<number> {
  const redis = new Redis(redisUrl);
  await redis.flushall();
  const keys = fleetKeys(`bench-memory-${randomUUID().slice(0, 8)}`);
  await redis.hset(keys.control, 'epoch', 'e');
  const used = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  const before = await used();
  const script = new LuaScript(REGISTER);
  const record = initialRecord('createVolume');
  for (let start = 0; start < count; start += 1_000) {
    const args: (string | number)[] = [keys.prefix, 'e', keys.channel, 'none'];
    for (let index = start; index < Math.min(count, start + 1_000); index++) args.push(index.toString(16).padStart(32, '0'), 60_000, 7_200_000, record, 1);
    await script.run(redis, [keys.due, keys.control], args);
  }
  const perJob = ((await used()) - before) / count;
  await redis.flushall();
  redis.disconnect();
  return perJob;
}

async function redisCounters(redis: Redis): Promise<{ commands: number; bytes: number }> {
  const stats = await redis.info('stats');
  const read = (field: string): number => Number(new RegExp(`${field}:(\\d+)`).exec(stats)![1]);
  return { commands: read('total_commands_processed'), bytes: read('total_net_input_bytes') + read('total_net_output_bytes') };
}

function busiestWindow(times: readonly number[], from: number, to: number): number {
  const inside = times.filter((time) => time >= from && time < to).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < inside.length; start++) {
    while (end < inside.length && inside[end]! < inside[start]! + 1_000) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

interface Child {
  readonly child: ChildProcess;
  readonly owner: string;
  /** CPU µs at ready. */
  readonly cpuAtReady: number;
}

async function start(script: string, config: object): Promise<Child> {
  const child = fork(here(script), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await once(child, 'message')) as [{ owner?: string; cpu: NodeJS.CpuUsage }];
  return { child, owner: ready.owner ?? '', cpuAtReady: ready.cpu.user + ready.cpu.system };
}

/** Stops a worker; its CPU (µs, after it was ready) and polls sent. */
async function stop({ child, cpuAtReady }: Child): Promise<{ cpu: number; polls: number }> {
  child.send('stop');
  const [stopped] = (await once(child, 'message')) as [{ polls: number; cpu: NodeJS.CpuUsage }];
  return { cpu: stopped.cpu.user + stopped.cpu.system - cpuAtReady, polls: stopped.polls };
}

function waitUntil(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (done()) resolve();
      else setTimeout(check, 20);
    };
    check();
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function startRedis(): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'evs-bench-redis-'));
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', () => reject(new Error('redis-server not found: the fleet benchmark needs redis-server 7 on PATH (apt-get install redis-server)')));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
  });
  child.stdout.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
