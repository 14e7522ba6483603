import { describe, expectTypeOf, it } from 'vitest';
import {
  JobWatcher,
  type AuthError,
  type AuthFailedEvent,
  type EvsError,
  type Job,
  type JobDoneEvent,
  type PollErrorEvent,
  type ProgressEvent,
  type StatusChangeEvent,
  type SubJobDoneEvent,
  type ThrottledError,
  type ThrottledEvent,
  type TimeoutEvent,
  type WatcherSnapshot,
  type WatcherStats,
} from '../../src/index.js';

declare const job: Job;
const watcher = new JobWatcher({ fetchJob: () => Promise.resolve(job) });

describe('JobWatcher event payloads', () => {
  it('types statusChange with the job, its status and the previous one (undefined at first)', () => {
    watcher.on('statusChange', (event) => {
      expectTypeOf(event).toEqualTypeOf<StatusChangeEvent>();
      expectTypeOf(event.jobId).toEqualTypeOf<string>();
      expectTypeOf(event.job).toEqualTypeOf<Job>();
      expectTypeOf(event.status).toEqualTypeOf<Job['status']>();
      expectTypeOf(event.previous).toEqualTypeOf<Job['status'] | undefined>();
    });
  });

  it('types subJobDone and progress with the sub-job counts', () => {
    watcher.on('subJobDone', (event) => {
      expectTypeOf(event).toEqualTypeOf<SubJobDoneEvent>();
      expectTypeOf(event.subJob).toEqualTypeOf<Job>();
      expectTypeOf(event.parent).toEqualTypeOf<Job>();
      expectTypeOf(event).toMatchTypeOf<{ readonly done: number; readonly failed: number; readonly total: number }>();
    });
    watcher.on('progress', (event) => {
      expectTypeOf(event).toEqualTypeOf<ProgressEvent>();
      expectTypeOf(event.job).toEqualTypeOf<Job>();
      expectTypeOf(event.done).toEqualTypeOf<number>();
    });
  });

  it('types succeeded, failed and done with the final job', () => {
    watcher.on('succeeded', (event) => expectTypeOf(event).toEqualTypeOf<JobDoneEvent>());
    watcher.on('failed', (event) => expectTypeOf(event).toEqualTypeOf<JobDoneEvent>());
    watcher.on('done', (event) => {
      expectTypeOf(event).toEqualTypeOf<JobDoneEvent>();
      expectTypeOf(event.job).toEqualTypeOf<Job>();
    });
  });

  it('types pollError, throttled, timeout and authFailed', () => {
    watcher.on('pollError', (event) => {
      expectTypeOf(event).toEqualTypeOf<PollErrorEvent>();
      expectTypeOf(event.error).toEqualTypeOf<EvsError>();
      expectTypeOf(event.attempt).toEqualTypeOf<number>();
      expectTypeOf(event.retryIn).toEqualTypeOf<number>();
    });
    watcher.on('throttled', (event) => {
      expectTypeOf(event).toEqualTypeOf<ThrottledEvent>();
      expectTypeOf(event.error).toEqualTypeOf<ThrottledError>();
      expectTypeOf(event.retryAfter).toEqualTypeOf<number | undefined>();
      expectTypeOf(event.pause).toEqualTypeOf<number>();
      expectTypeOf(event.rate).toEqualTypeOf<number>();
    });
    watcher.on('timeout', (event) => {
      expectTypeOf(event).toEqualTypeOf<TimeoutEvent>();
      expectTypeOf(event.job).toEqualTypeOf<Job | undefined>();
      expectTypeOf(event.timeout).toEqualTypeOf<number>();
    });
    watcher.on('authFailed', (event) => {
      expectTypeOf(event).toEqualTypeOf<AuthFailedEvent>();
      expectTypeOf(event.error).toEqualTypeOf<AuthError>();
    });
  });

  it('refuses unknown events and listeners of the wrong shape', () => {
    // @ts-expect-error: no such event
    watcher.on('finished', () => undefined);
    // @ts-expect-error: statusChange payloads are not subJobDone payloads
    watcher.on('statusChange', (event: SubJobDoneEvent) => event);
    // @ts-expect-error: payloads are one object, not positional arguments
    watcher.on('done', (_event: JobDoneEvent, _extra: string) => undefined);
  });

  it('lets once/off/listenerCount use the same map', () => {
    const listener = (event: StatusChangeEvent): void => {
      expectTypeOf(event.status).toEqualTypeOf<Job['status']>();
    };
    watcher.once('statusChange', listener);
    watcher.off('statusChange', listener);
    expectTypeOf(watcher.listenerCount('done')).toEqualTypeOf<number>();
  });
});

describe('JobWatcher methods', () => {
  it('watch() returns Promise<Job>, watchAll() Promise<Job[]>', () => {
    expectTypeOf(watcher.watch('4010a32d535527910153552b492c0002')).toEqualTypeOf<Promise<Job>>();
    expectTypeOf(watcher.watch('id', { timeout: 1_000, throwOnFail: true, jobType: 'createVolume', signal: AbortSignal.timeout(1) })).toEqualTypeOf<Promise<Job>>();
    expectTypeOf(watcher.watchAll(['a', 'b'])).toEqualTypeOf<Promise<Job[]>>();
  });

  it('types stats(), snapshot(), restore() and the lifecycle', () => {
    expectTypeOf(watcher.stats()).toEqualTypeOf<WatcherStats>();
    expectTypeOf(watcher.snapshot()).toEqualTypeOf<WatcherSnapshot>();
    expectTypeOf(watcher.restore).parameter(0).toEqualTypeOf<WatcherSnapshot>();
    expectTypeOf(watcher.restore(watcher.snapshot())).toEqualTypeOf<Map<string, Promise<Job>>>();
    expectTypeOf(watcher.close()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(watcher.destroy()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(watcher[Symbol.asyncDispose]()).toEqualTypeOf<Promise<void>>();
  });
});

describe('JobWatcher options reject wrong types', () => {
  const fetchJob = (): Promise<Job> => Promise.resolve(job);

  it('accepts a client or a fetchJob with the documented option types', () => {
    expectTypeOf(new JobWatcher({ fetchJob, concurrency: 5, maxRequestsPerSecond: 10, learn: false, durations: { createVolume: { median: 25_000, spread: 0.5 } } })).toEqualTypeOf<JobWatcher>();
    expectTypeOf(new JobWatcher({ client: { getJob: () => Promise.resolve(job) } })).toEqualTypeOf<JobWatcher>();
  });

  it('rejects wrong option types at compile time', () => {
    // @ts-expect-error: concurrency is a number
    new JobWatcher({ fetchJob, concurrency: '10' });
    // @ts-expect-error: learn is a boolean
    new JobWatcher({ fetchJob, learn: 'yes' });
    // @ts-expect-error: timeout is in ms, a number
    new JobWatcher({ fetchJob, timeout: '2h' });
    // @ts-expect-error: fetchJob must return a Job (or a promise of one)
    new JobWatcher({ fetchJob: () => ({ job_id: 'x' }) });
    // @ts-expect-error: a prior needs a median and a spread
    new JobWatcher({ fetchJob, durations: { createVolume: { median: 1_000 } } });
    // @ts-expect-error: a logger needs debug, info, warn and error
    new JobWatcher({ fetchJob, logger: { debug: () => undefined } });
    // @ts-expect-error: unknown option
    new JobWatcher({ fetchJob, pollInterval: 1_000 });
    // @ts-expect-error: where jobs come from is required: client or fetchJob
    new JobWatcher({});
    // @ts-expect-error: …and exclusive
    new JobWatcher({ fetchJob, client: { getJob: fetchJob } });
  });

  it('accepts an explicit undefined for every optional field (exactOptionalPropertyTypes callers)', () => {
    const maybe = undefined as number | undefined;
    expectTypeOf(new JobWatcher({ fetchJob, concurrency: maybe, maxRequestsPerSecond: undefined, clock: undefined })).toEqualTypeOf<JobWatcher>();
    expectTypeOf(watcher.watch('id', { timeout: maybe, signal: undefined, jobType: undefined, throwOnFail: undefined })).toEqualTypeOf<Promise<Job>>();
  });

  it('types watchAll by its settle mode', () => {
    expectTypeOf(watcher.watchAll(['a'])).toEqualTypeOf<Promise<Job[]>>();
    expectTypeOf(watcher.watchAll(['a'], { settle: 'all' })).toEqualTypeOf<Promise<PromiseSettledResult<Job>[]>>();
    expectTypeOf(watcher.add('a', { timeout: 1_000 })).toEqualTypeOf<boolean>();
  });

  it('rejects wrong watch option types at compile time', () => {
    // @ts-expect-error: timeout is a number
    void watcher.watch('id', { timeout: '10s' });
    // @ts-expect-error: signal is an AbortSignal
    void watcher.watch('id', { signal: new AbortController() });
    // @ts-expect-error: throwOnFail is a boolean
    void watcher.watch('id', { throwOnFail: 1 });
    // @ts-expect-error: the job id is a string
    void watcher.watch(42);
  });
});
