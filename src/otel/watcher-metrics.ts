import { metrics, type Attributes, type Meter } from '@opentelemetry/api';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { VERSION } from '../client/version.js';
import type { KnownJobType } from '../model/job.js';
import { classifyPollError } from '../watcher/classify.js';
import { CHANNELS, type PollEndMessage, type ThrottledMessage } from '../watcher/diagnostics.js';
import type { JobDoneEvent } from '../watcher/events.js';
import type { JobWatcher } from '../watcher/job-watcher.js';

/** Options of {@link recordWatcherMetrics}. */
export interface WatcherMetricsOptions {
  /**
   * The meter to record with.
   * @default `metrics.getMeter('evs-job-watcher', version)` from `@opentelemetry/api` (a no-op until an SDK is registered)
   */
  readonly meter?: Meter | undefined;
}

/** Job types reported by name; any other is reported as `other`, so a broken service cannot grow the metric's cardinality. */
const JOB_TYPES: ReadonlySet<string> = new Set<KnownJobType>([
  'createVolume',
  'batchCreateVolume',
  'deleteVolume',
  'extendVolume',
  'bulkDeleteVolume',
  'deleteSingleVolume',
  'retypeVolume',
]);

/**
 * Records a watcher's work as OpenTelemetry metrics, read off its
 * `diagnostics_channel` messages and events:
 * - `evs_job_watcher.polls` (counter, `outcome`: `job`, an error kind such as `network`, `throttled`, `auth`, or `abandoned`);
 * - `evs_job_watcher.poll.duration` (histogram, ms, `outcome`);
 * - `evs_job_watcher.jobs.watched` (gauge, jobs being watched);
 * - `evs_job_watcher.throttle.pauses` (counter);
 * - `evs_job_watcher.job.duration` (histogram, s, `job_type`, `status`: `end_time − begin_time` of each finished job).
 *
 * No job id is ever an attribute. `@opentelemetry/api` is an optional peer dependency of this entry point only.
 * @returns a function that stops recording (removes every listener and callback it added).
 */
export function recordWatcherMetrics(watcher: JobWatcher, options: WatcherMetricsOptions = {}): () => void {
  const meter = options.meter ?? metrics.getMeter('evs-job-watcher', VERSION);
  const polls = meter.createCounter('evs_job_watcher.polls', { description: 'Polls of the jobs API, by outcome', unit: '{poll}' });
  const pollDuration = meter.createHistogram('evs_job_watcher.poll.duration', { description: 'Time from sending a poll to its end', unit: 'ms' });
  const watched = meter.createObservableGauge('evs_job_watcher.jobs.watched', { description: 'Jobs being watched', unit: '{job}' });
  const pauses = meter.createCounter('evs_job_watcher.throttle.pauses', { description: 'Times all polling paused because the API throttled us', unit: '{pause}' });
  const jobDuration = meter.createHistogram('evs_job_watcher.job.duration', { description: 'end_time − begin_time of finished jobs', unit: 's' });

  const onPollEnd = (message: unknown): void => {
    const { watcher: source, outcome, error, durationMs } = message as PollEndMessage;
    if (source !== watcher) return;
    const attributes: Attributes = { outcome: outcome === 'error' ? classifyPollError(error).kind : outcome };
    polls.add(1, attributes);
    pollDuration.record(durationMs, attributes);
  };
  const onThrottled = (message: unknown): void => {
    if ((message as ThrottledMessage).watcher === watcher) pauses.add(1);
  };
  const onDone = ({ job }: JobDoneEvent): void => {
    if (job.beginTime === undefined || job.endTime === undefined) return;
    const jobType = JOB_TYPES.has(job.jobType) ? job.jobType : 'other';
    jobDuration.record((job.endTime.getTime() - job.beginTime.getTime()) / 1_000, { job_type: jobType, status: job.status });
  };
  const observe = (result: { observe(value: number): void }): void => result.observe(watcher.stats().watched);

  subscribe(CHANNELS.pollEnd, onPollEnd);
  subscribe(CHANNELS.throttled, onThrottled);
  watcher.on('done', onDone);
  watched.addCallback(observe);
  return () => {
    unsubscribe(CHANNELS.pollEnd, onPollEnd);
    unsubscribe(CHANNELS.throttled, onThrottled);
    watcher.off('done', onDone);
    watched.removeCallback(observe);
  };
}
