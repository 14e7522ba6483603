import type { EngineSetup, Fleet, PollEngine } from '../watcher/engine.js';
import { FleetEngine, type FleetStats } from './fleet-engine.js';
import { resolveFleetOptions, type RedisFleetOptions, type ResolvedFleetOptions } from './options.js';

/**
 * Many processes, one Redis: pass one to a `JobWatcher` as `fleet` and its watches, its request budget
 * (`maxRequestsPerSecond`, for the whole fleet) and what it learns are shared with every process of the
 * same `name`. Each job id has one polling schedule fleet-wide, claimed by workers under a lease with
 * a fencing token; outcomes are stored (for `outcomeTtl`) and published, so every process watching a
 * job settles when any one sees it finish. Redis needs `appendonly yes` to survive a restart.
 *
 * @example
 * const fleet = new RedisFleet({ redis: new Redis(url, { maxRetriesPerRequest: null }), name: 'evs-prod', lease: 30_000 });
 * const watcher = new JobWatcher({ client, fleet, maxRequestsPerSecond: 20 });
 */
export class RedisFleet implements Fleet {
  readonly #options: ResolvedFleetOptions;
  #engine: FleetEngine | undefined;

  /** @throws {TypeError} naming the first bad option. */
  constructor(options: RedisFleetOptions) {
    this.#options = resolveFleetOptions(options);
  }

  /** The fleet's name. */
  get name(): string {
    return this.#options.name;
  }

  /** Resolves once the watcher using this fleet has joined it (subscribed to outcomes, epoch read); at once without a watcher. */
  ready(): Promise<void> {
    return this.#engine?.started ?? Promise.resolve();
  }

  /** What this process did in the fleet: claims, jobs claimed, writes, writes fenced off, outcomes received. */
  stats(): FleetStats {
    return this.#engine?.fleetStats() ?? { owner: '', outcomes: 0, claims: 0, claimed: 0, commits: 0, fenced: 0 };
  }

  /**
   * @internal Called once by `JobWatcher`.
   * @throws {TypeError} when another watcher already uses this fleet.
   */
  createEngine(setup: EngineSetup): PollEngine {
    if (this.#engine !== undefined) throw new TypeError('Expected a RedisFleet to serve one JobWatcher: make one per watcher');
    this.#engine = new FleetEngine(this.#options, setup);
    return this.#engine;
  }
}
