import { isFinalStatus, type Job } from '../model/job.js';
import { ANY_TYPE } from '../schedule/duration-learner.js';
import { durationOf, type Planner } from '../watcher/planner.js';
import type { PollVerdict } from '../watcher/poll-rules.js';
import type { FleetConnection } from './connection.js';
import { LEARN } from './lua/fleet.js';
import { LuaScript } from './script.js';

/**
 * Sufficient statistics of ln(duration in ms) for one job type: weight, mean and
 * the weighted sum of squared deviations, so two merge exactly (Chan's formula)
 * in any order. The weight is capped, as the learner's is, so old samples fade.
 */
interface TypeStats {
  readonly weight: number;
  readonly mean: number;
  readonly m2: number;
  /** Real samples behind it. */
  readonly samples: number;
}

/**
 * What the fleet learned, as stored in Redis (`learned` hash, field `blob`, plain JSON, versioned).
 * When the learner's own mergeable statistics (`Planner.stats()` / `merge()`) land, they replace
 * `types` here: {@link SharedLearning.share} keeps its read-merge-compare-and-set, only the merge changes.
 */
interface FleetLearned {
  readonly format: 'evs-job-watcher/fleet-learned';
  readonly version: 1;
  readonly types: Readonly<Record<string, TypeStats>>;
}

/** The learner's window (schedule/duration-learner.ts): past this weight, old samples fade. */
const WINDOW = 200;
/** Tries of a compare-and-set that other workers keep winning before this share waits for the next. */
const TRIES = 3;
const LEARN_SCRIPT = new LuaScript(LEARN);

/**
 * Shares job durations across the fleet: each worker adds what it saw since its
 * last share to the fleet's statistics (read, merge, compare-and-set), then
 * plans from the merged whole, so a new worker starts warm.
 */
export class SharedLearning {
  readonly #planner: Planner;
  #delta = new Map<string, TypeStats>();

  constructor(planner: Planner) {
    this.#planner = planner;
  }

  /** Durations an answer showed: a final job's, and its sub-jobs' that just finished. */
  observe(verdict: PollVerdict): void {
    if (verdict.kind !== 'answered') return;
    if (verdict.progress !== undefined) for (const subJob of verdict.progress.finished) this.#add(subJob.jobType, subJob);
    if (verdict.state === 'final' && isFinalStatus(verdict.job.status)) {
      this.#add(verdict.job.jobType, verdict.job);
      this.#add(ANY_TYPE, verdict.job);
    }
  }

  /** Reads the fleet's statistics into the planner. */
  async load(conn: FleetConnection): Promise<void> {
    const { learned } = await this.#read(conn);
    if (learned !== undefined) this.#plan(learned);
  }

  /** Adds this worker's new samples to the fleet's, then plans from the result. */
  async share(conn: FleetConnection): Promise<void> {
    if (this.#delta.size === 0) return this.load(conn);
    const delta = this.#delta;
    this.#delta = new Map();
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const { revision, learned } = await this.#read(conn);
      const types: Record<string, TypeStats> = { ...learned?.types };
      for (const [type, stats] of delta) types[type] = merge(types[type], stats, WINDOW);
      const next: FleetLearned = { format: 'evs-job-watcher/fleet-learned', version: 1, types };
      if ((await conn.run(LEARN_SCRIPT, [conn.keys.learned], [revision, JSON.stringify(next)])) === 1) {
        this.#plan(next);
        return;
      }
    }
    for (const [type, stats] of delta) this.#delta.set(type, merge(this.#delta.get(type), stats, Number.POSITIVE_INFINITY));
  }

  #add(jobType: string, job: Job): void {
    const duration = durationOf(job);
    if (duration === undefined || !(duration >= 0)) return;
    const sample: TypeStats = { weight: 1, mean: Math.log(Math.max(1, duration)), m2: 0, samples: 1 };
    this.#delta.set(jobType, merge(this.#delta.get(jobType), sample, Number.POSITIVE_INFINITY));
  }

  async #read(conn: FleetConnection): Promise<{ revision: string; learned: FleetLearned | undefined }> {
    const [revision, blob] = await conn.redis.hmget(conn.keys.learned, 'rev', 'blob');
    const parsed = blob === null || blob === undefined ? undefined : (JSON.parse(blob) as Partial<FleetLearned>);
    // A version this code does not read is replaced by the next share, not merged into.
    const learned = parsed?.format === 'evs-job-watcher/fleet-learned' && parsed.version === 1 ? (parsed as FleetLearned) : undefined;
    return { revision: revision ?? '0', learned };
  }

  #plan(learned: FleetLearned): void {
    const types: Record<string, { mean: number; variance: number; weight: number; samples: number }> = {};
    for (const [type, { weight, mean, m2, samples }] of Object.entries(learned.types)) {
      if (weight > 0) types[type] = { mean, variance: m2 / weight, weight, samples };
    }
    this.#planner.load({ format: 'evs-job-watcher/learned', version: 1, learner: { types, overheads: {} } });
  }
}

/** Chan's parallel merge of two weighted samples, the weight then capped at `window`. */
function merge(a: TypeStats | undefined, b: TypeStats, window: number): TypeStats {
  if (a === undefined || a.weight === 0) return b;
  const weight = a.weight + b.weight;
  const delta = b.mean - a.mean;
  const mean = a.mean + (delta * b.weight) / weight;
  const m2 = a.m2 + b.m2 + (delta * delta * a.weight * b.weight) / weight;
  const scale = weight > window ? window / weight : 1;
  return { weight: weight * scale, mean, m2: m2 * scale, samples: a.samples + b.samples };
}
