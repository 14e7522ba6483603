/**
 * Where one fleet lives in Redis. Every key shares the hash tag `{name}`, so a
 * Redis Cluster keeps a fleet in one slot and its scripts may touch them together.
 */
export interface FleetKeys {
  /** Prefix of every key, `evsjw:{name}:`. */
  readonly prefix: string;
  /** Sorted set: job id → when it is next due (Redis ms), or when its lease ends while claimed. */
  readonly due: string;
  /**
   * Hash: the fleet's control, read once per claim: `epoch` (a random id per data set: a Redis that lost
   * its data has another or none), the request budget with its pause and AIMD rate (see lua/budget.ts),
   * and `a:<credential key hash>` = `<until ms>|<error>` while credentials are stopped.
   */
  readonly control: string;
  /** Hash: what the fleet learned (`rev`, `blob`). */
  readonly learned: string;
  /** Counter giving each worker its number. */
  readonly workers: string;
  /** Pub/sub channel: outcomes (`o`), credential stops (`a`), new due jobs (`w`). */
  readonly channel: string;
  /** String: a finished job's outcome, kept for `outcomeTtl`. */
  outcome(jobId: string): string;
}

export function fleetKeys(name: string): FleetKeys {
  const prefix = `evsjw:{${name}}:`;
  return {
    prefix,
    due: `${prefix}due`,
    control: `${prefix}fleet`,
    learned: `${prefix}learned`,
    workers: `${prefix}workers`,
    channel: `${prefix}events`,
    outcome: (jobId) => `${prefix}o:${jobId}`,
  };
}

/** The hash holding a job's state: `state_key` of lua/prelude.ts, for tools and tests that read it. */
export function stateKey(prefix: string, jobId: string): string {
  let hash = 0;
  for (let index = 0; index < jobId.length; index++) hash = (hash * 31 + jobId.charCodeAt(index)) % 65_536;
  return `${prefix}s:${hash % 16_384}`;
}
