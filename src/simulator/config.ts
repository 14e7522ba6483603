import { systemClock, type Clock } from '../clock/clock.js';
import { decodePath } from '../client/auth/signer.js';
import type { ApiJobConfig } from './context.js';
import { checkDistribution, DEFAULT_API_DURATION } from './durations.js';
import { hexId } from './ids.js';
import type { JobDefaults } from './job-store.js';
import type { FaultOptions, SimulatorAuth, SimulatorOptions } from './options.js';
import { checkDuration, checkProbability, checkRange, checkString } from './validate.js';

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

/**
 * Merges defaults into `options` and checks each one (faults and auth are
 * checked where they are built, as `setFaults`/`setAuth` check them too).
 * @throws {TypeError} naming the first invalid option.
 */
export function resolveConfig(options: SimulatorOptions): SimulatorConfig {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? (() => clock.random());
  if (typeof random !== 'function') throw new TypeError(`Expected \`random\` to be a function, got \`${typeof random}\``);
  return {
    port: checkRange('port', options.port ?? 0, 0, 65_535, true),
    host: checkString('host', options.host ?? '127.0.0.1'),
    basePath: checkBasePath(options.basePath ?? ''),
    projectId: checkString('projectId', options.projectId ?? hexId(random)),
    clock,
    random,
    auth: options.auth,
    faults: options.faults ?? {},
    skew: checkSkew(options.skew ?? 0),
    maxSkew: checkDuration('maxSkew', options.maxSkew ?? DEFAULT_MAX_SKEW),
    recordRequests: options.recordRequests ?? false,
    jobDefaults: {
      duration: checkDuration('defaultDuration', options.defaultDuration ?? DEFAULT_DURATION),
      batchOverhead: checkDuration('batchOverhead', options.batchOverhead ?? DEFAULT_BATCH_OVERHEAD),
    },
    apiJobs: resolveApiJobs(options),
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
export function checkSkew(skew: number): number {
  return checkRange('skew', skew, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

function resolveApiJobs({ apiJobs = {} }: SimulatorOptions): ApiJobConfig {
  return {
    duration: checkDistribution('apiJobs.duration', apiJobs.duration ?? DEFAULT_API_DURATION),
    initDuration: checkDuration('apiJobs.initDuration', apiJobs.initDuration ?? 0),
    invisibleFor: checkDuration('apiJobs.invisibleFor', apiJobs.invisibleFor ?? 0),
    failureRate: checkProbability('apiJobs.failureRate', apiJobs.failureRate ?? 0),
  };
}
