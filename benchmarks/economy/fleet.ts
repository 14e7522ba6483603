import { Random } from '../lib/random.js';

/** One simulated job (or sub-job): its whole life is fixed up front; its state at any time follows from it. */
export interface FleetJob {
  readonly index: number;
  readonly id: string;
  readonly type: string;
  /** `begin_time`, virtual ms. */
  readonly beginAt: number;
  /** `end_time`, virtual ms. */
  readonly endAt: number;
  readonly outcome: 'SUCCESS' | 'FAIL';
  /** Sub-jobs of a batch job (listed in `entities.sub_jobs`); empty for single jobs. */
  readonly subJobs: readonly FleetJob[];
  /** Jobs started together share a burst number. */
  readonly burst: number;
}

export interface Fleet {
  readonly name: string;
  readonly start: number;
  readonly jobs: readonly FleetJob[];
}

/** How job durations are drawn: log-normal by type; `correlated` shares a factor among jobs started together. */
export interface FleetOptions {
  readonly name: string;
  readonly jobs: number;
  readonly seed: number;
  /** Jobs of one burst share g ~ N(0, 0.35²): ln D = ln median + g + ε, ε ~ N(0, 0.35²). Otherwise ln D = ln median + N(0, 0.5²). */
  readonly correlated: boolean;
}

/** Virtual start of every fleet: 2026-01-01T00:00:00Z. */
export const FLEET_START = Date.UTC(2026, 0, 1);
/** The line between short and long jobs. */
export const SHORT_LIMIT = 120_000;

const SIGMA = 0.5;
const SHARED_SIGMA = 0.35;
const OWN_SIGMA = 0.35;
/** Mean time between arrival events (Poisson), ms. */
const MEAN_GAP = 4_000;
const BURST_PROBABILITY = 0.25;
const FAILURE_RATE = 0.03;

/** Share of arrival events by job type, and the median duration of each (ms). Retype is a log-uniform 10–60 min tail. */
const MIX = { createVolume: 45, deleteVolume: 22, extendVolume: 18.5, batchCreateVolume: 12, retypeVolume: 2.5 } as const;
const MEDIANS: Readonly<Record<string, number>> = { createVolume: 25_000, deleteVolume: 12_000, extendVolume: 18_000 };
type MixType = keyof typeof MIX;

/** The EVS-like mix: creates, deletes, extends, batch creates of 10–100 sub-jobs, a 2.5 % tail of 10–60 min retypes, 3 % failures. */
export function evsFleet(options: FleetOptions): Fleet {
  const random = new Random(options.seed);
  const builder = new Builder(random, options.correlated);
  let time = FLEET_START;
  while (builder.count < options.jobs) {
    time += random.exponential(MEAN_GAP);
    const type = random.pick(MIX);
    const size = type !== 'retypeVolume' && random.uniform() < BURST_PROBABILITY ? random.int(2, 8) : 1;
    builder.burst(type, time, Math.min(size, options.jobs - builder.count));
  }
  return { name: options.name, start: FLEET_START, jobs: builder.jobs };
}

/** The sanity fleet: single create jobs, log-normal median 25 s, σ 0.5, Poisson arrivals, no failures. */
export function sanityFleet(jobs: number, seed: number): Fleet {
  const random = new Random(seed);
  const list: FleetJob[] = [];
  let time = FLEET_START;
  for (let index = 0; index < jobs; index++) {
    time += random.exponential(MEAN_GAP);
    const beginAt = Math.round(time);
    const duration = 25_000 * Math.exp(SIGMA * random.normal());
    list.push({ index, id: random.hexId(), type: 'createVolume', beginAt, endAt: Math.round(beginAt + duration), outcome: 'SUCCESS', subJobs: [], burst: index });
  }
  return { name: 'sanity: log-normal 25 s, σ 0.5', start: FLEET_START, jobs: list };
}

class Builder {
  readonly jobs: FleetJob[] = [];
  readonly #random: Random;
  readonly #correlated: boolean;
  #bursts = 0;

  constructor(random: Random, correlated: boolean) {
    this.#random = random;
    this.#correlated = correlated;
  }

  get count(): number {
    return this.jobs.length;
  }

  burst(type: MixType, time: number, size: number): void {
    const burst = this.#bursts++;
    const shared = this.#sharedFactor();
    for (let member = 0; member < size; member++) {
      const beginAt = Math.round(time + (member === 0 ? 0 : this.#random.between(0, 500)));
      const fail = this.#random.uniform() < FAILURE_RATE;
      this.jobs.push(this.#job(type, beginAt, fail, shared, burst));
    }
  }

  #job(type: MixType, beginAt: number, fail: boolean, shared: number, burst: number): FleetJob {
    const index = this.jobs.length;
    const id = this.#random.hexId();
    if (type === 'batchCreateVolume') return this.#batch(index, id, beginAt, fail, burst);
    const duration = type === 'retypeVolume' ? 600_000 * 6 ** this.#random.uniform() : this.#duration(MEDIANS[type]!, shared);
    return { index, id, type, beginAt, endAt: Math.round(beginAt + duration), outcome: fail ? 'FAIL' : 'SUCCESS', subJobs: [], burst };
  }

  /** A batch create: 10–100 sub-jobs starting within 1 s of it; it ends 1–6 s after its slowest sub-job, FAIL if one failed. */
  #batch(index: number, id: string, beginAt: number, fail: boolean, burst: number): FleetJob {
    const count = this.#random.int(10, 100);
    const failing = fail ? this.#random.int(0, count - 1) : -1;
    // Sub-jobs start together, so in the correlated fleet they share a factor of their own.
    const shared = this.#sharedFactor();
    const subJobs: FleetJob[] = [];
    for (let sub = 0; sub < count; sub++) {
      const subBegin = Math.round(beginAt + this.#random.between(0, 1_000));
      const endAt = Math.round(subBegin + this.#duration(MEDIANS['createVolume']!, shared));
      subJobs.push({ index: -1, id: this.#random.hexId(), type: 'createVolume', beginAt: subBegin, endAt, outcome: sub === failing ? 'FAIL' : 'SUCCESS', subJobs: [], burst });
    }
    const lastEnd = Math.max(...subJobs.map((sub) => sub.endAt));
    const endAt = Math.round(lastEnd + this.#random.between(1_000, 6_000));
    return { index, id, type: 'batchCreateVolume', beginAt, endAt, outcome: fail ? 'FAIL' : 'SUCCESS', subJobs, burst };
  }

  #sharedFactor(): number {
    return this.#correlated ? SHARED_SIGMA * this.#random.normal() : 0;
  }

  #duration(median: number, shared: number): number {
    const noise = this.#correlated ? shared + OWN_SIGMA * this.#random.normal() : SIGMA * this.#random.normal();
    return Math.max(1_000, median * Math.exp(noise));
  }
}

export function durationOf(job: FleetJob): number {
  return job.endAt - job.beginAt;
}
