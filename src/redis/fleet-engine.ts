import { MAX_DELAY } from '../clock/clock.js';
import { Timer } from '../clock/timer.js';
import { within } from '../clock/within.js';
import { sha256Hex } from '../client/auth/signer.js';
import type { AuthError } from '../errors/auth-error.js';
import { EvsError } from '../errors/evs-error.js';
import { FleetStateLostError, FleetUnavailableError } from '../errors/fleet-errors.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import { backoffDelay } from '../schedule/backoff.js';
import type { EngineReports, EngineSetup, EngineStats, PollEngine } from '../watcher/engine.js';
import { NO_REPLANNING, Planner } from '../watcher/planner.js';
import { PollRules } from '../watcher/poll-rules.js';
import type { PollInFlight } from '../watcher/poller.js';
import type { ResolvedOptions } from '../watcher/resolve-options.js';
import type { LearnedState } from '../watcher/snapshot.js';
import { engineStats } from '../watcher/stats.js';
import { Watch, type WatchRecord } from '../watcher/watch.js';
import { FleetConnection } from './connection.js';
import { FleetWorker, type WorkerStats } from './fleet-worker.js';
import { AUTH_STOP } from './lua/fleet.js';
import { PULL, REGISTER, RELEASE } from './lua/register.js';
import type { ResolvedFleetOptions } from './options.js';
import { decodeAuthError, decodeOutcome, encodeAuthError, type Outcome } from './outcome.js';
import { initialRecord } from './record.js';
import { LuaScript } from './script.js';
import { SharedLearning } from './shared-learning.js';

const REGISTER_SCRIPT = new LuaScript(REGISTER);
const RELEASE_SCRIPT = new LuaScript(RELEASE);
const PULL_SCRIPT = new LuaScript(PULL);
const AUTH_STOP_SCRIPT = new LuaScript(AUTH_STOP);
/** Most jobs one register, release or outcome read carries. */
const BATCH = 500;
/** Retry delays of a registration Redis failed, in ms. */
const RETRY_BASE = 100;
const RETRY_MAX = 2_000;
/** Registrations that fail this many times for a reason other than a lost connection reject their watches. */
const MAX_ATTEMPTS = 5;
/** Latency assumed for a poll this process cannot measure (another process makes it), in ms. */
const MIN_LATENCY = 100;
/** Longest `close()` waits for each of its writes to Redis (the last polls, what was learned, interest released), in ms. */
const STOP_WAIT = 2_000;

/** What the fleet counts beside the watcher's stats. */
export interface FleetStats extends WorkerStats {
  /** This worker's id in job states (`owner`); '' when it does not poll. */
  readonly owner: string;
  /** Outcomes received for jobs watched here. */
  readonly outcomes: number;
}

/**
 * The poll engine of one watcher in a fleet. Its watches are this process's
 * interest in jobs the whole fleet polls: registered in Redis (in batches),
 * settled when any process publishes the outcome, released when nobody here
 * waits. When this process is a worker, its {@link FleetWorker} polls whatever
 * the fleet has due. Redis being away, losing its data, or credentials being
 * refused all end in a clear settlement of every watch, never a silent one.
 */
export class FleetEngine implements PollEngine {
  readonly #options: ResolvedOptions;
  readonly #fleet: ResolvedFleetOptions;
  readonly #reports: EngineReports;
  readonly #conn: FleetConnection;
  readonly #planner: Planner;
  readonly #rules: PollRules;
  readonly #learning: SharedLearning;
  readonly #worker: FleetWorker | undefined;
  readonly #owner: string;
  /** The hash naming this process's credentials in the fleet's auth stops. */
  readonly #credentialKey: string;
  readonly #watches = new Map<string, Watch>();
  /** Watches to register: 1 when new to the fleet from here, 0 when only their deadline moved. Sent ones leave it. */
  #toRegister = new Map<Watch, 0 | 1>();
  #toRelease: string[] = [];
  readonly #flushTimer: Timer;
  #flushing = false;
  readonly #learnTimer: Timer;
  #ready = false;
  readonly #started: Promise<void>;
  #stopped: AuthError | undefined;
  #stopping = false;
  /** Settles once the loss of a data set is handled (every watch rejected, the new epoch joined). */
  #losing: Promise<void> | undefined;
  #outcomes = 0;
  /** Recent round trip of a registration to Redis, in ms (exponentially weighted). */
  #roundTrip = 0;

  constructor(fleet: ResolvedFleetOptions, setup: EngineSetup) {
    const { options } = setup;
    this.#options = options;
    this.#fleet = fleet;
    this.#reports = setup.reports;
    const { clock } = options;
    const random = (): number => clock.random();
    this.#flushTimer = new Timer(clock);
    this.#learnTimer = new Timer(clock);
    this.#planner = new Planner(options, options.durations, random, NO_REPLANNING);
    this.#rules = new PollRules(options, this.#planner);
    this.#learning = new SharedLearning(this.#planner);
    this.#credentialKey = sha256Hex(`evs-job-watcher:credential:${fleet.credentialKey ?? options.credentialKey ?? 'default'}`).slice(0, 32);
    this.#conn = new FleetConnection(fleet.redis, fleet.name, fleet.unavailableTimeout, clock, options.logger, {
      message: (text) => this.#onMessage(text),
      resubscribed: () => void this.#recheck(),
      unavailable: (unavailableFor) => this.#unavailable(unavailableFor),
    });
    this.#owner = fleet.worker ? Math.floor(random() * 36 ** 6).toString(36) : '';
    this.#worker = fleet.worker
      ? new FleetWorker(this.#conn, fleet, setup, this.#rules, { owner: this.#owner, credentialKey: this.#credentialKey }, {
          lost: (epoch) => void this.#lost(epoch),
          authStop: (error, seenHere) => this.#authStop(error, seenHere),
        })
      : undefined;
    this.#started = this.#start().catch((error: unknown) => {
      if (!this.#stopping) this.#options.logger?.error({ error: (error as Error).message }, 'fleet: could not join the fleet');
    });
  }

  get stopped(): AuthError | undefined {
    return this.#stopped;
  }

  /**
   * How long a poll takes to come back from the fleet, in ms (the final poll before a deadline leaves twice
   * that early): a poll's own latency (at least {@link MIN_LATENCY}) plus a round trip to Redis.
   */
  get latency(): number {
    return Math.max(this.#worker?.latency ?? 0, MIN_LATENCY) + this.#roundTrip;
  }

  /** Resolves once this process has joined the fleet (subscribed, epoch known, learning loaded). */
  get started(): Promise<void> {
    return this.#started;
  }

  fleetStats(): FleetStats {
    return { owner: this.#owner, outcomes: this.#outcomes, ...(this.#worker?.stats() ?? { claims: 0, claimed: 0, commits: 0, fenced: 0 }) };
  }

  /** Polls never enter the watcher's heap: the fleet's schedule lives in Redis. */
  gate(): number {
    return Number.POSITIVE_INFINITY;
  }

  send(): void {}

  timedOut(poll: PollInFlight): void {
    this.#worker?.timedOut(poll);
  }

  get(jobId: string): Watch | undefined {
    return this.#watches.get(jobId);
  }

  watchFor(jobId: string, typeHint: string | undefined): Watch {
    const existing = this.#watches.get(jobId);
    if (existing !== undefined) {
      existing.hintType(typeHint);
      if (!this.#toRegister.has(existing)) this.#queueRegister(existing, 0);
      return existing;
    }
    const watch = new Watch(jobId, this.#options.clock.monotonicNow(), typeHint);
    this.#watches.set(jobId, watch);
    this.#queueRegister(watch, 1);
    return watch;
  }

  resume(record: WatchRecord): Watch {
    return this.watchFor(record.jobId, record.jobType);
  }

  release(watch: Watch): void {
    if (this.#watches.get(watch.jobId) !== watch) return;
    this.#watches.delete(watch.jobId);
    const pending = this.#toRegister.get(watch);
    this.#toRegister.delete(watch);
    // Never registered from here: nothing to take back.
    if (pending === 1 || this.#stopping) return;
    this.#toRelease.push(watch.jobId);
    this.#queueFlush();
  }

  lastCall(watch: Watch, latest: number): void {
    if (this.#watches.get(watch.jobId) !== watch || !this.#ready) return;
    const delay = Math.max(0, Math.round(latest - this.#options.clock.monotonicNow()));
    const { keys } = this.#conn;
    this.#conn.run(PULL_SCRIPT, [keys.due], [keys.prefix, watch.jobId, delay, keys.channel]).catch(() => undefined);
  }

  watches(): IterableIterator<Watch> {
    return this.#watches.values();
  }

  /** The fleet's schedule is in Redis; a snapshot's watch resumes by registering again. */
  nextPollIn(): number {
    return 0;
  }

  stats(): EngineStats {
    return engineStats(this.#rules.counters, {
      watched: this.#watches.size,
      inFlight: this.#worker?.inFlight ?? 0,
      pollsSent: this.#worker?.sent ?? 0,
      rateLimit: this.#worker?.rate ?? this.#options.maxRequestsPerSecond ?? Number.POSITIVE_INFINITY,
    });
  }

  learned(): LearnedState {
    return this.#planner.state();
  }

  learn(learned: unknown): boolean {
    return this.#planner.load(learned);
  }

  async stop(abort: boolean): Promise<void> {
    this.#stopping = true;
    this.#flushTimer.clear();
    this.#learnTimer.clear();
    if (this.#ready) {
      const { clock } = this.#options;
      // Every wait on Redis is bounded: a Redis that is gone (commands queue while ioredis reconnects) cannot hold close() up.
      if (this.#worker !== undefined) await this.#worker.stop(abort, STOP_WAIT);
      if (this.#worker !== undefined && !this.#conn.down) await within(clock, STOP_WAIT, this.#learning.share(this.#conn));
      const registered = [...this.#watches.values()].filter((watch) => this.#toRegister.get(watch) !== 1).map((watch) => watch.jobId);
      if (!this.#conn.down) await within(clock, STOP_WAIT, this.#release([...this.#toRelease, ...registered]));
    }
    this.#toRegister.clear();
    this.#toRelease = [];
    await this.#conn.close();
  }

  async #start(): Promise<void> {
    await this.#conn.start();
    await this.#learning.load(this.#conn).catch((error: unknown) => this.#options.logger?.warn({ error: (error as Error).message }, 'fleet: could not read what the fleet learned'));
    if (this.#stopping) return;
    this.#ready = true;
    this.#queueFlush();
    this.#worker?.start();
    this.#scheduleLearning();
  }

  #scheduleLearning(): void {
    this.#learnTimer.set(this.#fleet.learnInterval, () => {
      const sharing = this.#worker === undefined ? this.#learning.load(this.#conn) : this.#learning.share(this.#conn);
      void sharing
        .catch((error: unknown) => this.#options.logger?.warn({ error: (error as Error).message }, 'fleet: could not share what was learned'))
        .finally(() => {
          if (!this.#stopping) this.#scheduleLearning();
        });
    });
  }

  #queueRegister(watch: Watch, count: 0 | 1): void {
    this.#toRegister.set(watch, count);
    this.#queueFlush();
  }

  /** Registrations and releases made in one turn go to Redis together. */
  #queueFlush(): void {
    if (this.#flushing || !this.#ready || this.#stopping) return;
    this.#flushTimer.ensure(0, () => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (!this.#stopping && (this.#toRelease.length > 0 || this.#toRegister.size > 0)) {
        if (this.#toRelease.length > 0) await this.#release(this.#toRelease.splice(0, BATCH));
        else {
          const batch = [...this.#toRegister].slice(0, BATCH);
          for (const [watch] of batch) this.#toRegister.delete(watch);
          await this.#register(batch);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #release(jobIds: readonly string[]): Promise<void> {
    const { keys } = this.#conn;
    for (let index = 0; index < jobIds.length; index += BATCH) {
      await this.#conn.run(RELEASE_SCRIPT, [keys.due, keys.control], [keys.prefix, this.#conn.epoch, ...jobIds.slice(index, index + BATCH)]).catch(() => undefined);
    }
  }

  /** One batch of registrations; retried while Redis is away (then `unavailable` settles them), rejected after repeated other failures. */
  async #register(batch: readonly (readonly [Watch, 0 | 1])[]): Promise<void> {
    const { clock } = this.#options;
    const { keys } = this.#conn;
    const now = clock.monotonicNow();
    const args: (string | number)[] = [keys.prefix, this.#conn.epoch, keys.channel, this.#credentialKey];
    for (const [watch, count] of batch) {
      const delay = count === 1 ? Math.round(this.#planner.delay(watch, undefined, now)) : 0;
      const latest = this.#reports.latestDeadline(watch);
      const timeout = Math.min(MAX_DELAY, Math.max(1, Math.round((Number.isFinite(latest) ? latest : now + this.#options.timeout) - now)));
      args.push(watch.jobId, delay, timeout, initialRecord(watch.jobType), count);
    }
    const epoch = this.#conn.epoch;
    for (let attempt = 1; ; attempt++) {
      let reply: unknown[];
      const sentAt = clock.monotonicNow();
      try {
        reply = (await this.#conn.run(REGISTER_SCRIPT, [keys.due, keys.control], args)) as unknown[];
        this.#roundTrip += (clock.monotonicNow() - sentAt - this.#roundTrip) / 8;
      } catch (error) {
        if (this.#stopping) return;
        if (!this.#conn.down && attempt >= MAX_ATTEMPTS) {
          this.#rejectBatch(batch, new EvsError('EVS_FLEET_ERROR', `Redis refused to register jobs: ${(error as Error).message}`, { cause: error }));
          return;
        }
        await new Promise<void>((resolve) => clock.setTimeout(resolve, backoffDelay(attempt, RETRY_BASE, RETRY_MAX, () => clock.random())));
        if (batch.every(([watch]) => this.#watches.get(watch.jobId) !== watch)) return;
        continue;
      }
      if (reply[0] === 'lost') {
        // Refused for an epoch already given up: the watches of this batch still live here go to the new one.
        await (this.#losing ?? this.#lost(epoch));
        for (const [watch, count] of batch) if (this.#watches.get(watch.jobId) === watch && !this.#toRegister.has(watch)) this.#toRegister.set(watch, count);
      } else if (reply[0] === 'auth') this.#authStop(decodeAuthError(String(reply[1])), false);
      else for (let index = 1; index + 1 < reply.length; index += 2) this.#settle(String(reply[index]), String(reply[index + 1]));
      return;
    }
  }

  #rejectBatch(batch: readonly (readonly [Watch, 0 | 1])[], error: Error): void {
    for (const [watch] of batch) {
      if (this.#watches.get(watch.jobId) !== watch) continue;
      this.#watches.delete(watch.jobId);
      this.#reports.rejected(watch, error);
    }
  }

  #onMessage(text: string): void {
    const kind = text[0];
    if (kind === 'w') {
      this.#worker?.wake(Number(text.slice(1)));
      return;
    }
    const newline = text.indexOf('\n');
    if (newline < 0) return;
    const name = text.slice(1, newline);
    const payload = text.slice(newline + 1);
    if (kind === 'o') this.#settle(name, payload);
    else if (kind === 'a' && name === this.#credentialKey) this.#authStop(decodeAuthError(payload), false);
  }

  /** A job's outcome, from a message or a read: its watch here (if any) is forgotten, then its callers settle. */
  #settle(jobId: string, payload: string): void {
    const watch = this.#watches.get(jobId);
    if (watch === undefined) return;
    this.#watches.delete(jobId);
    this.#toRegister.delete(watch);
    this.#outcomes += 1;
    let outcome: Outcome;
    try {
      outcome = decodeOutcome(jobId, payload);
    } catch (error) {
      outcome = { kind: 'error', error: new InvalidResponseError(`the fleet stored an outcome this version cannot read: ${(error as Error).message}`, { field: '$', cause: error }) };
    }
    if (outcome.kind === 'job') this.#reports.finished(watch, outcome.job);
    else this.#reports.rejected(watch, outcome.error);
  }

  /** After a reconnect: outcomes published while this process was not subscribed are read from their keys. */
  async #recheck(): Promise<void> {
    if (!this.#ready || this.#stopping) return;
    const { keys, redis } = this.#conn;
    const epoch = this.#conn.epoch;
    try {
      if ((await redis.hget(keys.control, 'epoch')) !== epoch) {
        await this.#lost(epoch);
        return;
      }
      const jobIds = [...this.#watches.keys()];
      for (let index = 0; index < jobIds.length; index += BATCH) {
        const batch = jobIds.slice(index, index + BATCH);
        const outcomes = await redis.mget(batch.map((jobId) => keys.outcome(jobId)));
        outcomes.forEach((payload, at) => {
          if (payload !== null) this.#settle(batch[at]!, payload);
        });
      }
      this.#worker?.wake(0);
    } catch (error) {
      this.#options.logger?.warn({ error: (error as Error).message }, 'fleet: could not check for outcomes missed while disconnected');
    }
  }

  /** Redis no longer holds the data set of `epoch`: every watch here rejects, and the fleet starts over in the one it has. */
  #lost(epoch: string): Promise<void> {
    if (this.#losing !== undefined || epoch !== this.#conn.epoch || this.#stopping) return this.#losing ?? Promise.resolve();
    this.#losing = this.#handleLoss().finally(() => {
      this.#losing = undefined;
      this.#queueFlush();
    });
    return this.#losing;
  }

  async #handleLoss(): Promise<void> {
    try {
      this.#worker?.dropAll();
      const watches = [...this.#watches.values()];
      this.#watches.clear();
      this.#toRegister.clear();
      this.#toRelease = [];
      this.#options.logger?.error({ watches: watches.length }, "fleet: Redis lost the fleet's state (restarted without persistence?): rejecting every watch");
      const error = new FleetStateLostError();
      for (const watch of watches) this.#reports.rejected(watch, error);
      await this.#conn.renewEpoch();
      this.#worker?.wake(0);
    } catch (error) {
      this.#options.logger?.warn({ error: (error as Error).message }, 'fleet: could not join the new data set yet');
    }
  }

  /** Redis has been away too long: watches waiting here reject (Redis keeps what it has for when it is back). */
  #unavailable(unavailableFor: number): void {
    const watches = [...this.#watches.values()];
    if (watches.length === 0) return;
    this.#watches.clear();
    this.#toRegister.clear();
    this.#options.logger?.error({ watches: watches.length, unavailableFor }, 'fleet: Redis unreachable too long: rejecting the watches waiting here');
    const error = new FleetUnavailableError(unavailableFor);
    for (const watch of watches) this.#reports.rejected(watch, error);
  }

  /** Credentials refused: polling with them stops fleet-wide (told to the others when seen here), and every watch here rejects. */
  #authStop(error: AuthError, seenHere: boolean): void {
    if (this.#stopped !== undefined) return;
    this.#stopped = error;
    const { keys } = this.#conn;
    if (seenHere) {
      const args = [this.#fleet.authStop, encodeAuthError(error), keys.channel, this.#credentialKey];
      this.#conn.run(AUTH_STOP_SCRIPT, [keys.control], args).catch(() => undefined);
    }
    void this.#worker?.stop(true, STOP_WAIT);
    const watches = [...this.#watches.values()];
    this.#watches.clear();
    this.#toRegister.clear();
    this.#toRelease.push(...watches.map((watch) => watch.jobId));
    this.#queueFlush();
    this.#options.logger?.warn({ status: error.status, code: error.serviceCode, requestId: error.requestId }, 'credentials refused: stopped polling fleet-wide');
    this.#reports.authFailed(error, watches);
  }
}
