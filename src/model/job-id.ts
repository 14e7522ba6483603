/**
 * EVS and ECS job ids are 32 hex characters whose characters 16–28 are the
 * job's creation time in ms since the epoch (the layout of Hibernate's
 * UUIDHexGenerator: host, JVM start / 256, time, counter). The API reference's
 * sub-job `21917a8d52a19b040152a9f2f2e50041` decodes to 2016-02-04T01:43:37.445Z,
 * its `begin_time` to the millisecond. It is a heuristic, not a documented
 * contract: {@link jobAgeFromId} uses it only behind a plausibility guard.
 */
const TIMESTAMPED_ID = /^[0-9a-f]{32}$/i;

/** Decoded times this far ahead of the server's clock are taken as "just created" (ids are stamped a few ms after `begin_time`, clocks drift). */
export const ID_CLOCK_TOLERANCE = 60_000;
/**
 * The oldest decoded time taken as real, in ms: a week. The API reference does
 * not say how long the jobs API keeps jobs; a week is longer than any job it is
 * known to keep, and a random 32-hex id lands in this window about once in 470 000.
 */
export const MAX_ID_AGE = 7 * 24 * 3_600_000;

/** The creation time (ms since the epoch) written in `jobId`, or `undefined` when it is not a 32-hex-character id. */
export function jobIdTime(jobId: string): number | undefined {
  return TIMESTAMPED_ID.test(jobId) ? Number.parseInt(jobId.slice(16, 28), 16) : undefined;
}

/**
 * How long ago the job of `jobId` was created, in ms, by its id's timestamp on
 * the server's clock (`serverNow`, ms since the epoch); `undefined` when the id
 * carries no plausible time: not 32 hex characters, more than
 * {@link ID_CLOCK_TOLERANCE} in the future, or older than {@link MAX_ID_AGE}.
 */
export function jobAgeFromId(jobId: string, serverNow: number): number | undefined {
  const created = jobIdTime(jobId);
  if (created === undefined || !Number.isFinite(serverNow)) return undefined;
  const age = serverNow - created;
  return age < -ID_CLOCK_TOLERANCE || age > MAX_ID_AGE ? undefined : Math.max(0, age);
}
