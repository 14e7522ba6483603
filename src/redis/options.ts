import type { Redis } from 'ioredis';
import { assertDelay, assertNumber, got } from '../validation/numbers.js';
import { assertOptions, keysOf } from '../validation/options.js';
import { assertNonEmptyString } from '../validation/strings.js';

/** Options of {@link RedisFleet}. */
export interface RedisFleetOptions {
  /**
   * An ioredis 6 client. The fleet runs its scripts on it and opens one `duplicate()` of it for pub/sub;
   * it never closes yours. Give it `maxRetriesPerRequest: null` so commands wait out a Redis restart.
   */
  readonly redis: Redis;
  /** Names the fleet: processes with one name share watches, the request budget and what is learned (one account each). Keys live under `evsjw:{name}:`. */
  readonly name: string;
  /**
   * How long a worker's claim on a job lasts, in ms: a worker that dies mid-poll loses its jobs to the
   * others after this. A poll is given at most half of it.
   * @default 30_000
   */
  readonly lease?: number | undefined;
  /**
   * Whether this process polls the fleet's jobs; `false` for one that only submits and awaits (an API server).
   * @default true
   */
  readonly worker?: boolean | undefined;
  /**
   * How long a finished job's outcome stays in Redis for late `watch()` calls, in ms.
   * @default 3_600_000 (1 h)
   */
  readonly outcomeTtl?: number | undefined;
  /**
   * How long Redis may stay unreachable before this process's watches reject with `FleetUnavailableError`, in ms.
   * Until then they wait, and resume when it is back.
   * @default 60_000
   */
  readonly unavailableTimeout?: number | undefined;
  /**
   * How long credentials the service refused (401/403) stay stopped for the whole fleet, in ms.
   * @default 600_000 (10 min: five bad signatures lock an AK for minutes)
   */
  readonly authStop?: number | undefined;
  /**
   * Names the credentials this process polls with, when its client has no `credentialKey` (an `EvsClient` has).
   * Hashed before use: even an AK passed here is never stored.
   * @default the client's `credentialKey`, else one key for the whole fleet
   */
  readonly credentialKey?: string | undefined;
  /**
   * Requests the budget lets through at once, in seconds of `maxRequestsPerSecond`: any second then
   * holds at most rate × (1 + burst) requests.
   * @default 0.02
   */
  readonly burst?: number | undefined;
  /**
   * Longest a worker waits between two claims when nothing is due, in ms (a job registered earlier wakes it at once).
   * @default 1_000
   */
  readonly idleInterval?: number | undefined;
  /**
   * How often a worker shares what it learned about job durations, in ms.
   * @default 10_000
   */
  readonly learnInterval?: number | undefined;
}

/** Every option resolved to a value. */
export interface ResolvedFleetOptions {
  readonly redis: Redis;
  readonly name: string;
  readonly lease: number;
  readonly worker: boolean;
  readonly outcomeTtl: number;
  readonly unavailableTimeout: number;
  readonly authStop: number;
  readonly credentialKey: string | undefined;
  readonly burst: number;
  readonly idleInterval: number;
  readonly learnInterval: number;
}

const KEYS = keysOf<RedisFleetOptions>({
  redis: true,
  name: true,
  lease: true,
  worker: true,
  outcomeTtl: true,
  unavailableTimeout: true,
  authStop: true,
  credentialKey: true,
  burst: true,
  idleInterval: true,
  learnInterval: true,
});

/**
 * Merges defaults and validates, once, with exact messages.
 * @throws {TypeError} naming the first bad option.
 */
export function resolveFleetOptions(options: RedisFleetOptions): ResolvedFleetOptions {
  assertOptions('options', options, KEYS);
  const { redis, name } = options;
  const client = redis as Partial<Redis> | undefined;
  if (typeof client?.evalsha !== 'function' || typeof client.duplicate !== 'function') {
    throw new TypeError(`Expected \`redis\` to be an ioredis client (new Redis(…)), got ${got(redis)}`);
  }
  assertNonEmptyString('name', name);
  if (!/^[\w.:-]{1,64}$/.test(name)) throw new TypeError(`Expected \`name\` to be 1 to 64 letters, digits or _ . : -, got ${JSON.stringify(name.slice(0, 80))}`);
  const resolved: ResolvedFleetOptions = {
    redis,
    name,
    lease: options.lease ?? 30_000,
    worker: options.worker ?? true,
    outcomeTtl: options.outcomeTtl ?? 3_600_000,
    unavailableTimeout: options.unavailableTimeout ?? 60_000,
    authStop: options.authStop ?? 600_000,
    credentialKey: options.credentialKey,
    burst: options.burst ?? 0.02,
    idleInterval: options.idleInterval ?? 1_000,
    learnInterval: options.learnInterval ?? 10_000,
  };
  assertDelay('lease', resolved.lease, 100);
  if (typeof resolved.worker !== 'boolean') throw new TypeError(`Expected \`worker\` to be a boolean, got ${got(resolved.worker)}`);
  assertDelay('outcomeTtl', resolved.outcomeTtl, 1_000);
  assertDelay('unavailableTimeout', resolved.unavailableTimeout, 1);
  assertDelay('authStop', resolved.authStop, 1_000);
  if (resolved.credentialKey !== undefined) assertNonEmptyString('credentialKey', resolved.credentialKey);
  assertNumber('burst', resolved.burst, 0, 10);
  assertDelay('idleInterval', resolved.idleInterval, 1);
  assertDelay('learnInterval', resolved.learnInterval, 1);
  return resolved;
}
