import { afterEach } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import type { EvsClientOptions } from '../../src/client/options.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import type { WatcherEvents } from '../../src/watcher/events.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { JobWatcherOptions, Logger, WatcherSettings } from '../../src/watcher/options.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';
import { FakeJobs, type FakeJobsOptions } from './fake-jobs.js';

/** Every event name of the watcher, in declaration order. */
export const EVENT_NAMES = [
  'statusChange',
  'subJobDone',
  'progress',
  'pendingPayment',
  'succeeded',
  'failed',
  'done',
  'pollError',
  'throttled',
  'timeout',
  'watchError',
  'authFailed',
] as const satisfies readonly (keyof WatcherEvents)[];

/** One event as the watcher emitted it, with the fake time it happened at (ms since the test's start). */
export type Recorded = { [E in keyof WatcherEvents]: { readonly event: E; readonly payload: WatcherEvents[E][0]; readonly at: number } }[keyof WatcherEvents];

/** Records every event of `watcher`, in order. */
export function recordEvents(watcher: JobWatcher, clock: FakeClock, t0 = clock.monotonicNow()): Recorded[] {
  const events: Recorded[] = [];
  for (const event of EVENT_NAMES) {
    watcher.on(event, (payload: unknown) => {
      events.push({ event, payload, at: clock.monotonicNow() - t0 } as Recorded);
    });
  }
  return events;
}

/** Payloads of one event kind, from {@link recordEvents}. */
export function payloads<E extends keyof WatcherEvents>(events: readonly Recorded[], event: E): WatcherEvents[E][0][] {
  return events.filter((recorded) => recorded.event === event).map((recorded) => recorded.payload as WatcherEvents[E][0]);
}

/** A logger that keeps every call. */
export interface RecordingLogger extends Logger {
  readonly calls: { readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly fields: object; readonly message: string }[];
}

export function recordingLogger(): RecordingLogger {
  const calls: RecordingLogger['calls'] = [];
  return {
    calls,
    debug: (fields, message) => calls.push({ level: 'debug', fields, message }),
    info: (fields, message) => calls.push({ level: 'info', fields, message }),
    warn: (fields, message) => calls.push({ level: 'warn', fields, message }),
    error: (fields, message) => calls.push({ level: 'error', fields, message }),
  };
}

/** A watcher on an in-memory EVS under a fake clock. */
export interface FakeSetup {
  readonly clock: FakeClock;
  readonly jobs: FakeJobs;
  readonly watcher: JobWatcher;
  /** Fake time when the setup was made. */
  readonly t0: number;
  readonly events: Recorded[];
  readonly logger: RecordingLogger;
  /** Fake ms since {@link t0}. */
  elapsed(): number;
}

/**
 * Deterministic defaults for behaviour tests: plain backoff, one poll per
 * second, no jitter. Tests override what they exercise.
 */
export const STEADY: WatcherSettings = { learn: false, jitter: 0, initialDelay: 1_000, factor: 1 };

/**
 * Makes watchers on in-memory jobs (see {@link FakeJobs}) and destroys every one
 * after each test. Call once at the top of a test file.
 */
export function useFakeWatchers(): (options?: WatcherSettings, fake?: FakeJobsOptions) => FakeSetup {
  const watchers: JobWatcher[] = [];
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((watcher) => watcher.destroy()));
  });
  return (options = {}, fake = {}) => {
    const clock = createFakeClock();
    const jobs = new FakeJobs(clock, fake);
    const logger = recordingLogger();
    const watcher = new JobWatcher({ fetchJob: jobs.fetchJob, clock, logger, ...STEADY, ...options });
    watchers.push(watcher);
    const t0 = clock.monotonicNow();
    return { clock, jobs, watcher, t0, logger, events: recordEvents(watcher, clock, t0), elapsed: () => clock.monotonicNow() - t0 };
  };
}

/** Simulators, clients and watchers over real HTTP, all closed after each test. */
export interface HttpHarness {
  simulator(options?: SimulatorOptions): Promise<Simulator>;
  client(simulator: Simulator, options?: Partial<EvsClientOptions>): EvsClient;
  watcher(options: JobWatcherOptions): JobWatcher;
}

/**
 * Starts simulators on 127.0.0.1 port 0, with clients and watchers, and closes
 * them all (watchers first) after each test. Call once at the top of a test file.
 */
export function useHttp(): HttpHarness {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  return {
    async simulator(options = {}) {
      const simulator = await startSimulator({ host: '127.0.0.1', port: 0, ...options });
      cleanups.push(() => simulator.close());
      return simulator;
    },
    client(simulator, options = {}) {
      const client = new EvsClient({ endpoint: simulator.url, projectId: simulator.projectId, credentials: 'none', env: {}, ...options });
      cleanups.push(() => client.destroy());
      return client;
    },
    watcher(options) {
      const watcher = new JobWatcher(options);
      cleanups.push(() => watcher.destroy());
      return watcher;
    },
  };
}

export { createFakeClock };
