import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { recordWatcherMetrics } from '../../src/otel/index.js';
import { track } from '../helpers/time.js';
import { useFakeWatchers } from '../helpers/watcher.js';

const setup = useFakeWatchers();
const providers: MeterProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.shutdown()));
});

/** A real OpenTelemetry SDK meter whose metrics are read on demand. */
function sdk(): { provider: MeterProvider; read: () => Promise<Map<string, DataPoint<unknown>[]>> } {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  providers.push(provider);
  return {
    provider,
    read: async () => {
      await reader.forceFlush();
      const metrics = new Map<string, DataPoint<unknown>[]>();
      for (const metric of exporter.getMetrics().at(-1)?.scopeMetrics.flatMap((scope) => scope.metrics) ?? []) metrics.set(metric.descriptor.name, metric.dataPoints);
      exporter.reset();
      return metrics;
    },
  };
}

describe('recordWatcherMetrics (OpenTelemetry, in-memory reader of the real SDK)', () => {
  it('counts polls by outcome, times them, gauges watched jobs and records job durations by type, with no job id', async () => {
    const s = setup({}, { latency: 100 });
    const { provider, read } = sdk();
    const stop = recordWatcherMetrics(s.watcher, { meter: provider.getMeter('test') });
    const fast = s.jobs.add({ jobType: 'createVolume', duration: 2_000 });
    const slow = s.jobs.add({ jobType: 'extendVolume', duration: 60_000 });
    s.jobs.fail(fast, 'network');
    s.jobs.fail(slow, { throttle: 1_000 });
    const watches = [track(s.watcher.watch(fast)), track(s.watcher.watch(slow))];
    await s.clock.tick(5_000);
    expect(watches[0]!.value?.status).toBe('SUCCESS');

    const metrics = await read();
    const polls = metrics.get('evs_job_watcher.polls')!.map(({ attributes, value }) => [attributes['outcome'], value]);
    expect(Object.fromEntries(polls)).toMatchObject({ network: 1, throttled: 1, job: expect.any(Number) as unknown });
    const durations = metrics.get('evs_job_watcher.poll.duration')!;
    expect(durations.every((point) => (point.value as Histogram).min === 100)).toBe(true);
    expect(metrics.get('evs_job_watcher.jobs.watched')!.map((point) => point.value)).toEqual([1]);
    expect(metrics.get('evs_job_watcher.throttle.pauses')!.map((point) => point.value)).toEqual([1]);
    const jobs = metrics.get('evs_job_watcher.job.duration')!;
    expect(jobs.map(({ attributes, value }) => [attributes, (value as Histogram).sum])).toEqual([[{ job_type: 'createVolume', status: 'SUCCESS' }, 2]]);
    const attributes = [...metrics.values()].flat().flatMap((point) => Object.values(point.attributes));
    expect(attributes).not.toContain(fast);
    expect(attributes).not.toContain(slow);

    stop();
    await s.clock.tick(120_000);
    // Stopped: nothing more is counted (cumulative values stay where they were).
    expect((await read()).get('evs_job_watcher.job.duration')!.length).toBe(1);
  });

  it('is a no-op until an SDK is registered: the global meter records nothing and costs nothing', async () => {
    const s = setup();
    const stop = recordWatcherMetrics(s.watcher);
    const watch = track(s.watcher.watch(s.jobs.add({ duration: 1_000 })));
    await s.clock.tick(2_000);
    expect(watch.value?.status).toBe('SUCCESS');
    stop();
  });
});
