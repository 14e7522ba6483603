// Runs every benchmark side by side and writes results/latest.json (or results/quick.json).
// Usage (from the repository root, after `npm run build`): node --import tsx benchmarks/run.ts [--quick] [--only economy|scale|http|fleet [--clients a,b]]
// (fleet, which needs redis-server on PATH, runs only with --only: `npm run bench:fleet`)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { economy } from './economy/economy.js';
import { fleetBenchmark } from './fleet/fleet.js';
import { sanityCheck } from './economy/sanity.js';
import { http, type HttpOptions } from './http/http.js';
import type { ContenderName } from './http/load.js';
import { allTargets, economyReport, report } from './report.js';
import { scale } from './scale/scale.js';

const quick = process.argv.includes('--quick');
// `--only economy` (or scale, http) runs one benchmark, prints its numbers and writes nothing: for working on one of them
// (`--only economy --tables` also prints the markdown tables of benchmarks/README.md).
const only = process.argv[process.argv.indexOf('--only') + 1];
const SEED = 20_260_101;
// `--clients undici-pool,evs-client` (with `--only http`) measures only those clients: for working on one of them.
const clients = process.argv.includes('--clients') ? (process.argv[process.argv.indexOf('--clients') + 1] ?? '').split(',') : undefined;
const HTTP: HttpOptions = {
  ...(quick
    ? { concurrencies: [16], warmupSeconds: 2, seconds: 2, rounds: 2, paired: { rounds: 30, batch: 500 } }
    : { concurrencies: [1, 16, 64], warmupSeconds: 2, seconds: 4, rounds: 3, paired: { rounds: 40, batch: 1_000 } }),
  ...(clients !== undefined && { contenders: clients as ContenderName[] }),
};
if (process.argv.includes('--only')) await runOnly(only);
const started = performance.now();
// Other work on the machine skews CPU and HTTP numbers: record it.
const loadAverageAtStart = loadavg();
const step = (name: string): void => console.log(`\n== ${name} (${Math.round((performance.now() - started) / 1000)} s)`);

step('sanity check');
const sanity = await sanityCheck(quick ? 1_500 : 4_000, SEED);
step('polling economy');
const fleets = await economy({ quick, seed: SEED, jobs: quick ? 1_000 : 2_000 });
step('scale');
const scaled = quick ? scale([10_000, 25_000], ['naive', 'ours', 'ours-batch']) : scale([10_000, 100_000, 1_000_000]);
step('http');
const throughput = await http(HTTP);

const text = report(sanity, fleets, scaled, throughput);
const targets = allTargets(fleets, scaled, throughput);
const primary = fleets[0]!.ratios;
const headline = {
  pollsVsTerraform: primary.pollsVsTerraform,
  pollsVsAwsWaiter: primary.pollsVsAwsWaiter,
  p95LagVsTerraform: primary.p95LagVsTerraform,
  p95LagVsAwsWaiter: primary.p95LagVsAwsWaiter,
  shortPollsVsTerraform: primary.shortPollsVsTerraform,
  shortPollsVsInformedBound: primary.shortPollsVsInformedBound,
  longPollsVsTerraform: primary.longPollsVsTerraform,
  longP95LagFraction: primary.longP95LagFraction,
  heapPerJobVsNaive: scaled.ratios.heapPerJobVsNaive,
  cpuPerPollVsNaive: scaled.ratios.cpuPerPollVsNaive,
  maxJobsUnder1GiB: scaled.ratios.maxJobsUnder1GiB,
  maxJobsUnder1GiBLargestSizeRun: scaled.ratios.largestSizeRun,
  httpVsRawUndici: throughput.ratios.httpVsRawUndici,
  httpVsOfficialSdk: throughput.ratios.httpVsOfficialSdk,
  clientVsRawUndici: throughput.ratios.clientVsRawUndici,
  clientVsRawUndiciCpu: throughput.ratios.clientVsRawUndiciCpu,
  fleets: Object.fromEntries(fleets.map((fleet) => [fleet.key, fleet.ratios])),
};
const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: `${process.platform} ${process.arch}`, loadAverageAtStart, loadAverageAtEnd: loadavg() };
const results = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  machine,
  seconds: Math.round((performance.now() - started) / 1000),
  headline,
  targets,
  sanity,
  economy: fleets,
  scale: scaled,
  http: throughput,
};
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}${quick ? 'quick' : 'latest'}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${dir}${quick ? 'quick' : 'latest'}.md`, `${text}\n`);
const missed = targets.filter((target) => !target.pass).length;
console.log(`\n${targets.length - missed}/${targets.length} targets met in ${results.seconds} s on ${machine.cpu} × ${machine.cores}, node ${machine.node}`);
console.log(JSON.stringify(headline));

async function runOnly(name: string | undefined): Promise<never> {
  const began = performance.now();
  if (name === 'economy') {
    const fleets = await economy({ quick, seed: SEED, jobs: quick ? 1_000 : 2_000 });
    if (process.argv.includes('--tables')) console.log(economyReport(fleets, false));
    for (const fleet of fleets) {
      console.log(`${fleet.fleet} (${fleet.jobs} jobs, ${fleet.longJobs} long)`);
      for (const s of fleet.summaries) {
        console.log(`  ${s.strategy}: all ${s.all.polls} polls p95 ${s.all.lagP95} s max ${s.all.lagMax} s; short ${s.short.polls} polls p95 ${s.short.lagP95} s max ${s.short.lagMax} s; long ${s.long.polls} polls lag/d max ${s.long.lagFractionMax}`);
      }
      for (const target of fleet.targets) console.log(`  ${target.pass ? 'PASS' : 'MISS'} ${target.name}: ${target.value} (${target.limit})`);
    }
    console.log(`${((performance.now() - began) / 1000).toFixed(1)} s`);
  } else if (name === 'fleet') {
    const results = await fleetBenchmark({ quick });
    console.table(results.rows);
    console.log(`Redis memory per watched job: ${JSON.stringify(results.memoryPerJob)} bytes; in-memory watcher CPU per poll ${results.inMemoryCpuPerPoll} µs; failover ${JSON.stringify(results.failover)}`);
    for (const target of results.targets) console.log(`  ${target.pass ? 'PASS' : 'MISS'} ${target.name}: ${target.value} (≤ ${target.limit}; ${target.detail})`);
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}fleet${quick ? '-quick' : ''}.json`, `${JSON.stringify({ date: new Date().toISOString(), machine: { cores: cpus().length, loadavg: loadavg() }, ...results }, null, 2)}\n`);
  } else if (name === 'scale') {
    console.log(JSON.stringify(scale(quick ? [10_000, 25_000] : [10_000, 100_000, 1_000_000]), null, 2));
  } else if (name === 'http') {
    console.log(JSON.stringify(await http(HTTP), null, 2));
  } else {
    console.error('--only takes economy, scale, http or fleet');
    process.exit(2);
  }
  process.exit(0);
}
