import type { FleetResult } from './economy/economy.js';
import type { SanityResult } from './economy/sanity.js';
import type { HttpResult } from './http/http.js';
import { table } from './lib/table.js';
import { round } from './lib/stats.js';
import { targetRows, type Target } from './lib/targets.js';
import type { ScaleResult } from './scale/scale.js';

/** Every section as markdown tables (also printed), for the terminal and benchmarks/README.md. */
export function report(sanity: SanityResult, fleets: readonly FleetResult[], scale: ScaleResult, http: HttpResult): string {
  const parts: string[] = [];
  parts.push(
    table(
      `### Sanity check (${sanity.jobs} log-normal jobs, median 25 s, σ 0.5): every number within 10 %`,
      sanity.checks.map((check) => ({ check: check.what, measured: check.measured, expected: check.expected })),
    ),
  );
  const { measured, modelWithJump, modelWithoutJump } = sanity.waiterP95Lag;
  parts.push(`AWS waiter p95 lag: measured ${measured} s; model of smithy's code (jumps to maxDelay after attempt 6) ${modelWithJump} s; textbook formula without that jump ${modelWithoutJump} s.\n`);
  parts.push(economyReport(fleets));
  parts.push(
    table(
      'Scale of one process (virtual time, instant in-memory transport; CPU per poll in the steady window)',
      scale.samples.map((s) => ({
        contender: s.contender,
        jobs: s.jobs,
        'heap MiB': s.heapMiB,
        'heap B/job': s.heapPerJob,
        'cpu µs/poll': s.cpuPerPoll,
        'cpu µs/watch()': s.cpuPerWatchCall,
        polls: s.totalPolls,
        'wall s': s.wallSeconds,
      })),
    ),
  );
  parts.push(table('Targets — scale', targetRows(scale.targets)));
  parts.push(
    table(
      'HTTP throughput against the simulator (separate process, AK/SK signing on for every client)',
      http.samples.map((s) => ({
        client: s.contender,
        concurrency: s.concurrency,
        'req/s (best)': s.requestsPerSecond,
        'req/s (median)': s.medianRequestsPerSecond,
        'process cpu µs/req': s.cpuPerRequest,
        'main thread cpu µs/req': s.mainThreadCpuPerRequest ?? '?',
        'main thread cpu µs/req (median)': s.medianMainThreadCpuPerRequest ?? '?',
        'machine busy %': s.machineBusyPercent ?? '?',
        'steal %': s.stealPercent ?? '?',
        load: s.loadAverage.toFixed(2),
      })),
    ),
  );
  parts.push(
    table(
      'HTTP — EvsClient vs raw undici, alternating batches in one process',
      http.paired.flatMap((p) =>
        p.clients.map((c) => ({
          client: c.client,
          concurrency: p.concurrency,
          'req/s': c.requestsPerSecond,
          'process cpu µs/req': c.cpuPerRequest,
          'main thread cpu µs/req': c.mainThreadCpuPerRequest ?? '?',
          'throughput ratio': p.throughputRatio,
          'cpu ratio': p.cpuRatio,
        })),
      ),
    ),
  );
  parts.push(table('Targets — HTTP', targetRows(http.targets)));
  return parts.join('\n');
}

/**
 * The economy section: an overview of ours against Terraform and the informed
 * bound per fleet and class, then each fleet's tables and targets.
 */
export function economyReport(fleets: readonly FleetResult[], print = true): string {
  const parts: string[] = [];
  const rows = fleets.flatMap((fleet) => {
    const [tf, me] = [fleet.summaries[0]!, fleet.summaries[2]!];
    const informed = fleet.summaries.at(-1)!;
    return (['short', 'long'] as const)
      .filter((key) => me[key].jobs > 0)
      .map((key) => ({
        fleet: fleet.key,
        class: `${key} (${me[key].jobs})`,
        'ours polls': me[key].polls,
        'terraform polls': tf[key].polls,
        'informed polls': informed[key].polls,
        'polls vs terraform': round(me[key].polls / tf[key].polls, 3),
        'ours p95 lag': me[key].lagP95,
        'terraform p95 lag': tf[key].lagP95,
        'ours max lag': me[key].lagMax,
        'ours lag/duration p95': key === 'long' ? pct(me[key].lagFractionP95) : '',
      }));
  });
  parts.push(table('### Polling economy: every fleet at a glance (ours = evs-job-watcher with its defaults; lags in s)', rows, print));
  const misses = fleets.flatMap((fleet) => fleet.targets.filter((target) => !target.pass).map((target) => `${fleet.key}: ${target.name} (${target.value}, limit ${target.limit})`));
  const count = fleets.reduce((sum, fleet) => sum + fleet.targets.length, 0);
  parts.push(`${count - misses.length}/${count} economy targets met.${misses.length === 0 ? '' : ` Missed: ${misses.join('; ')}.`}\n`);
  for (const fleet of fleets) {
    parts.push(`### Polling economy: ${fleet.fleet} (${fleet.jobs} jobs: ${fleet.shortJobs} short < 2 min, ${fleet.longJobs} long)\n`);
    for (const key of (['all', 'short', 'long'] as const).filter((key) => fleet.summaries[0]![key].jobs > 0)) {
      parts.push(
        table(
          `${key === 'all' ? 'All jobs' : key === 'short' ? 'Short jobs (< 2 min)' : 'Long jobs (≥ 2 min)'} — lags in s`,
          fleet.summaries.map((s) => ({
            strategy: s.strategy,
            'polls/job': s[key].polls,
            'lag p50': s[key].lagP50,
            'lag p95': s[key].lagP95,
            'lag max': s[key].lagMax,
            ...(key === 'long' && { 'lag/duration p95': pct(s[key].lagFractionP95), 'lag/duration max': pct(s[key].lagFractionMax) }),
            'peak req/s': s[key].peakRps,
          })),
          print,
        ),
      );
    }
    const schedules = Object.entries(fleet.informedSchedules).map(([type, plan]) => `${type} ${plan.first / 1000} s + every ${plan.gap / 1000} s`);
    parts.push(`Informed bound schedules (p95 lag ≤ Terraform's on short jobs): ${schedules.join('; ')}.\n`);
    parts.push(table(`Targets — ${fleet.fleet}`, targetRows(fleet.targets), print));
  }
  return parts.join('\n');
}

export function allTargets(fleets: readonly FleetResult[], scale: ScaleResult, http: HttpResult): Target[] {
  return [...fleets.flatMap((fleet) => fleet.targets.map((t) => ({ ...t, name: `${fleet.fleet}: ${t.name}` }))), ...scale.targets, ...http.targets];
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}
