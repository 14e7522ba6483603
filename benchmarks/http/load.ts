// One client at one concurrency against the simulator, in a fresh process.
// Usage: node --import tsx http/load.ts '<json LoadSpec>'  → prints one JSON LoadSample line.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobWatcher } from '../lib/library.js';
import { evsClient, httpClient, type ClientName } from './clients.js';
import { machineCpu, mainThreadCpu, processCpu, type MachineCpu } from '../lib/cpu.js';

export type ContenderName = ClientName | 'watcher';

export interface LoadSpec {
  readonly contender: ContenderName;
  readonly concurrency: number;
  /** Warm-up from the client's own first request, in s (JIT, keep-alive connections, the learner's first answers). */
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
  /** Whole client process CPU (user + system, every thread: main, libuv pool, GC helpers) per request, µs. */
  readonly cpuPerRequest: number;
  /** The client's main (JavaScript) thread alone, per request, µs; `null` where /proc cannot tell. */
  readonly mainThreadCpuPerRequest: number | null;
  /** Share of the machine's CPU time stolen by the hypervisor during the measurement, %. */
  readonly stealPercent: number | null;
  /** Machine CPU busy (all processes) during the measurement, % of all cores. */
  readonly machineBusyPercent: number | null;
  /** 1-minute load average at the end of the measurement. */
  readonly loadAverage: number;
  readonly requests: number;
  readonly errors: number;
}

const spec = JSON.parse(process.argv[2]!) as LoadSpec;
const jobIds = JSON.parse(readFileSync(spec.idsFile, 'utf8')) as string[];
/** At least 2 s of warm-up, whatever the spec says: less left the JIT and the pool visibly cold. */
const WARMUP = Math.max(2, spec.warmupSeconds);

/** Counts requests over [first request + warm-up, + `seconds`]; `started` resolves at the first request. */
async function measure(started: Promise<void>, count: () => number, errors: () => number): Promise<LoadSample> {
  await started;
  await sleep(WARMUP * 1000);
  const [start, cpu0, main0, machine0, count0] = [performance.now(), processCpu(), mainThreadCpu(), machineCpu(), count()];
  await sleep(spec.seconds * 1000);
  const [elapsed, cpu1, main1, machine1, requests] = [(performance.now() - start) / 1000, processCpu(), mainThreadCpu(), machineCpu(), count() - count0];
  const perRequest = (used: number): number => Math.round((used / requests) * 10) / 10;
  const share = (pick: (cpu: MachineCpu) => number): number | null => {
    if (machine0 === undefined || machine1 === undefined) return null;
    return Math.round(((pick(machine1) - pick(machine0)) / (machine1.total - machine0.total)) * 1000) / 10;
  };
  return {
    contender: spec.contender,
    concurrency: spec.concurrency,
    requestsPerSecond: Math.round(requests / elapsed),
    cpuPerRequest: perRequest(cpu1 - cpu0),
    mainThreadCpuPerRequest: main0 === undefined || main1 === undefined ? null : perRequest(main1 - main0),
    stealPercent: share((cpu) => cpu.steal),
    machineBusyPercent: share((cpu) => cpu.busy),
    loadAverage: loadavg()[0]!,
    requests,
    errors: errors(),
  };
}

/** Resolves when `mark()` is first called. */
function firstCall(): { started: Promise<void>; mark: () => void } {
  let mark = (): void => undefined;
  const started = new Promise<void>((resolve) => (mark = resolve));
  return { started, mark };
}

/** `concurrency` workers, each sending one request after another, over the job ids round robin. */
async function loop(name: ClientName): Promise<LoadSample> {
  const client = httpClient(name, spec, spec.concurrency);
  const first = firstCall();
  let [done, failed, next, running] = [0, 0, 0, true];
  const worker = async (): Promise<void> => {
    while (running) {
      first.mark();
      try {
        await client.get(jobIds[next++ % jobIds.length]!);
        done += 1;
      } catch {
        failed += 1;
      }
    }
  };
  const workers = Array.from({ length: spec.concurrency }, worker);
  const sample = await measure(first.started, () => done, () => failed);
  running = false;
  await Promise.all(workers);
  await client.close();
  return sample;
}

/**
 * The watcher polling continuously: every job RUNNING, `learn: false`,
 * `initialDelay: 1`, `maxLag: 1`, `maxLagRatio: 0`, so each job is due again
 * after the 500 ms floor; with 20 000 jobs far more polls are due than
 * `concurrency` can carry, so the watcher's own pipeline is the limit. Its
 * client is made with `retries: 0`, as the CLI makes it: the watcher is the one retry layer.
 */
async function watcher(): Promise<LoadSample> {
  const client = evsClient(spec, spec.concurrency, { retries: 0 });
  const watcher = new JobWatcher({ client, concurrency: spec.concurrency, learn: false, initialDelay: 1, maxLag: 1, maxLagRatio: 0 });
  let failed = 0;
  watcher.on('pollError', () => (failed += 1));
  for (const jobId of jobIds) watcher.watch(jobId).catch(() => undefined);
  // The first polls leave at once: warm-up starts now.
  const sample = await measure(Promise.resolve(), () => watcher.stats().pollsSent, () => failed);
  await watcher.destroy();
  await client.destroy();
  return sample;
}

const sample = spec.contender === 'watcher' ? await watcher() : await loop(spec.contender);
process.stdout.write(`${JSON.stringify(sample)}\n`);
process.exit(0);
