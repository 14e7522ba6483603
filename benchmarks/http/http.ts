import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ratio } from '../lib/stats.js';
import { atLeast, type Target } from '../lib/targets.js';
import type { ContenderName, LoadSample, LoadSpec } from './load.js';
import type { PairedSample, PairedSpec } from './paired.js';

const SERVER = fileURLToPath(new URL('./sim-server.ts', import.meta.url));
const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url));
const PAIRED = fileURLToPath(new URL('./paired.ts', import.meta.url));
// Children resolve `--import tsx` from the benchmarks package.
const BENCHMARKS = fileURLToPath(new URL('..', import.meta.url));
const CONTENDERS: readonly ContenderName[] = ['undici-pool', 'watcher', 'evs-client', 'fetch', 'huawei-sdk'];

export interface HttpOptions {
  readonly concurrencies: readonly number[];
  /** Warm-up of each client from its own first request, in s (at least 2: see load.ts). */
  readonly warmupSeconds: number;
  readonly seconds: number;
  /**
   * Rounds over every (concurrency, client), interleaved (the order of clients rotates each round), so
   * load from elsewhere on the machine falls on all of them alike; each keeps its best round.
   */
  readonly rounds: number;
  /** Only these clients (targets are judged for the pairs present). @default all of them */
  readonly contenders?: readonly ContenderName[];
  /** EvsClient against raw undici in one process, alternating batches (see paired.ts), at each concurrency. */
  readonly paired: { readonly rounds: number; readonly batch: number };
}

/** One (client, concurrency): its best round, with the median of its rounds beside it. */
export interface HttpSample extends LoadSample {
  readonly rounds: number;
  /** Median requests per second over the rounds. */
  readonly medianRequestsPerSecond: number;
  /** Median main-thread CPU per request over the rounds, µs: steadier than throughput when other work shares the machine. */
  readonly medianMainThreadCpuPerRequest: number | null;
}

export interface HttpResult {
  readonly samples: readonly HttpSample[];
  /** EvsClient vs raw undici, interleaved in one process: what the EvsClient target is judged on. */
  readonly paired: readonly PairedSample[];
  readonly targets: readonly Target[];
  readonly ratios: {
    httpVsRawUndici: number;
    httpVsOfficialSdk: number;
    clientVsRawUndici: number;
    /** Raw undici's CPU per request over EvsClient's, paired, at the worst concurrency (1 = as cheap). */
    clientVsRawUndiciCpu: number;
  };
}

/** The simulator in one process, each (client, concurrency, round) in a fresh one, one after another. */
export async function http(options: HttpOptions): Promise<HttpResult> {
  const server = spawn(process.execPath, ['--import', 'tsx', SERVER, '20000'], { stdio: ['pipe', 'pipe', 'inherit'], cwd: BENCHMARKS });
  const dir = mkdtempSync(join(tmpdir(), 'evs-bench-'));
  try {
    const { url, projectId, jobIds } = await firstLine<{ url: string; projectId: string; jobIds: string[] }>(server);
    const idsFile = join(dir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(jobIds));
    const runs = new Map<string, LoadSample[]>();
    for (let round = 0; round < options.rounds; round++) {
      for (const concurrency of options.concurrencies) {
        for (const contender of rotate(options.contenders ?? CONTENDERS, round)) {
          const spec: LoadSpec = { contender, concurrency, warmupSeconds: options.warmupSeconds, seconds: options.seconds, url, projectId, idsFile };
          const child = spawnSync(process.execPath, ['--import', 'tsx', LOAD, JSON.stringify(spec)], { encoding: 'utf8', cwd: BENCHMARKS });
          if (child.status !== 0) throw new Error(`load ${contender} × ${concurrency} failed: ${child.stderr}`);
          const sample = JSON.parse(child.stdout.trim().split('\n').pop()!) as LoadSample;
          if (sample.errors > 0 || sample.requests === 0) throw new Error(`load ${contender} × ${concurrency}: ${sample.errors} errors, ${sample.requests} requests`);
          console.log(
            `  http round ${round + 1}: ${contender} × ${concurrency}: ${sample.requestsPerSecond} req/s, CPU/req ${sample.cpuPerRequest} µs process, ${sample.mainThreadCpuPerRequest ?? '?'} µs main thread; machine ${sample.machineBusyPercent ?? '?'} % busy, steal ${sample.stealPercent ?? '?'} %, load ${sample.loadAverage.toFixed(2)}`,
          );
          const key = `${contender} ${concurrency}`;
          runs.set(key, [...(runs.get(key) ?? []), sample]);
        }
      }
    }
    const samples = [...runs.values()].map(summarize);
    const paired = options.concurrencies.map((concurrency) => {
      const spec: PairedSpec = { concurrency, ...options.paired, warmupSeconds: options.warmupSeconds, url, projectId, idsFile };
      const child = spawnSync(process.execPath, ['--import', 'tsx', PAIRED, JSON.stringify(spec)], { encoding: 'utf8', cwd: BENCHMARKS });
      if (child.status !== 0) throw new Error(`paired × ${concurrency} failed: ${child.stderr}`);
      const sample = JSON.parse(child.stdout.trim().split('\n').pop()!) as PairedSample;
      const line = sample.clients.map((c) => `${c.client} ${c.requestsPerSecond} req/s, ${c.cpuPerRequest} µs CPU/req (${c.mainThreadCpuPerRequest ?? '?'} main thread)`).join('; ');
      console.log(`  http paired × ${concurrency}: ${line}; throughput ratio ${sample.throughputRatio}, CPU ratio ${sample.cpuRatio}`);
      return sample;
    });
    return { samples, paired, ...judge(samples, paired, options.concurrencies) };
  } finally {
    server.stdin?.end();
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `items` rotated left by `by`: round r starts with the r-th client, so none always runs first or last. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** The best round (other load on the machine only ever slows a client down), with the median beside it. */
function summarize(rounds: readonly LoadSample[]): HttpSample {
  const best = rounds.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  const cpu = rounds.map((r) => r.mainThreadCpuPerRequest).filter((value) => value !== null);
  return {
    ...best,
    rounds: rounds.length,
    medianRequestsPerSecond: Math.round(median(rounds.map((r) => r.requestsPerSecond))),
    medianMainThreadCpuPerRequest: cpu.length === rounds.length ? Math.round(median(cpu) * 10) / 10 : null,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function judge(samples: readonly HttpSample[], paired: readonly PairedSample[], concurrencies: readonly number[]): Pick<HttpResult, 'targets' | 'ratios'> {
  const rps = (contender: ContenderName, concurrency: number): number =>
    samples.find((s) => s.contender === contender && s.concurrency === concurrency)?.requestsPerSecond ?? Number.NaN;
  const targets: Target[] = [];
  const vsUndici: number[] = [];
  const vsSdk: number[] = [];
  const clientVsUndici: number[] = [];
  const clientVsUndiciCpu: number[] = [];
  const compare = (into: number[], name: string, a: number, b: number, limit: number): void => {
    if (Number.isNaN(a) || Number.isNaN(b)) return;
    into.push(ratio(a, b));
    targets.push(atLeast(name, ratio(a, b), limit, `${a} vs ${b} req/s`));
  };
  for (const c of concurrencies) {
    const [watcher, undici, sdk] = [rps('watcher', c), rps('undici-pool', c), rps('huawei-sdk', c)];
    const pair = paired.find((p) => p.concurrency === c);
    if (pair !== undefined) {
      clientVsUndici.push(pair.throughputRatio);
      clientVsUndiciCpu.push(pair.cpuRatio);
      targets.push(atLeast(`EvsClient vs raw undici, concurrency ${c} (paired in one process)`, pair.throughputRatio, 0.95, `CPU ratio ${pair.cpuRatio}`));
    }
    compare(vsUndici, `watcher vs raw undici, concurrency ${c}`, watcher, undici, 0.9);
    compare(vsSdk, `watcher vs huawei sdk, concurrency ${c}`, watcher, sdk, 2.5);
  }
  // Headline: the worst concurrency.
  return {
    targets,
    ratios: {
      httpVsRawUndici: Math.min(...vsUndici),
      httpVsOfficialSdk: Math.min(...vsSdk),
      clientVsRawUndici: Math.min(...clientVsUndici),
      clientVsRawUndiciCpu: Math.min(...clientVsUndiciCpu),
    },
  };
}

function firstLine<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line) as T));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${String(code)}`)));
  });
}
