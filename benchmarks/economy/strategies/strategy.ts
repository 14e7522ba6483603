import type { Clock, FetchJob, Job } from '../../lib/library.js';
import type { FleetJob } from '../fleet.js';

/** What a strategy gets: the same transport and virtual clock as every other. */
export interface StrategyEnv {
  readonly fetchJob: FetchJob;
  readonly clock: Clock;
}

/** One way of waiting for jobs. `watch` is called when the job is created and must settle with its final state. */
export interface Runner {
  watch(job: FleetJob): Promise<Job>;
  close?(): Promise<void>;
}

export interface Strategy {
  readonly name: string;
  /** Where its schedule comes from. */
  readonly note: string;
  create(env: StrategyEnv): Runner;
}
