import { addStats, diffStats, emptyStats, KEEP_HOURS, readStats, type DurationStats } from '../schedule/duration-stats.js';
import type { Planner } from '../watcher/planner.js';
import type { FleetConnection } from './connection.js';
import { LEARN } from './lua/fleet.js';
import { LuaScript } from './script.js';

/**
 * What the fleet learned, as stored in Redis (`learned` hash, field `blob`):
 * the planners' mergeable statistics (`Planner.stats()`, documented in
 * schedule/duration-stats.ts), finished counts only — what runs now is each
 * process's own to see — and the last {@link KEEP_HOURS} hours of them.
 */
interface FleetLearned {
  readonly format: 'evs-job-watcher/fleet-learned';
  readonly version: 2;
  readonly stats: DurationStats;
}

/** Tries of a compare-and-set that other workers keep winning before this share waits for the next. */
const TRIES = 3;
const LEARN_SCRIPT = new LuaScript(LEARN);

/**
 * Shares job durations across the fleet: each worker adds the counts its planner
 * gained since its last share to the fleet's (read, add, compare-and-set), and
 * merges into its planner what the others added, so a new worker starts warm.
 * Counts only add up, so the order in which workers share does not matter.
 */
export class SharedLearning {
  readonly #planner: Planner;
  /** The planner's finished counts as already accounted for: shared by this process, or merged from the fleet. */
  #accounted: DurationStats;
  /** The fleet's counts as last accounted for. */
  #fleet: DurationStats = emptyStats();

  constructor(planner: Planner) {
    this.#planner = planner;
    this.#accounted = finishedOnly(planner.stats());
  }

  /** Merges into the planner what the fleet learned that it has not seen. */
  async load(conn: FleetConnection): Promise<void> {
    const { stats } = await this.#read(conn);
    if (stats !== undefined) this.#adopt(stats, emptyStats());
  }

  /** Adds what this process learned since its last share to the fleet's counts, then merges the others'. */
  async share(conn: FleetConnection): Promise<void> {
    const local = finishedOnly(this.#planner.stats());
    const own = diffStats(local, this.#accounted);
    if (isEmpty(own)) return this.load(conn);
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const { revision, stats } = await this.#read(conn);
      const next = recent(addStats(stats ?? emptyStats(), own));
      const blob: FleetLearned = { format: 'evs-job-watcher/fleet-learned', version: 2, stats: next };
      if ((await conn.run(LEARN_SCRIPT, [conn.keys.learned], [revision, JSON.stringify(blob)])) === 1) {
        this.#accounted = addStats(this.#accounted, own);
        this.#adopt(next, own);
        return;
      }
    }
  }

  /** The fleet's counts `fleet` include `own` (just shared): the rest that is new came from the others. */
  #adopt(fleet: DurationStats, own: DurationStats): void {
    // Counts only grow; one that went down is an hour the fleet's blob dropped as too old.
    const others = gains(diffStats(fleet, addStats(this.#fleet, own)));
    this.#fleet = fleet;
    if (isEmpty(others)) return;
    this.#planner.merge(others);
    this.#accounted = addStats(this.#accounted, others);
  }

  async #read(conn: FleetConnection): Promise<{ revision: string; stats: DurationStats | undefined }> {
    const [revision, blob] = await conn.redis.hmget(conn.keys.learned, 'rev', 'blob');
    const parsed = blob === null || blob === undefined ? undefined : (JSON.parse(blob) as Partial<FleetLearned>);
    // A version this code does not read is replaced by the next share, not merged into.
    const stats = parsed?.format === 'evs-job-watcher/fleet-learned' && parsed.version === 2 ? readStats(parsed.stats, 'fleet.learned.stats') : undefined;
    return { revision: revision ?? '0', stats };
  }
}

/** `stats` without the running gauge (each process sees its own). */
function finishedOnly(stats: DurationStats): DurationStats {
  const types = Object.fromEntries(Object.entries(stats.types).map(([type, counts]) => [type, { finished: counts.finished, running: {} }]));
  return { ...stats, types };
}

/** `stats` without the hours the planners no longer weigh, so the fleet's blob does not grow for ever. */
function recent(stats: DurationStats): DurationStats {
  let newest = Number.NEGATIVE_INFINITY;
  for (const counts of Object.values(stats.types)) for (const hour of Object.keys(counts.finished)) newest = Math.max(newest, Number(hour));
  const types = Object.fromEntries(
    Object.entries(stats.types).map(([type, counts]) => [type, { finished: Object.fromEntries(Object.entries(counts.finished).filter(([hour]) => Number(hour) >= newest - KEEP_HOURS)), running: {} }]),
  );
  return { ...stats, types };
}

/** `stats` keeping only what went up. */
function gains(stats: DurationStats): DurationStats {
  const positive = <T extends object>(entries: Readonly<Record<string, T>>, keep: (value: T) => boolean): Record<string, T> =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => keep(value)));
  const types = Object.fromEntries(
    Object.entries(stats.types).map(([type, counts]) => {
      const finished = Object.fromEntries(
        Object.entries(counts.finished)
          .map(([hour, bins]) => [hour, Object.fromEntries(Object.entries(bins).filter(([, count]) => count > 0))] as const)
          .filter(([, bins]) => Object.keys(bins).length > 0),
      );
      return [type, { finished, running: {} }];
    }),
  );
  return { ...stats, types, overheads: positive(stats.overheads, (value) => value.count > 0), siblings: positive(stats.siblings, (value) => value.dof > 0) };
}

function isEmpty(stats: DurationStats): boolean {
  return (
    Object.values(stats.types).every((counts) => Object.keys(counts.finished).length === 0) && Object.keys(stats.overheads).length === 0 && Object.keys(stats.siblings).length === 0
  );
}
