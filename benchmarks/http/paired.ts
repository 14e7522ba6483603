// EvsClient and the raw undici loop in ONE process, alternating in short batches, so whatever else runs on the
// machine falls on both alike: the comparison a shared machine can repeat.
// Usage: node --import tsx http/paired.ts '<json PairedSpec>'  → prints one JSON PairedSample line.
import { readFileSync } from 'node:fs';
import { httpClient, type ClientName, type HttpClient } from './clients.js';
import { mainThreadCpu, processCpu } from '../lib/cpu.js';

export interface PairedSpec {
  readonly concurrency: number;
  /** Alternations; the order flips each round. */
  readonly rounds: number;
  /** Requests per client per round. */
  readonly batch: number;
  /** Warm-up of each client, from its own first request, in s. */
  readonly warmupSeconds: number;
  readonly url: string;
  readonly projectId: string;
  readonly idsFile: string;
}

export interface PairedClient {
  readonly client: ClientName;
  readonly requestsPerSecond: number;
  readonly cpuPerRequest: number;
  readonly mainThreadCpuPerRequest: number | null;
  readonly requests: number;
}

export interface PairedSample {
  readonly concurrency: number;
  readonly clients: readonly PairedClient[];
  /** EvsClient's throughput over raw undici's, over the same interleaved stretch of time. */
  readonly throughputRatio: number;
  /** Raw undici's CPU per request over EvsClient's (1 = as cheap). */
  readonly cpuRatio: number;
}

const PAIR: readonly ClientName[] = ['undici-pool', 'evs-client'];

interface Tally {
  readonly name: ClientName;
  readonly client: HttpClient;
  wall: number;
  cpu: number;
  main: number | undefined;
  requests: number;
}

const spec = JSON.parse(process.argv[2]!) as PairedSpec;
const jobIds = JSON.parse(readFileSync(spec.idsFile, 'utf8')) as string[];
let next = 0;

/** `count` requests over `spec.concurrency` workers; throws on the first failure (each client checks its answers). */
async function run(client: HttpClient, count: number): Promise<void> {
  let left = count;
  const worker = async (): Promise<void> => {
    while (left-- > 0) await client.get(jobIds[next++ % jobIds.length]!);
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
}

const tallies: Tally[] = PAIR.map((name) => ({ name, client: httpClient(name, spec, spec.concurrency), wall: 0, cpu: 0, main: 0, requests: 0 }));
for (const tally of tallies) {
  const started = performance.now();
  while (performance.now() - started < Math.max(2, spec.warmupSeconds) * 1000) await run(tally.client, spec.batch);
}
for (let round = 0; round < spec.rounds; round++) {
  for (const tally of round % 2 === 0 ? tallies : [...tallies].reverse()) {
    const [t0, cpu0, main0] = [performance.now(), processCpu(), mainThreadCpu()];
    await run(tally.client, spec.batch);
    const [t1, cpu1, main1] = [performance.now(), processCpu(), mainThreadCpu()];
    tally.wall += t1 - t0;
    tally.cpu += cpu1 - cpu0;
    tally.main = main0 === undefined || main1 === undefined || tally.main === undefined ? undefined : tally.main + main1 - main0;
    tally.requests += spec.batch;
  }
}
await Promise.all(tallies.map((tally) => tally.client.close()));

const clients = tallies.map(
  (tally): PairedClient => ({
    client: tally.name,
    requestsPerSecond: Math.round(tally.requests / (tally.wall / 1000)),
    cpuPerRequest: Math.round((tally.cpu / tally.requests) * 10) / 10,
    mainThreadCpuPerRequest: tally.main === undefined ? null : Math.round((tally.main / tally.requests) * 10) / 10,
    requests: tally.requests,
  }),
);
const [undici, evs] = clients as [PairedClient, PairedClient];
const sample: PairedSample = {
  concurrency: spec.concurrency,
  clients,
  throughputRatio: Math.round((evs.requestsPerSecond / undici.requestsPerSecond) * 1000) / 1000,
  cpuRatio: Math.round((undici.cpuPerRequest / evs.cpuPerRequest) * 1000) / 1000,
};
process.stdout.write(`${JSON.stringify(sample)}\n`);
process.exit(0);
