import type { Clock } from '../clock/clock.js';
import type { CredentialVerifier } from './auth.js';
import type { Delays } from './delays.js';
import type { FaultPlan } from './faults.js';
import type { JobStore } from './job-store.js';
import type { DurationDistribution } from './options.js';
import type { StatsRecorder } from './stats.js';

/** `apiJobs` with every default filled in. */
export interface ApiJobConfig {
  readonly duration: DurationDistribution;
  readonly initDuration: number;
  readonly invisibleFor: number;
  readonly failureRate: number;
}

/** Everything a request handler reads; the mutable fields are what `setAuth`/`setFaults`/`setSkew` replace. */
export interface SimulatorContext {
  readonly clock: Clock;
  readonly random: () => number;
  readonly projectId: string;
  /** Decoded prefix every API path sits under; `''` for none. */
  readonly basePath: string;
  readonly store: JobStore;
  readonly stats: StatsRecorder;
  readonly delays: Delays;
  readonly apiJobs: ApiJobConfig;
  auth: CredentialVerifier | undefined;
  faults: FaultPlan;
  /** Server clock offset from `clock`, in ms. */
  skew: number;
}

/** The server's own idea of the time: the injected clock plus the skew. */
export function serverNow(context: SimulatorContext): number {
  return context.clock.wallNow() + context.skew;
}
