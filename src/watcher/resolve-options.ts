import { assertClock, systemClock, type Clock } from '../clock/clock.js';
import type { DurationPrior } from '../schedule/duration-learner.js';
import type { PolicyOptions } from '../schedule/poll-policy.js';
import type { ThrottleOptions } from '../schedule/throttle.js';
import { assertSafeId } from '../validation/ids.js';
import { assertDelay, assertInteger, assertNumber, got } from '../validation/numbers.js';
import { assertOptions } from '../validation/options.js';
import { assertSignal } from '../validation/signal.js';
import type { Fleet } from './engine.js';
import type { FetchJob } from './job-source.js';
import type { AddOptions, JobWatcherOptions, Logger, WatchAllOptions } from './options.js';

/** Every option resolved to a value. */
export interface ResolvedOptions extends PolicyOptions, ThrottleOptions {
  readonly fetchJob: FetchJob;
  /** The server's current wall-clock time, in ms since the epoch. */
  readonly serverNow: () => number;
  readonly concurrency: number;
  readonly durations: Readonly<Record<string, DurationPrior>>;
  readonly timeout: number;
  readonly pollTimeout: number;
  readonly successConfirmations: number;
  readonly confirmationDelay: number;
  readonly pendingPaymentInterval: number;
  readonly notFoundChecks: number;
  readonly errorDelay: number;
  readonly maxErrorDelay: number;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  readonly fleet: Fleet | undefined;
  /** The client's credential key (a hash, never a secret), when it has one. */
  readonly credentialKey: string | undefined;
}

const WATCHER_KEYS = [
  'client',
  'fetchJob',
  'concurrency',
  'maxRequestsPerSecond',
  'initialDelay',
  'factor',
  'maxDelay',
  'jitter',
  'maxLag',
  'maxLagRatio',
  'learn',
  'durations',
  'timeout',
  'pollTimeout',
  'successConfirmations',
  'confirmationDelay',
  'pendingPaymentInterval',
  'notFoundChecks',
  'errorDelay',
  'maxErrorDelay',
  'throttleDelay',
  'maxThrottleDelay',
  'clock',
  'logger',
  'restore',
  'fleet',
] as const satisfies readonly (keyof JobWatcherOptions)[];

/** The default of every numeric or boolean setting (ms for times). */
const DEFAULTS = {
  concurrency: 10,
  initialDelay: 2_000,
  maxDelay: 600_000,
  factor: 1.5,
  jitter: 0.1,
  maxLag: 10_000,
  maxLagRatio: 0.08,
  learn: true,
  timeout: 7_200_000,
  pollTimeout: 30_000,
  successConfirmations: 1,
  confirmationDelay: 2_000,
  pendingPaymentInterval: 300_000,
  notFoundChecks: 4,
  errorDelay: 1_000,
  maxErrorDelay: 30_000,
  throttleDelay: 2_000,
  maxThrottleDelay: 60_000,
} as const;

type Setting = keyof typeof DEFAULTS | 'maxRequestsPerSecond';

const delay =
  (min: number) =>
  (name: string, value: unknown): void =>
    assertDelay(name, value, min);
const integer =
  (min: number, max: number) =>
  (name: string, value: unknown): void =>
    assertInteger(name, value, min, max);
const number =
  (min: number, max: number) =>
  (name: string, value: unknown): void =>
    assertNumber(name, value, min, max);

/** How each setting is checked, in the order errors are reported. */
const CHECKS: Readonly<Record<Setting, (name: string, value: unknown) => void>> = {
  concurrency: integer(1, 10_000),
  maxRequestsPerSecond: (name, value) => value === undefined || assertNumber(name, value, 0.01, 1_000_000),
  initialDelay: delay(1),
  maxDelay: delay(1),
  factor: number(1, 100),
  jitter: number(0, 1),
  maxLag: delay(1),
  maxLagRatio: number(0, 10),
  learn: (name, value) => {
    if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be a boolean, got ${got(value)}`);
  },
  timeout: delay(1),
  pollTimeout: delay(1),
  successConfirmations: integer(1, 100),
  confirmationDelay: delay(1),
  pendingPaymentInterval: delay(1),
  notFoundChecks: integer(0, 1_000),
  errorDelay: delay(1),
  maxErrorDelay: delay(1),
  throttleDelay: delay(1),
  maxThrottleDelay: delay(1),
};

/**
 * Merges defaults (an explicit `undefined` means the default) and validates,
 * once, with exact messages.
 * @throws {TypeError} naming the first bad option.
 */
export function resolveOptions(options: JobWatcherOptions): ResolvedOptions {
  assertOptions('options', options, WATCHER_KEYS);
  const { client, fetchJob } = options;
  if ((client === undefined) === (fetchJob === undefined)) throw new TypeError('Expected exactly one of `client` or `fetchJob`');
  if (client !== undefined && typeof client.getJob !== 'function') throw new TypeError('Expected `client` to have a getJob() method');
  if (fetchJob !== undefined && typeof fetchJob !== 'function') throw new TypeError(`Expected \`fetchJob\` to be a function, got ${got(fetchJob)}`);
  const settings: Record<string, unknown> = { ...DEFAULTS };
  for (const name of Object.keys(CHECKS) as Setting[]) {
    const value = options[name] ?? settings[name];
    CHECKS[name](name, value);
    settings[name] = value;
  }
  const clock = options.clock ?? client?.clock ?? systemClock;
  assertClock(options.clock === undefined && client?.clock !== undefined ? 'client.clock' : 'clock', clock);
  const durations = options.durations ?? {};
  assertDurations(durations);
  const logger = options.logger;
  if (logger !== undefined) {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      if (typeof logger[level] !== 'function') throw new TypeError(`Expected \`logger.${level}\` to be a function`);
    }
  }
  const fleet = options.fleet;
  if (fleet !== undefined && typeof (fleet as Partial<Fleet> | null)?.createEngine !== 'function') {
    throw new TypeError(`Expected \`fleet\` to be a RedisFleet (from evs-job-watcher/redis), got ${got(fleet)}`);
  }
  return {
    ...(settings as Pick<ResolvedOptions, keyof typeof DEFAULTS | 'maxRequestsPerSecond'>),
    // The poll's options go through as they are: their signal is made only if the client reads it, and they ask for no retries.
    fetchJob: fetchJob ?? ((jobId, poll) => client.getJob(jobId, poll)),
    serverNow: typeof client?.serverNow === 'function' ? () => client.serverNow!() : () => clock.wallNow(),
    durations,
    clock,
    logger,
    fleet,
    credentialKey: typeof client?.credentialKey === 'string' ? client.credentialKey : undefined,
  };
}

function assertDurations(durations: unknown): asserts durations is Readonly<Record<string, DurationPrior>> {
  if (typeof durations !== 'object' || durations === null || Array.isArray(durations)) {
    throw new TypeError(`Expected \`durations\` to be an object, got ${got(durations)}`);
  }
  for (const [type, prior] of Object.entries(durations as Record<string, Partial<DurationPrior>>)) {
    assertOptions(`durations.${type}`, prior, ['median', 'spread']);
    assertNumber(`durations.${type}.median`, prior.median, 1, 2_147_483_647);
    assertNumber(`durations.${type}.spread`, prior.spread, 0.01, 5);
  }
}

const ADD_KEYS = ['timeout', 'signal', 'jobType'] as const satisfies readonly (keyof AddOptions)[];
const WATCH_KEYS = [...ADD_KEYS, 'throwOnFail'] as const;
const WATCH_ALL_KEYS = [...WATCH_KEYS, 'settle'] as const satisfies readonly (keyof WatchAllOptions)[];

/** Which call the options are for: they differ in what they accept. */
export type WatchCall = 'add' | 'watch' | 'watchAll';

/**
 * Checks a watch call's job ids and options, before anything is created or scheduled.
 * @throws {TypeError} naming the first bad id or option.
 */
export function validateWatchCall(call: WatchCall, jobIds: readonly unknown[], options: unknown): asserts options is WatchAllOptions {
  for (const jobId of jobIds) assertSafeId('jobId', jobId);
  assertOptions('options', options, call === 'add' ? ADD_KEYS : call === 'watch' ? WATCH_KEYS : WATCH_ALL_KEYS);
  const { timeout, signal, jobType, throwOnFail, settle } = options as WatchAllOptions;
  if (timeout !== undefined) assertDelay('timeout', timeout, 1);
  assertSignal('signal', signal);
  if (jobType !== undefined && typeof jobType !== 'string') throw new TypeError(`Expected \`jobType\` to be a string, got ${got(jobType)}`);
  if (throwOnFail !== undefined && typeof throwOnFail !== 'boolean') throw new TypeError(`Expected \`throwOnFail\` to be a boolean, got ${got(throwOnFail)}`);
  if (settle !== undefined && settle !== 'first-error' && settle !== 'all') throw new TypeError(`Expected \`settle\` to be 'first-error' or 'all', got ${got(settle)}`);
}

/**
 * The ids of a `watchAll` call as an array.
 * @throws {TypeError} for a string (an iterable of characters, not of ids) or anything not iterable.
 */
export function idList(jobIds: unknown): unknown[] {
  if (typeof jobIds === 'string' || typeof (jobIds as Iterable<unknown> | null)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`Expected \`jobIds\` to be an iterable of job ids (an array, a Set…), got ${typeof jobIds === 'string' ? 'a string' : got(jobIds)}`);
  }
  return Array.from(jobIds as Iterable<unknown>);
}
