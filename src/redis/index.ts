/**
 * Fleet mode: many worker processes, one Redis, one request budget. Needs `ioredis` 6 (an optional peer dependency).
 * @module evs-job-watcher/redis
 */
export { RedisFleet } from './redis-fleet.js';
export type { RedisFleetOptions } from './options.js';
export type { FleetStats } from './fleet-engine.js';
export type { WorkerStats } from './fleet-worker.js';
export { FleetStateLostError, FleetUnavailableError } from '../errors/fleet-errors.js';
