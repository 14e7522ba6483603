/**
 * OpenTelemetry metrics for a watcher. `@opentelemetry/api` is an optional peer
 * dependency of this entry point only: the main entry point never loads it.
 * @module evs-job-watcher/otel
 */

export { recordWatcherMetrics } from './watcher-metrics.js';
export type { WatcherMetricsOptions } from './watcher-metrics.js';
