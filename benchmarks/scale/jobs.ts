import { parseJob, type FetchJob } from '../lib/library.js';
import { Random } from '../lib/random.js';

/** Virtual time at which every job is watched. */
export const T0 = Date.UTC(2026, 0, 1);
/** No job ends before this (so the steady window sees polls only). */
export const FIRST_END = T0 + 30_000;

/**
 * N running create jobs in typed arrays (cheap, and counted in the baseline):
 * begun up to 30 s before T0, ending 30–40 s after it. Ids are 32 hex
 * characters whose last 8 encode the index, so no lookup table is needed.
 */
export class ScaleJobs {
  readonly ids: string[];
  readonly #beginAt: Float64Array;
  readonly #endAt: Float64Array;
  #polls = 0;

  constructor(size: number, seed: number) {
    const random = new Random(seed);
    const prefix = random.hexId().slice(0, 24);
    this.ids = new Array<string>(size);
    this.#beginAt = new Float64Array(size);
    this.#endAt = new Float64Array(size);
    for (let index = 0; index < size; index++) {
      this.ids[index] = [prefix, index.toString(16).padStart(8, '0')].join('');
      this.#beginAt[index] = Math.round(T0 - random.between(0, 30_000));
      this.#endAt[index] = Math.round(FIRST_END + random.between(0, 10_000));
    }
  }

  get polls(): number {
    return this.#polls;
  }

  /** Answers at once with the job's state at `now()`, parsed by the library's parseJob. */
  fetcher(now: () => number): FetchJob {
    return (jobId) => {
      this.#polls += 1;
      const index = Number.parseInt(jobId.slice(24), 16);
      const time = now();
      const done = time >= this.#endAt[index]!;
      return Promise.resolve(
        parseJob({
          status: done ? 'SUCCESS' : 'RUNNING',
          entities: { volume_id: `0b549095-4937-4849-8e4c-${jobId.slice(20)}` },
          job_id: jobId,
          job_type: 'createVolume',
          begin_time: new Date(this.#beginAt[index]!).toISOString(),
          end_time: done ? new Date(this.#endAt[index]!).toISOString() : '',
          error_code: null,
          fail_reason: null,
        }),
      );
    };
  }
}
