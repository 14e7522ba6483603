import { assertClock, systemClock, type Clock } from '../clock/clock.js';
import { assertInteger, assertNumber, got } from '../validation/numbers.js';
import { assertNonEmptyString } from '../validation/strings.js';
import { decodePath } from '../client/auth/signer.js';
import type { ApiJobConfig } from './context.js';
import { assertDistribution, assertTimeSpan, DEFAULT_API_DURATION } from './durations.js';
import { hexId } from './ids.js';
import type { JobDefaults } from './job-store.js';
import { assertOptions, keysOf } from '../validation/options.js';
import type { ApiJobOptions, FaultOptions, SimulatorAuth, SimulatorOptions } from './options.js';

/** {@link SimulatorOptions} validated, with every default filled in. */
export interface SimulatorConfig {
  readonly port: number;
  readonly host: string;
  /** Decoded, without a trailing `/`; `''` for none. */
  readonly basePath: string;
  readonly projectId: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly auth: SimulatorAuth | undefined;
  readonly faults: FaultOptions;
  readonly skew: number;
  readonly maxSkew: number;
  readonly recordRequests: boolean;
  readonly jobDefaults: JobDefaults;
  readonly apiJobs: ApiJobConfig;
}

const DEFAULT_MAX_SKEW = 15 * 60_000;
const DEFAULT_DURATION = 25_000;
const DEFAULT_BATCH_OVERHEAD = 2_000;

const SIMULATOR_KEYS = keysOf<SimulatorOptions>({
  port: true,
  host: true,
  basePath: true,
  projectId: true,
  clock: true,
  random: true,
  auth: true,
  faults: true,
  skew: true,
  maxSkew: true,
  recordRequests: true,
  defaultDuration: true,
  batchOverhead: true,
  apiJobs: true,
});

const API_JOB_KEYS = keysOf<ApiJobOptions>({ duration: true, initDuration: true, invisibleFor: true, failureRate: true });

/**
 * Merges defaults into `options` and checks each one (faults and auth are
 * checked where they are built, as `setFaults`/`setAuth` check them too).
 * @throws {TypeError} naming the first invalid option.
 */
export function resolveConfig(options: SimulatorOptions): SimulatorConfig {
  assertOptions('options', options, SIMULATOR_KEYS);
  const { port = 0, host = '127.0.0.1', clock = systemClock, skew = 0, maxSkew = DEFAULT_MAX_SKEW, recordRequests = false } = options;
  const { defaultDuration = DEFAULT_DURATION, batchOverhead = DEFAULT_BATCH_OVERHEAD } = options;
  assertClock('clock', clock);
  const random = options.random ?? (() => clock.random());
  if (typeof random !== 'function') throw new TypeError(`Expected \`random\` to be a function, got ${got(random)}`);
  const projectId = options.projectId ?? hexId(random);
  assertInteger('port', port, 0, 65_535);
  assertNonEmptyString('host', host);
  assertNonEmptyString('projectId', projectId);
  assertSkew(skew);
  assertTimeSpan('maxSkew', maxSkew);
  if (typeof recordRequests !== 'boolean') throw new TypeError(`Expected \`recordRequests\` to be a boolean, got ${got(recordRequests)}`);
  assertTimeSpan('defaultDuration', defaultDuration);
  assertTimeSpan('batchOverhead', batchOverhead);
  return {
    port,
    host,
    basePath: checkBasePath(options.basePath ?? ''),
    projectId,
    clock,
    random,
    auth: options.auth,
    faults: options.faults ?? {},
    skew,
    maxSkew,
    recordRequests,
    jobDefaults: { duration: defaultDuration, batchOverhead },
    apiJobs: resolveApiJobs(options.apiJobs ?? {}),
  };
}

/** A base path decoded once, without its trailing `/`. */
function checkBasePath(basePath: unknown): string {
  const decoded = typeof basePath === 'string' && /^(?:\/[^?#]*)?$/.test(basePath) && !/%2f/i.test(basePath) ? decodePath(basePath) : undefined;
  if (decoded === undefined) {
    throw new TypeError(`Expected \`basePath\` to be '' or a URL path like '/evs-proxy' (valid percent-encoding, no %2F, query or fragment), got ${JSON.stringify(basePath)}`);
  }
  return decoded.replace(/\/+$/, '');
}

/** A clock offset, in ms: any finite number. */
export function assertSkew(skew: unknown): asserts skew is number {
  assertNumber('skew', skew, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

function resolveApiJobs(apiJobs: ApiJobOptions): ApiJobConfig {
  assertOptions('apiJobs', apiJobs, API_JOB_KEYS);
  const { duration = DEFAULT_API_DURATION, initDuration = 0, invisibleFor = 0, failureRate = 0 } = apiJobs;
  assertDistribution('apiJobs.duration', duration);
  assertTimeSpan('apiJobs.initDuration', initDuration);
  assertTimeSpan('apiJobs.invisibleFor', invisibleFor);
  assertNumber('apiJobs.failureRate', failureRate, 0, 1);
  return { duration, initDuration, invisibleFor, failureRate };
}
