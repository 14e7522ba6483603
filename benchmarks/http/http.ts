import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ratio } from '../lib/stats.js';
import { atLeast, type Target } from '../lib/targets.js';
import type { ContenderName, LoadSample, LoadSpec } from './load.js';

const SERVER = fileURLToPath(new URL('./sim-server.ts', import.meta.url));
const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url));
// Children resolve `--import tsx` from the benchmarks package.
const BENCHMARKS = fileURLToPath(new URL('..', import.meta.url));
const CONTENDERS: readonly ContenderName[] = ['undici-pool', 'watcher', 'evs-client', 'fetch', 'huawei-sdk'];

export interface HttpOptions {
  readonly concurrencies: readonly number[];
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Rounds over every client; each (client, concurrency) keeps its best round, to shed noise from other load on the machine. */
  readonly rounds: number;
}

export interface HttpResult {
  readonly samples: readonly LoadSample[];
  readonly targets: readonly Target[];
  readonly ratios: { httpVsRawUndici: number; httpVsOfficialSdk: number };
}

/** The simulator in one process, each (client, concurrency) in a fresh one, one after another. */
export async function http(options: HttpOptions): Promise<HttpResult> {
  const server = spawn(process.execPath, ['--import', 'tsx', SERVER, '20000'], { stdio: ['pipe', 'pipe', 'inherit'], cwd: BENCHMARKS });
  const dir = mkdtempSync(join(tmpdir(), 'evs-bench-'));
  try {
    const { url, projectId, jobIds } = await firstLine<{ url: string; projectId: string; jobIds: string[] }>(server);
    const idsFile = join(dir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(jobIds));
    const samples: LoadSample[] = [];
    for (let round = 0; round < options.rounds; round++) {
      for (const concurrency of options.concurrencies) {
        for (const contender of CONTENDERS) {
          const spec: LoadSpec = { contender, concurrency, warmupSeconds: options.warmupSeconds, seconds: options.seconds, url, projectId, idsFile };
          const child = spawnSync(process.execPath, ['--import', 'tsx', LOAD, JSON.stringify(spec)], { encoding: 'utf8', cwd: BENCHMARKS });
          if (child.status !== 0) throw new Error(`load ${contender} × ${concurrency} failed: ${child.stderr}`);
          const sample = JSON.parse(child.stdout.trim().split('\n').pop()!) as LoadSample;
          if (sample.errors > 0 || sample.requests === 0) throw new Error(`load ${contender} × ${concurrency}: ${sample.errors} errors, ${sample.requests} requests`);
          console.log(`  http round ${round + 1}: ${contender} × ${concurrency}: ${sample.requestsPerSecond} req/s, ${sample.cpuPerRequest} µs CPU/req`);
          const previous = samples.findIndex((s) => s.contender === contender && s.concurrency === concurrency);
          if (previous < 0) samples.push(sample);
          else if (sample.requestsPerSecond > samples[previous]!.requestsPerSecond) samples[previous] = sample;
        }
      }
    }
    return { samples, ...judge(samples, options.concurrencies) };
  } finally {
    server.stdin?.end();
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

function judge(samples: readonly LoadSample[], concurrencies: readonly number[]): Pick<HttpResult, 'targets' | 'ratios'> {
  const rps = (contender: ContenderName, concurrency: number): number =>
    samples.find((s) => s.contender === contender && s.concurrency === concurrency)!.requestsPerSecond;
  const targets: Target[] = [];
  const vsUndici: number[] = [];
  const vsSdk: number[] = [];
  for (const c of concurrencies) {
    const [watcher, undici, sdk] = [rps('watcher', c), rps('undici-pool', c), rps('huawei-sdk', c)];
    vsUndici.push(ratio(watcher, undici));
    vsSdk.push(ratio(watcher, sdk));
    targets.push(atLeast(`watcher vs raw undici, concurrency ${c}`, ratio(watcher, undici), 0.9, `${watcher} vs ${undici} req/s`));
    targets.push(atLeast(`watcher vs huawei sdk, concurrency ${c}`, ratio(watcher, sdk), 2, `${watcher} vs ${sdk} req/s`));
  }
  // Headline: the worst concurrency.
  return { targets, ratios: { httpVsRawUndici: Math.min(...vsUndici), httpVsOfficialSdk: Math.min(...vsSdk) } };
}

function firstLine<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line) as T));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${String(code)}`)));
  });
}
