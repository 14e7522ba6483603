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
  readonly ratios: { heapPerJobVsNaive: number; cpuPerPollVsNaive: number; maxJobsUnder1GiB: number; largestSizeRun: number };
}

/** Each (contender, size) in a fresh `node --expose-gc` process, so heaps never mix. */
export function scale(sizes: readonly number[], contenders: readonly ContenderName[] = ['naive', 'ours', 'waiter']): ScaleResult {
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
  const [ours, naive] = [at('ours'), at('naive')];
  const under = samples.filter((s) => s.contender === 'ours' && s.heapMiB * 2 ** 20 < GIB).map((s) => s.jobs);
  const ratios = {
    heapPerJobVsNaive: ratio(ours.heapPerJob, naive.heapPerJob),
    cpuPerPollVsNaive: ratio(ours.cpuPerPoll, naive.cpuPerPoll),
    maxJobsUnder1GiB: under.length === 0 ? 0 : Math.max(...under),
    largestSizeRun: largest,
  };
  const targets: Target[] = [
    atMost(`heap per job vs naive (${largest} jobs)`, ratios.heapPerJobVsNaive, 0.5, `ours ${ours.heapPerJob} B, naive ${naive.heapPerJob} B`),
    atMost(`cpu per poll vs naive (${largest} jobs)`, ratios.cpuPerPollVsNaive, 1, `ours ${ours.cpuPerPoll} µs, naive ${naive.cpuPerPoll} µs`),
  ];
  if (largest >= 1_000_000) {
    targets.push(atMost('heap with 1 000 000 watched jobs (MiB)', ours.heapMiB, 1024, `${ours.heapMiB} MiB total, ${ours.heapPerJob} B/job`));
  }
  return { targets, ratios };
}
