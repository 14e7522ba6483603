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

/** Each (contender, size) in a fresh `node --expose-gc` process, so heaps never mix. */
export function scale(sizes: readonly number[], contenders: readonly ContenderName[] = ['naive', 'ours', 'ours-batch', 'waiter']): ScaleResult {
  const samples: ScaleSample[] = [];
  for (const size of sizes) {
    for (const contender of contenders) {
      const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', CHILD, contender, String(size)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
        cwd: BENCHMARKS,
      });
      if (child.status !== 0) throw new Error(`scale child ${contender} × ${size} failed: ${child.stderr}`);
      const sample = JSON.parse(child.stdout.trim().split('\n').pop()!) as ScaleSample;
      console.log(`  scale: ${contender} × ${size}: ${sample.heapPerJob} B/job, ${sample.cpuPerPoll} µs/poll (${sample.wallSeconds} s)`);
      samples.push(sample);
    }
  }
  return { samples, ...judge(samples, sizes) };
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
    atMost(`heap per job vs naive (${largest} jobs)`, ratios.heapPerJobVsNaive, 0.5, `watchAll ${ours.heapPerJob} B (watch() each: ${perJob.heapPerJob} B), naive ${naive.heapPerJob} B`),
    atMost(`cpu per poll vs naive (${largest} jobs)`, ratios.cpuPerPollVsNaive, 1, `watchAll ${ours.cpuPerPoll} µs (watch() each: ${perJob.cpuPerPoll} µs), naive ${naive.cpuPerPoll} µs`),
  ];
  if (largest >= 1_000_000) {
    targets.push(atMost('heap with 1 000 000 watched jobs (MiB)', ours.heapMiB, 1024, `${ours.heapMiB} MiB total, ${ours.heapPerJob} B/job`));
  }
  return { targets, ratios };
}
