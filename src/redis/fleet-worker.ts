import { Timer } from '../clock/timer.js';
import { within } from '../clock/within.js';
import type { AuthError } from '../errors/auth-error.js';
import { AbortError } from '../errors/request-errors.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import { backoffDelay } from '../schedule/backoff.js';
import type { EngineReports, EngineSetup } from '../watcher/engine.js';
import type { PollRules, PollVerdict } from '../watcher/poll-rules.js';
import { Poller, type PollInFlight } from '../watcher/poller.js';
import type { ResolvedOptions } from '../watcher/resolve-options.js';
import { Watch } from '../watcher/watch.js';
import type { FleetConnection } from './connection.js';
import { CLAIM } from './lua/claim.js';
import { COMMIT } from './lua/commit.js';
import { THROTTLE } from './lua/budget.js';
import type { ResolvedFleetOptions } from './options.js';
import { decodeAuthError, encodeJob, encodeRejection } from './outcome.js';
import { decodeRecord, encodeBatch, encodeRecord } from './record.js';
import { LuaScript } from './script.js';

const CLAIM_SCRIPT = new LuaScript(CLAIM);
const COMMIT_SCRIPT = new LuaScript(COMMIT);
const THROTTLE_SCRIPT = new LuaScript(THROTTLE);
/** Most jobs one claim takes. */
const MAX_CLAIM = 200;
/** Most entries one commit carries. */
const MAX_COMMIT = 200;
/** Retry delays after Redis failed a claim or a commit, in ms. */
const RETRY_BASE = 100;
const RETRY_MAX = 2_000;
/** Longest random delay added to a wake-up shared by several workers (ms), so they do not all claim at once. */
const SPREAD = 20;
/** Shortest gap between two claims that did not fill their batch, in ms: due jobs gather into fewer, larger claims. */
const CLAIM_GAP = 10;
/** Answers are written this long after the first of them, in ms, all in one script. */
const WRITE_GAP = 2;

/** A claimed job being polled: its fencing token, and its lease by both clocks. */
interface WorkItem {
  readonly fence: number;
  /** Redis time of the claim, ms. */
  readonly claimedAt: number;
}

/** What a worker tells the engine around it. */
export interface WorkerHooks {
  /** Redis said the fleet's data set is not the one of `epoch` (it lost its data). */
  lost(epoch: string): void;
  /** Credentials were refused: by a poll of this worker (`seenHere`), or as the fleet already knew. */
  authStop(error: AuthError, seenHere: boolean): void;
}

/** Counters of a worker's fleet work. */
export interface WorkerStats {
  /** Claim scripts run. */
  readonly claims: number;
  /** Jobs claimed. */
  readonly claimed: number;
  /** Commit scripts run. */
  readonly commits: number;
  /** Writes refused because another worker had claimed the job since (a late answer, after the lease). */
  readonly fenced: number;
}

/**
 * Polls the fleet's due jobs from this process: claims a batch under a lease
 * (taking the fleet's budget with it), polls each once, and commits what it
 * found under the claim's fencing token, in batches. One claim is in flight at
 * a time; the next is timed by what the last one said (due jobs, budget, pause).
 */
export class FleetWorker {
  readonly #conn: FleetConnection;
  readonly #fleet: ResolvedFleetOptions;
  readonly #options: ResolvedOptions;
  readonly #reports: EngineReports;
  readonly #rules: PollRules;
  readonly #hooks: WorkerHooks;
  readonly #owner: string;
  /** The hashed key of the credentials this process polls with. */
  readonly #credentialKey: string;
  readonly #poller: Poller;
  /** A poll is given at most this long (ms), so it ends well within its lease. */
  readonly #pollLimit: number;
  /** A poll that ends claims more only once this many slots are free: claims of one job each would cost a script per poll. */
  readonly #minBatch: number;
  readonly #items = new Map<Watch, WorkItem>();
  #queue: (string | number)[] = [];
  /** What to do once each queued entry is written under its fence (one per entry): report, learn. */
  #written: ((() => void) | undefined)[] = [];
  #flushing: Promise<void> | undefined;
  readonly #writeTimer: Timer;
  readonly #claimTimer: Timer;
  #nextClaimAt = 0;
  #claiming = false;
  #failures = 0;
  #stopping = false;
  #rate = Number.POSITIVE_INFINITY;
  #stats = { claims: 0, claimed: 0, commits: 0, fenced: 0 };

  constructor(
    conn: FleetConnection,
    fleet: ResolvedFleetOptions,
    setup: EngineSetup,
    rules: PollRules,
    identity: { readonly owner: string; readonly credentialKey: string },
    hooks: WorkerHooks,
  ) {
    this.#conn = conn;
    this.#fleet = fleet;
    this.#options = setup.options;
    this.#reports = setup.reports;
    this.#rules = rules;
    this.#owner = identity.owner;
    this.#credentialKey = identity.credentialKey;
    this.#hooks = hooks;
    this.#pollLimit = Math.max(1, Math.min(setup.options.pollTimeout, Math.floor(fleet.lease / 2)));
    this.#rate = setup.options.maxRequestsPerSecond ?? Number.POSITIVE_INFINITY;
    this.#minBatch = Math.max(1, Math.ceil(setup.options.concurrency / 4));
    const { clock } = setup.options;
    const { scheduler } = setup;
    this.#writeTimer = new Timer(clock);
    this.#claimTimer = new Timer(clock);
    this.#poller = new Poller({ ...setup.options, pollTimeout: this.#pollLimit }, clock, {
      answered: (watch, job) => this.#apply(watch, this.#rules.answer(watch, job, clock.monotonicNow())),
      failed: (watch, error) => this.#apply(watch, this.#rules.failure(watch, error)),
      scheduleTimeout: (poll, at) => scheduler.scheduleTimeout(poll, at),
      cancelTimeout: (poll) => scheduler.cancelTimeout(poll),
      freed: () => this.#pump(this.#minBatch),
    }, setup.diagnostics);
  }

  get inFlight(): number {
    return this.#poller.inFlight;
  }

  get sent(): number {
    return this.#poller.sent;
  }

  get latency(): number {
    return this.#poller.latency;
  }

  /** The fleet's request rate as this worker last learned it (`Infinity` = unlimited). */
  get rate(): number {
    return this.#rate;
  }

  stats(): WorkerStats {
    return { ...this.#stats };
  }

  /** Starts claiming. */
  start(): void {
    this.#pump();
  }

  /** A job may be due in `delay` ms (one was registered, or the data set renewed): claim then if that is sooner. */
  wake(delay: number): void {
    const at = this.#options.clock.monotonicNow() + Math.max(0, delay);
    if (at < this.#nextClaimAt || !this.#claimTimer.armed) this.#later(at - this.#options.clock.monotonicNow());
  }

  /** The scheduler's timeout handler. */
  timedOut(poll: PollInFlight): void {
    this.#poller.timedOut(poll);
  }

  /** Redis lost its data: polls in flight count for nothing, and nothing queued is written. */
  dropAll(): void {
    this.#queue = [];
    this.#written = [];
    for (const watch of [...this.#items.keys()]) {
      this.#items.delete(watch);
      watch.abortPoll(new AbortError('the fleet lost its state'));
    }
  }

  /**
   * Stops claiming; polls in flight finish and are written (or, with `abort`, are aborted and given back),
   * waiting at most `wait` ms for Redis to take the writes.
   */
  async stop(abort: boolean, wait: number): Promise<void> {
    this.#stopping = true;
    this.#claimTimer.clear();
    if (abort) this.#poller.abortAll(new AbortError('the watcher was destroyed'));
    else await this.#poller.drained();
    await within(this.#options.clock, wait, this.#flush());
  }

  /** Claims when at least `least` polls may start (1 once nothing is in flight). */
  #pump(least = 1): void {
    if (this.#stopping || this.#claiming) return;
    const free = (this.#poller.credentialsConfirmed ? this.#options.concurrency : 1) - this.#poller.inFlight;
    if (free < (this.#poller.inFlight === 0 ? 1 : least)) return;
    const now = this.#options.clock.monotonicNow();
    if (now < this.#nextClaimAt) {
      this.#claimTimer.ensure(this.#nextClaimAt - now, () => this.#pump());
      return;
    }
    void this.#claim(Math.min(free, MAX_CLAIM));
  }

  /** Claims again in `delay` ms. */
  #later(delay: number): void {
    if (this.#stopping) return;
    this.#nextClaimAt = this.#options.clock.monotonicNow() + delay;
    this.#claimTimer.set(delay, () => this.#pump());
  }

  /** A wake-up other workers may share, spread a little. */
  #spread(delay: number): number {
    return delay + this.#options.clock.random() * Math.min(SPREAD, delay / 2);
  }

  async #claim(want: number): Promise<void> {
    const { clock, maxRequestsPerSecond } = this.#options;
    const { keys } = this.#conn;
    this.#claiming = true;
    this.#stats.claims += 1;
    let reply: unknown[];
    const epoch = this.#conn.epoch;
    try {
      reply = (await this.#conn.run(
        CLAIM_SCRIPT,
        [keys.due, keys.control],
        [keys.prefix, epoch, want, this.#fleet.lease, this.#owner, maxRequestsPerSecond ?? 0, this.#fleet.burst, this.#credentialKey],
      )) as unknown[];
      this.#failures = 0;
    } catch (error) {
      this.#claiming = false;
      this.#failures += 1;
      const retryIn = backoffDelay(this.#failures, RETRY_BASE, RETRY_MAX, () => clock.random());
      this.#options.logger?.warn({ error: (error as Error).message, retryIn }, 'fleet: claim failed');
      this.#later(retryIn);
      return;
    }
    this.#claiming = false;
    const idle = this.#fleet.idleInterval;
    switch (reply[0]) {
      case 'lost':
        this.#later(idle);
        this.#hooks.lost(epoch);
        return;
      case 'auth':
        this.#hooks.authStop(decodeAuthError(String(reply[1])), false);
        return;
      case 'idle': {
        const next = Number(reply[2]);
        this.#later(next < 0 ? idle : Math.min(idle, Math.max(CLAIM_GAP, this.#spread(next))));
        return;
      }
      case 'wait':
        this.#later(Math.min(idle, this.#spread(Number(reply[2]))));
        return;
      default:
        this.#started(reply);
    }
  }

  /** A claim's jobs: each polled now, unless this process stopped meanwhile (then given back at once). */
  #started(reply: unknown[]): void {
    const now = this.#options.clock.monotonicNow();
    const claimedAt = Number(reply[1]);
    for (let index = 3; index + 4 < reply.length; index += 5) {
      const jobId = String(reply[index]);
      const fence = Number(reply[index + 1]);
      const record = decodeRecord(jobId, String(reply[index + 3]), Number(reply[index + 2]), String(reply[index + 4]));
      const watch = Watch.restore(record, now);
      this.#stats.claimed += 1;
      if (this.#stopping) {
        this.#queueWrite(jobId, fence, 'g', 0, 0, '', '-');
        continue;
      }
      this.#items.set(watch, { fence, claimedAt });
      this.#poller.start(watch);
      this.#options.logger?.debug({ jobId, poll: watch.polls, status: watch.status, fence }, 'poll');
    }
    const next = Number(reply[2]);
    this.#later(next === 0 ? 0 : next < 0 ? this.#fleet.idleInterval : Math.min(this.#fleet.idleInterval, Math.max(CLAIM_GAP, this.#spread(next))));
  }

  /** Writes what one poll found, under its claim's fence. */
  #apply(watch: Watch, verdict: PollVerdict): void {
    const item = this.#items.get(watch);
    if (item === undefined) return;
    this.#items.delete(watch);
    if (verdict.credentialsWork) this.#poller.confirmCredentials();
    const { jobId } = watch;
    // What a poll found is reported once it is written: an answer fenced off never was, for the fleet.
    switch (verdict.kind) {
      case 'answered': {
        const written = (): void => {
          this.#reports.polled(verdict.job, verdict.previous, verdict.progress);
        };
        if (verdict.state === 'final') this.#queueWrite(jobId, item.fence, 'o', 0, 0, encodeJob(verdict.job), '', written);
        else this.#writeNext(watch, item, verdict.delay, written);
        return;
      }
      case 'retry':
        if (this.#stopping) {
          this.#queueWrite(jobId, item.fence, 'g', 0, 0, '', '-');
          return;
        }
        this.#writeNext(watch, item, verdict.retryIn, () => this.#reports.pollError(watch, verdict.error, verdict.attempt, verdict.retryIn));
        return;
      case 'reject':
        this.#queueWrite(jobId, item.fence, 'o', 0, 0, encodeRejection(verdict.error), '');
        return;
      case 'throttled':
        void this.#throttled(watch, item, verdict.error);
        return;
      case 'auth':
        this.#queueWrite(jobId, item.fence, 'g', 0, 0, '', '-');
        this.#hooks.authStop(verdict.error, true);
    }
  }

  #writeNext(watch: Watch, item: WorkItem, delay: number, written: () => void): void {
    const now = this.#options.clock.monotonicNow();
    const record = watch.record(now);
    this.#queueWrite(watch.jobId, item.fence, 'n', Math.round(delay), Math.round(record.elapsed), encodeRecord(record), encodeBatch(record), written);
  }

  /** A 429: the whole fleet pauses (the script decides how long, once per episode); this job is due when it ends. */
  async #throttled(watch: Watch, item: WorkItem, error: ThrottledError): Promise<void> {
    const { clock, throttleDelay, maxThrottleDelay, maxRequestsPerSecond } = this.#options;
    let pause = error.retryAfter ?? throttleDelay;
    try {
      const [escalated, paused, rate] = (await this.#conn.run(
        THROTTLE_SCRIPT,
        [this.#conn.keys.control],
        [item.claimedAt, error.retryAfter ?? -1, throttleDelay, maxThrottleDelay, clock.random(), maxRequestsPerSecond ?? 0],
      )) as [number, number, string];
      pause = paused;
      this.#rate = Number(rate);
      if (escalated === 1) {
        this.#rules.counters.throttlePauses += 1;
        this.#options.logger?.warn({ pause, rate: this.#rate, retryAfter: error.retryAfter }, 'throttled by the API: pausing the whole fleet');
        this.#reports.throttled(error, { pause, rate: this.#rate, escalated: true });
      }
    } catch (failure) {
      this.#options.logger?.warn({ error: (failure as Error).message }, 'fleet: could not share a throttle pause');
    }
    this.#queueWrite(watch.jobId, item.fence, 'g', pause, 0, '', '-');
  }

  #queueWrite(jobId: string, fence: number, kind: 'n' | 'g' | 'o', delay: number, age: number, record: string, batch: string, written?: () => void): void {
    this.#queue.push(jobId, fence, kind, delay, age, record, batch);
    this.#written.push(written);
    if (this.#queue.length >= MAX_COMMIT * 7) {
      void this.#flush();
      return;
    }
    // Answers that arrive together are written together: one script for all of them.
    this.#writeTimer.ensure(WRITE_GAP, () => void this.#flush());
  }

  /** Writes the queue; a failed write is retried (its fences keep a write that comes too late harmless). */
  async #flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
    if (this.#queue.length === 0) return;
    const entries = this.#queue.splice(0, MAX_COMMIT * 7);
    const written = this.#written.splice(0, MAX_COMMIT);
    this.#flushing = this.#write(entries, written).finally(() => {
      this.#flushing = undefined;
    });
    await this.#flushing;
    if (this.#queue.length > 0) await this.#flush();
  }

  async #write(entries: (string | number)[], written: readonly ((() => void) | undefined)[]): Promise<void> {
    const { keys } = this.#conn;
    const { clock } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        this.#stats.commits += 1;
        const epoch = this.#conn.epoch;
        const reply = (await this.#conn.run(COMMIT_SCRIPT, [keys.due, keys.control], [keys.prefix, epoch, keys.channel, this.#fleet.outcomeTtl, ...entries])) as unknown[];
        if (reply[0] === 'lost') {
          this.#hooks.lost(epoch);
          return;
        }
        reply.forEach((ok, index) => {
          if (ok === 0) this.#stats.fenced += 1;
          else written[index]?.();
        });
        return;
      } catch (error) {
        // Past the lease another worker polls these jobs again; writing later is then fenced off anyway.
        if (this.#conn.down ? attempt * RETRY_MAX > this.#fleet.unavailableTimeout : attempt >= 3) {
          this.#options.logger?.warn({ error: (error as Error).message, entries: entries.length / 7 }, 'fleet: gave up writing polls; their jobs return to the fleet when the leases end');
          return;
        }
        await new Promise<void>((resolve) => clock.setTimeout(resolve, backoffDelay(attempt, RETRY_BASE, RETRY_MAX, () => clock.random())));
      }
    }
  }

}
