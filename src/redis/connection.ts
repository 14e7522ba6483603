import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock/clock.js';
import { Timer } from '../clock/timer.js';
import type { Logger } from '../watcher/options.js';
import { fleetKeys, type FleetKeys } from './keys.js';
import { EPOCH } from './lua/fleet.js';
import { LuaScript } from './script.js';

/** What the connection tells the fleet engine. */
export interface ConnectionHooks {
  /** A message on the fleet's channel. */
  message(text: string): void;
  /** The subscription is back after a disconnect: what was published meanwhile was missed. */
  resubscribed(): void;
  /** Redis has been unreachable for `unavailableFor` ms, past the fleet's `unavailableTimeout`. */
  unavailable(unavailableFor: number): void;
}

const EPOCH_SCRIPT = new LuaScript(EPOCH);
/** First and longest wait before retrying a failed start, in ms. */
const RETRY_FIRST = 100;
const RETRY_MAX = 2_000;

/**
 * The fleet's two connections to Redis: the user's client for scripts, and one
 * duplicate subscribed to the fleet's channel. Knows the epoch of the data set it
 * joined, and how long Redis has been unreachable (either connection down counts).
 */
export class FleetConnection {
  readonly keys: FleetKeys;
  readonly redis: Redis;
  readonly #clock: Clock;
  readonly #hooks: ConnectionHooks;
  readonly #logger: Logger | undefined;
  readonly #unavailableTimeout: number;
  readonly #subscriber: Redis;
  readonly #down = new Set<Redis>();
  #downSince = Number.NaN;
  readonly #timer: Timer;
  #epoch = '';
  #started: Promise<void> | undefined;
  #closed = false;
  readonly #onClose: () => void;
  readonly #onReady: () => void;
  readonly #onSubscriberClose: () => void;
  readonly #onSubscriberReady: () => void;

  constructor(redis: Redis, name: string, unavailableTimeout: number, clock: Clock, logger: Logger | undefined, hooks: ConnectionHooks) {
    this.redis = redis;
    this.keys = fleetKeys(name);
    this.#clock = clock;
    this.#hooks = hooks;
    this.#logger = logger;
    this.#unavailableTimeout = unavailableTimeout;
    this.#timer = new Timer(clock);
    this.#subscriber = redis.duplicate();
    this.#onClose = () => this.#markDown(redis);
    this.#onReady = () => this.#markUp(redis);
    this.#onSubscriberClose = () => this.#markDown(this.#subscriber);
    this.#onSubscriberReady = () => {
      const wasDown = this.#down.has(this.#subscriber);
      this.#markUp(this.#subscriber);
      if (wasDown && this.#started !== undefined) void this.#resubscribe();
    };
    redis.on('close', this.#onClose);
    redis.on('ready', this.#onReady);
    this.#subscriber.on('close', this.#onSubscriberClose);
    this.#subscriber.on('ready', this.#onSubscriberReady);
    // ioredis would print unhandled 'error' events; the fleet logs them and waits for the reconnect.
    this.#subscriber.on('error', (error: Error) => this.#logger?.warn({ error: error.message }, 'fleet: Redis subscriber connection error'));
    this.#subscriber.on('message', (_channel: string, text: string) => this.#hooks.message(text));
  }

  /** The epoch of the data set this process works in ('' before {@link start}). */
  get epoch(): string {
    return this.#epoch;
  }

  /** Whether Redis is unreachable now. */
  get down(): boolean {
    return this.#down.size > 0;
  }

  /** Subscribes, then joins the data set's epoch: nothing is registered before both hold, so no outcome is missed. */
  start(): Promise<void> {
    this.#started ??= this.#retrying(async () => {
      await this.#subscriber.subscribe(this.keys.channel);
      this.#epoch = String(await EPOCH_SCRIPT.run(this.redis, [this.keys.control], [randomUUID()]));
    });
    return this.#started;
  }

  /** The data set was lost: joins the one Redis has now (made by whichever process gets there first). */
  async renewEpoch(): Promise<void> {
    this.#epoch = String(await EPOCH_SCRIPT.run(this.redis, [this.keys.control], [randomUUID()]));
  }

  /** Runs a script; a failure is the caller's to retry. */
  run(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return script.run(this.redis, keys, args);
  }

  /** Stops listening and closes the subscriber; the user's client stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer.clear();
    this.redis.off('close', this.#onClose);
    this.redis.off('ready', this.#onReady);
    this.#subscriber.off('close', this.#onSubscriberClose);
    this.#subscriber.off('ready', this.#onSubscriberReady);
    this.#subscriber.disconnect();
    await Promise.resolve();
  }

  async #resubscribe(): Promise<void> {
    try {
      // Sent after ioredis's own resubscription on this connection: once it answers, the channel is live again.
      await this.#subscriber.subscribe(this.keys.channel);
      this.#hooks.resubscribed();
    } catch (error) {
      this.#logger?.warn({ error: (error as Error).message }, 'fleet: resubscribing failed; will retry on the next reconnect');
    }
  }

  async #retrying(attempt: () => Promise<void>): Promise<void> {
    for (let wait = RETRY_FIRST; ; wait = Math.min(RETRY_MAX, wait * 2)) {
      try {
        await attempt();
        return;
      } catch (error) {
        if (this.#closed) throw error;
        this.#logger?.warn({ error: (error as Error).message, retryIn: wait }, 'fleet: cannot reach Redis yet');
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, wait));
      }
    }
  }

  #markDown(connection: Redis): void {
    if (this.#closed) return;
    this.#down.add(connection);
    if (!Number.isNaN(this.#downSince)) return;
    this.#downSince = this.#clock.monotonicNow();
    this.#logger?.warn({}, 'fleet: Redis connection lost; watches wait for it');
    this.#timer.set(this.#unavailableTimeout, () => this.#checkDown());
  }

  #markUp(connection: Redis): void {
    this.#down.delete(connection);
    if (this.#down.size > 0 || Number.isNaN(this.#downSince)) return;
    this.#downSince = Number.NaN;
    this.#timer.clear();
  }

  /** Still down past the timeout: the fleet gives up on the watches waiting now, then checks again a timeout later. */
  #checkDown(): void {
    if (this.#closed || Number.isNaN(this.#downSince)) return;
    this.#hooks.unavailable(this.#clock.monotonicNow() - this.#downSince);
    this.#timer.set(this.#unavailableTimeout, () => this.#checkDown());
  }
}
