// One client at one concurrency against the simulator, in a fresh process.
// Usage: node --import tsx http/load.ts '<json LoadSpec>'  → prints one JSON LoadSample line.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobWatcher } from '../lib/library.js';
import { evsClient, httpClient, type ClientName } from './clients.js';

export type ContenderName = ClientName | 'watcher';

export interface LoadSpec {
  readonly contender: ContenderName;
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly url: string;
  readonly projectId: string;
  readonly idsFile: string;
}

export interface LoadSample {
  readonly contender: ContenderName;
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  /** Client process CPU (user + system) per request, µs. */
  readonly cpuPerRequest: number;
  readonly requests: number;
  readonly errors: number;
}

const spec = JSON.parse(process.argv[2]!) as LoadSpec;
const jobIds = JSON.parse(readFileSync(spec.idsFile, 'utf8')) as string[];
const cpu = (): number => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

/** Counts requests over [warm-up end, end of measurement]. */
async function measure(count: () => number, errors: () => number): Promise<LoadSample> {
  await sleep(spec.warmupSeconds * 1000);
  const [start, cpu0, count0] = [performance.now(), cpu(), count()];
  await sleep(spec.seconds * 1000);
  const [elapsed, used, requests] = [(performance.now() - start) / 1000, cpu() - cpu0, count() - count0];
  return {
    contender: spec.contender,
    concurrency: spec.concurrency,
    requestsPerSecond: Math.round(requests / elapsed),
    cpuPerRequest: Math.round((used / requests) * 10) / 10,
    requests,
    errors: errors(),
  };
}

/** `concurrency` workers, each sending one request after another, over the job ids round robin. */
async function loop(name: ClientName): Promise<LoadSample> {
  const client = httpClient(name, spec, spec.concurrency);
  let [done, failed, next, running] = [0, 0, 0, true];
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        await client.get(jobIds[next++ % jobIds.length]!);
        done += 1;
      } catch {
        failed += 1;
      }
    }
  };
  const workers = Array.from({ length: spec.concurrency }, worker);
  const sample = await measure(() => done, () => failed);
  running = false;
  await Promise.all(workers);
  await client.close();
  return sample;
}

/**
 * The watcher polling continuously: every job RUNNING, `learn: false`,
 * `initialDelay: 1`, `maxLag: 1`, `maxLagRatio: 0`, so each job is due again
 * after the 500 ms floor; with 20 000 jobs far more polls are due than
 * `concurrency` can carry, so the watcher's own pipeline is the limit.
 */
async function watcher(): Promise<LoadSample> {
  const client = evsClient(spec, spec.concurrency);
  const watcher = new JobWatcher({ client, concurrency: spec.concurrency, learn: false, initialDelay: 1, maxLag: 1, maxLagRatio: 0 });
  let failed = 0;
  watcher.on('pollError', () => (failed += 1));
  for (const jobId of jobIds) watcher.watch(jobId).catch(() => undefined);
  const sample = await measure(() => watcher.stats().pollsSent, () => failed);
  await watcher.destroy();
  await client.destroy();
  return sample;
}

const sample = spec.contender === 'watcher' ? await watcher() : await loop(spec.contender);
process.stdout.write(`${JSON.stringify(sample)}\n`);
process.exit(0);
