import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ratio } from '../lib/stats.js';
import { atMost, type Target } from '../lib/targets.js';
import type { ScaleSample } from './child.js';
import type { ContenderName } from './contenders.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
// Children resolve `--import tsx` from the benchmarks package.
const BENCHMARKS = fileURLToPath(new URL('..', import.meta.url));
const GIB = 2 ** 30;

export interface ScaleResult {
  readonly samples: readonly ScaleSample[];
  readonly targets: readonly Target[];
  readonly ratios: {
    heapPerJobVsNaive: number;
    heapPerJobVsNaivePerJobApi: number;
    cpuPerPollVsNaive: number;
    cpuPerPollVsNaivePerJobApi: number;
    maxJobsUnder1GiB: number;
    largestSizeRun: number;
  };
}

/**
 * Each (contender, size) in a fresh `node --expose-gc` process, so heaps never
 * mix; `rounds` times, interleaved (every contender of a size, then again), each
 * keeping its best round (other load only ever slows a run) with the median beside it.
 * The AWS waiter, reported but not judged, runs once.
 */
export function scale(sizes: readonly number[], contenders: readonly ContenderName[] = ['naive', 'ours', 'ours-batch', 'waiter'], rounds = 2): ScaleResult {
  const runs = new Map<string, ScaleSample[]>();
  for (const size of sizes) {
    for (let round = 0; round < rounds; round++) {
      for (const contender of contenders) {
        if (contender === 'waiter' && round > 0) continue;
        const sample = runChild(contender, size);
        console.log(
          `  scale round ${round + 1}: ${contender} × ${size}: ${sample.heapPerJob} B/job, ${sample.cpuPerPoll} µs/poll process, ${sample.mainThreadCpuPerPoll ?? '?'} µs main thread; machine ${sample.machineBusyPercent ?? '?'} % busy, steal ${sample.stealPercent ?? '?'} %, load ${sample.loadAverage} (${sample.wallSeconds} s)`,
        );
        const key = `${contender} ${size}`;
        runs.set(key, [...(runs.get(key) ?? []), sample]);
      }
    }
  }
  const samples = [...runs.values()].map(best);
  return { samples, ...judge(samples, sizes) };
}

/** The round with the least CPU per poll, with the median of all rounds beside it. */
function best(rounds: readonly ScaleSample[]): ScaleSample & { readonly cpuPerPollMedian: number; readonly rounds: number } {
  const sorted = [...rounds].sort((a, b) => a.cpuPerPoll - b.cpuPerPoll);
  return { ...sorted[0]!, cpuPerPollMedian: sorted[Math.floor((sorted.length - 1) / 2)]!.cpuPerPoll, rounds: rounds.length };
}

function runChild(contender: ContenderName, size: number): ScaleSample {
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', CHILD, contender, String(size)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    cwd: BENCHMARKS,
  });
  if (child.status !== 0) throw new Error(`scale child ${contender} × ${size} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as ScaleSample;
}

function judge(samples: readonly ScaleSample[], sizes: readonly number[]): Pick<ScaleResult, 'targets' | 'ratios'> {
  const largest = Math.max(...sizes);
  const at = (contender: ContenderName, size = largest): ScaleSample => samples.find((s) => s.contender === contender && s.jobs === size)!;
  // Judged on the batch API (what one uses to watch a million jobs at once); the per-job API is reported beside it.
  const [ours, perJob, naive] = [at('ours-batch'), at('ours'), at('naive')];
  const under = samples.filter((s) => s.contender === 'ours-batch' && s.heapMiB * 2 ** 20 < GIB).map((s) => s.jobs);
  const ratios = {
    heapPerJobVsNaive: ratio(ours.heapPerJob, naive.heapPerJob),
    heapPerJobVsNaivePerJobApi: ratio(perJob.heapPerJob, naive.heapPerJob),
    cpuPerPollVsNaive: ratio(ours.cpuPerPoll, naive.cpuPerPoll),
    cpuPerPollVsNaivePerJobApi: ratio(perJob.cpuPerPoll, naive.cpuPerPoll),
    maxJobsUnder1GiB: under.length === 0 ? 0 : Math.max(...under),
    largestSizeRun: largest,
  };
  const targets: Target[] = [
    atMost(`heap per job vs naive (${largest} jobs)`, ratios.heapPerJobVsNaive, 0.4, `watchAll ${ours.heapPerJob} B (watch() each: ${perJob.heapPerJob} B), naive ${naive.heapPerJob} B`),
    // CPU per poll at every size: the heap's pop grows with N, so a pass at the largest alone would not say the smaller ones pass.
    ...sizes.map((size) => {
      const [batch, each, loop] = [at('ours-batch', size), at('ours', size), at('naive', size)];
      return atMost(
        `cpu per poll vs naive (${size} jobs)`,
        ratio(batch.cpuPerPoll, loop.cpuPerPoll),
        1,
        `watchAll ${batch.cpuPerPoll} µs (main thread ${batch.mainThreadCpuPerPoll ?? '?'}; watch() each: ${each.cpuPerPoll}), naive ${loop.cpuPerPoll} µs (main thread ${loop.mainThreadCpuPerPoll ?? '?'})`,
      );
    }),
  ];
  if (largest >= 1_000_000) {
    targets.push(atMost('heap with 1 000 000 watched jobs (MiB)', ours.heapMiB, 1024, `${ours.heapMiB} MiB total, ${ours.heapPerJob} B/job`));
  }
  return { targets, ratios };
}
