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
  /** When it is handed to the strategy (`watch(id)`), virtual ms: its `begin_time`, or later for ids read from a file. */
  readonly watchAt: number;
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
  /** Job ids: EVS's, whose characters 16–28 are the creation time in ms (hex), or 32 random hex characters. */
  readonly ids?: 'timestamped' | 'random' | undefined;
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
  const builder = new Builder(random, options.correlated, options.ids ?? 'timestamped');
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
    list.push({ index, id: random.hexId(), type: 'createVolume', beginAt, endAt: Math.round(beginAt + duration), watchAt: beginAt, outcome: 'SUCCESS', subJobs: [], burst: index });
  }
  return { name: 'sanity: log-normal 25 s, σ 0.5', start: FLEET_START, jobs: list };
}

class Builder {
  readonly jobs: FleetJob[] = [];
  readonly #random: Random;
  readonly #correlated: boolean;
  readonly #ids: 'timestamped' | 'random';
  #bursts = 0;

  constructor(random: Random, correlated: boolean, ids: 'timestamped' | 'random') {
    this.#random = random;
    this.#correlated = correlated;
    this.#ids = ids;
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
    const id = this.#id(beginAt);
    if (type === 'batchCreateVolume') return this.#batch(index, id, beginAt, fail, burst);
    const duration = type === 'retypeVolume' ? 600_000 * 6 ** this.#random.uniform() : this.#duration(MEDIANS[type]!, shared);
    return { index, id, type, beginAt, endAt: Math.round(beginAt + duration), watchAt: beginAt, outcome: fail ? 'FAIL' : 'SUCCESS', subJobs: [], burst };
  }

  /** The same draws either way, so both kinds of id give the same fleet. */
  #id(beginAt: number): string {
    const id = this.#random.hexId();
    return this.#ids === 'random' ? id : stamped(id, beginAt);
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
      subJobs.push({ index: -1, id: this.#id(subBegin), type: 'createVolume', beginAt: subBegin, endAt, watchAt: subBegin, outcome: sub === failing ? 'FAIL' : 'SUCCESS', subJobs: [], burst });
    }
    const lastEnd = Math.max(...subJobs.map((sub) => sub.endAt));
    const endAt = Math.round(lastEnd + this.#random.between(1_000, 6_000));
    return { index, id, type: 'batchCreateVolume', beginAt, endAt, watchAt: beginAt, outcome: fail ? 'FAIL' : 'SUCCESS', subJobs, burst };
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

/** From the moment a job is watched to its end (0 for a job already finished): what a strategy can act on. */
export function remainingOf(job: FleetJob): number {
  return Math.max(0, job.endAt - job.watchAt);
}

/**
 * An EVS job id: characters 16–28 carry the creation time in ms as hex (a few
 * ms after `begin_time`, as in the API reference's samples), the rest is random.
 */
function stamped(random: string, beginAt: number): string {
  return `${random.slice(0, 16)}${(beginAt + 3).toString(16).padStart(12, '0')}${random.slice(28)}`;
}

/** The priors' medians (src/schedule/priors.ts): what the watcher believes before it sees a job. */
const PRIOR_MEDIANS = { createVolume: 25_000, deleteVolume: 15_000, extendVolume: 20_000 } as const;
type SingleType = keyof typeof PRIOR_MEDIANS;
const SINGLE_TYPES = Object.keys(PRIOR_MEDIANS) as SingleType[];

/** One job of a single type (no sub-jobs), its duration log-normal around `median` (ms), at least `floor` ms. */
function singleJob(random: Random, index: number, type: SingleType, beginAt: number, median: number, sigma: number, floor: number, burst: number): FleetJob {
  const duration = Math.max(floor, median * Math.exp(sigma * random.normal()));
  const outcome = random.uniform() < FAILURE_RATE ? 'FAIL' : 'SUCCESS';
  return { index, id: stamped(random.hexId(), beginAt), type, beginAt, endAt: Math.round(beginAt + duration), watchAt: beginAt, outcome, subJobs: [], burst };
}

/**
 * Batch tooling: `bursts` bursts, 4–8 min apart, each of `minSize`–`maxSize`
 * jobs of one type (creates, deletes or extends) started within 1 s; durations
 * log-normal, σ 0.35, around the EVS mix's medians (25, 12, 18 s).
 */
export function burstFleet(options: { readonly name: string; readonly seed: number; readonly bursts: number; readonly minSize: number; readonly maxSize: number }): Fleet {
  const random = new Random(options.seed);
  const jobs: FleetJob[] = [];
  let time = FLEET_START;
  for (let burst = 0; burst < options.bursts; burst++) {
    const type = SINGLE_TYPES[random.int(0, SINGLE_TYPES.length - 1)]!;
    const size = random.int(options.minSize, options.maxSize);
    for (let member = 0; member < size; member++) {
      jobs.push(singleJob(random, jobs.length, type, Math.round(time + random.between(0, 1_000)), MEDIANS[type]!, 0.35, 1_000, burst));
    }
    time += random.between(240_000, 480_000);
  }
  return { name: options.name, start: FLEET_START, jobs };
}

/**
 * Priors wrong by `factor` (0.1: ten times shorter, 10: ten times longer): an
 * opening burst of `opening` creates, deletes and extends started within 1 s,
 * then Poisson arrivals (mean gap 4 s, a quarter of them bursts of 2–8 of one
 * type) up to `jobs`; durations log-normal, σ 0.5, around `factor` × the priors'
 * medians, at least 200 ms.
 */
export function scaledFleet(options: { readonly name: string; readonly seed: number; readonly jobs: number; readonly opening: number; readonly factor: number }): Fleet {
  const random = new Random(options.seed);
  const jobs: FleetJob[] = [];
  const add = (type: SingleType, beginAt: number, burst: number): void => {
    jobs.push(singleJob(random, jobs.length, type, beginAt, PRIOR_MEDIANS[type] * options.factor, SIGMA, 200, burst));
  };
  for (let member = 0; member < options.opening; member++) add(SINGLE_TYPES[random.int(0, 2)]!, Math.round(FLEET_START + random.between(0, 1_000)), 0);
  let time = FLEET_START + 1_000;
  for (let burst = 1; jobs.length < options.jobs; burst++) {
    time += random.exponential(MEAN_GAP);
    const type = SINGLE_TYPES[random.int(0, 2)]!;
    const size = random.uniform() < BURST_PROBABILITY ? random.int(2, 8) : 1;
    for (let member = 0; member < size && jobs.length < options.jobs; member++) add(type, Math.round(time + (member === 0 ? 0 : random.between(0, 500))), burst);
  }
  return { name: options.name, start: FLEET_START, jobs };
}

/**
 * Ids read from a file: `files` lists of `perFile` ids, each watched at once
 * (30 min apart), of creates, deletes and extends that began 1–60 min before
 * and already finished (EVS mix durations, σ 0.5).
 */
export function oldIdsFleet(options: { readonly name: string; readonly seed: number; readonly files: number; readonly perFile: number }): Fleet {
  const random = new Random(options.seed);
  const jobs: FleetJob[] = [];
  for (let file = 0; file < options.files; file++) {
    const watchAt = FLEET_START + 3_600_000 + file * 1_800_000;
    for (let line = 0; line < options.perFile; line++) {
      const type = SINGLE_TYPES[random.int(0, 2)]!;
      const beginAt = Math.round(watchAt - random.between(60_000, 3_600_000));
      // Durations of the EVS mix, cut short of the watch: every one of these jobs is over.
      const job = singleJob(random, jobs.length, type, beginAt, MEDIANS[type]!, SIGMA, 1_000, file);
      jobs.push({ ...job, endAt: Math.min(job.endAt, watchAt - 1_000), watchAt });
    }
  }
  return { name: options.name, start: FLEET_START, jobs };
}
