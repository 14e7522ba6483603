import { channel } from 'node:diagnostics_channel';
import type { ThrottleDecision } from '../schedule/throttle.js';

/**
 * Names of the `node:diagnostics_channel` channels a watcher publishes on, the
 * way undici publishes `undici:request:create`: free when nobody subscribes
 * (nothing is built then), and every message names its watcher.
 */
export const CHANNELS = {
  /** A poll was sent: {@link PollStartMessage}. */
  pollStart: 'evs-job-watcher:poll:start',
  /** A poll ended (answered, failed, or abandoned): {@link PollEndMessage}. */
  pollEnd: 'evs-job-watcher:poll:end',
  /** The service throttled us and all polling paused: {@link ThrottledMessage}. */
  throttled: 'evs-job-watcher:throttled',
  /** Credentials were refused and polling stopped: {@link AuthStopMessage}. */
  authStop: 'evs-job-watcher:auth:stop',
} as const;

/** Published on {@link CHANNELS.pollStart}. */
export interface PollStartMessage {
  /** The watcher that sent it (compare with `===` to tell watchers apart). */
  readonly watcher: object;
  /** The job polled. */
  readonly jobId: string;
  /** Polls sent for this job so far, this one included. */
  readonly poll: number;
  /** The last status seen, before this poll. */
  readonly status: string | undefined;
}

/** How a poll ended: with a job, with an error (its kind), or abandoned (its watch ended, or the watcher was destroyed). */
export type PollOutcome = 'job' | 'error' | 'abandoned';

/** Published on {@link CHANNELS.pollEnd}. */
export interface PollEndMessage {
  /** The watcher that sent it. */
  readonly watcher: object;
  /** The job polled. */
  readonly jobId: string;
  /** How the poll ended. */
  readonly outcome: PollOutcome;
  /** The job's status, when `outcome` is `'job'`. */
  readonly status: string | undefined;
  /** The error, when `outcome` is `'error'` (never carries a secret). */
  readonly error: unknown;
  /** Time from sending to the end, in ms. */
  readonly durationMs: number;
}

/** Published on {@link CHANNELS.throttled}. */
export interface ThrottledMessage extends ThrottleDecision {
  /** The watcher that paused. */
  readonly watcher: object;
  /** The server's `Retry-After`, in ms, when it sent one. */
  readonly retryAfter: number | undefined;
}

/** Published on {@link CHANNELS.authStop}. */
export interface AuthStopMessage {
  /** The watcher that stopped. */
  readonly watcher: object;
  /** The HTTP status that refused the credentials (401 or 403). */
  readonly status: number | undefined;
  /** The gateway's code, e.g. `APIGW.0301`. */
  readonly serviceCode: string | undefined;
  /** `X-Request-Id` of that answer, for a support ticket. */
  readonly requestId: string | undefined;
}

const pollStart = channel(CHANNELS.pollStart);
const pollEnd = channel(CHANNELS.pollEnd);
const throttled = channel(CHANNELS.throttled);
const authStop = channel(CHANNELS.authStop);

/** One watcher's publisher: each method returns at once when nobody subscribes. */
export class Diagnostics {
  readonly #watcher: object;

  constructor(watcher: object) {
    this.#watcher = watcher;
  }

  pollStart(jobId: string, poll: number, status: string | undefined): void {
    if (pollStart.hasSubscribers) pollStart.publish({ watcher: this.#watcher, jobId, poll, status } satisfies PollStartMessage);
  }

  pollEnd(jobId: string, outcome: PollOutcome, status: string | undefined, error: unknown, durationMs: number): void {
    if (pollEnd.hasSubscribers) pollEnd.publish({ watcher: this.#watcher, jobId, outcome, status, error, durationMs } satisfies PollEndMessage);
  }

  throttled(decision: ThrottleDecision, retryAfter: number | undefined): void {
    if (throttled.hasSubscribers) throttled.publish({ watcher: this.#watcher, ...decision, retryAfter } satisfies ThrottledMessage);
  }

  authStop(status: number | undefined, serviceCode: string | undefined, requestId: string | undefined): void {
    if (authStop.hasSubscribers) authStop.publish({ watcher: this.#watcher, status, serviceCode, requestId } satisfies AuthStopMessage);
  }
}
