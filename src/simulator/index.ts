/**
 * A local HTTP server that behaves like Huawei Cloud EVS, for your tests and
 * for trying the CLI without a cloud account. It shares the job model and the
 * AK/SK signer with the client, never the watcher.
 * @module evs-job-watcher/simulator
 */

export { startSimulator } from './server.js';
export type { Simulator } from './server.js';
export type {
  AccessKeyAuth,
  ApiJobOptions,
  DurationDistribution,
  FaultKind,
  FaultOptions,
  FaultStep,
  JobSpec,
  Latency,
  RateLimit,
  SimulatorAuth,
  SimulatorOptions,
  TokenAuth,
} from './options.js';
export type { FaultCounter, RequestRecord, SimulatorStats } from './stats.js';
export type { KnownRoute, RouteName } from './routes.js';
