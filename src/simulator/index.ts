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
