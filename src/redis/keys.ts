/**
 * Where one fleet lives in Redis. Every key shares the hash tag `{name}`, so a
 * Redis Cluster keeps a fleet in one slot and its scripts may touch them together.
 */
export interface FleetKeys {
  /** Prefix of every key, `evsjw:{name}:`. */
  readonly prefix: string;
  /** Sorted set: job id → when it is next due (Redis ms), or when its lease ends while claimed. */
  readonly due: string;
  /** Hash: the request budget, its pause and its AIMD rate (see lua/budget.ts). */
  readonly budget: string;
  /** A random id per data set: a Redis that lost its data has another or none. */
  readonly epoch: string;
  /** Hash: what the fleet learned (`rev`, `blob`). */
  readonly learned: string;
  /** Counter giving each worker its number. */
  readonly workers: string;
  /** Pub/sub channel: outcomes (`o`), credential stops (`a`), new due jobs (`w`). */
  readonly channel: string;
  /** String: why credentials with this key were refused, while the stop lasts. */
  auth(credentialKey: string): string;
  /** String: a finished job's outcome, kept for `outcomeTtl`. */
  outcome(jobId: string): string;
}

export function fleetKeys(name: string): FleetKeys {
  const prefix = `evsjw:{${name}}:`;
  return {
    prefix,
    due: `${prefix}due`,
    budget: `${prefix}budget`,
    epoch: `${prefix}epoch`,
    learned: `${prefix}learned`,
    workers: `${prefix}workers`,
    channel: `${prefix}events`,
    auth: (credentialKey) => `${prefix}auth:${credentialKey}`,
    outcome: (jobId) => `${prefix}o:${jobId}`,
  };
}

/** The hash holding a job's state: `state_key` of lua/prelude.ts, for tools and tests that read it. */
export function stateKey(prefix: string, jobId: string): string {
  let hash = 0;
  for (let index = 0; index < jobId.length; index++) hash = (hash * 31 + jobId.charCodeAt(index)) % 65_536;
  return `${prefix}s:${hash % 16_384}`;
}
