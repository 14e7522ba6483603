import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Clock } from '../../../src/clock/clock.js';

/** One HTTP request as the client's undici pool saw it. */
export interface TracedRequest {
  readonly jobId: string;
  /** Fake time its headers were written to the socket. */
  readonly sentAt: number;
  /** Global order of sends and settlements (see {@link HttpTrace.mark}). */
  readonly seq: number;
  /** Sent at the same fake instant the previous request for this job ended: an immediate retry (stale socket, 401 after a clock fix). */
  readonly immediate: boolean;
  /** Fake time it ended (answer read or error), if it did. */
  endedAt: number | undefined;
}

/** The undici request object, as far as this trace reads it. */
interface UndiciRequest {
  readonly origin?: unknown;
  readonly path?: unknown;
}

/**
 * Records every request the library's undici pool writes to `origin`, through
 * undici's diagnostics channels: when its headers hit the socket (fake time) and
 * when it ended. `client:sendHeaders` fires only for bytes actually sent, so an
 * aborted request that never left does not count as a poll.
 */
export class HttpTrace {
  readonly requests: TracedRequest[] = [];
  #seq = 0;
  readonly #origin: string;
  readonly #clock: Clock;
  readonly #live = new Map<object, TracedRequest>();
  readonly #lastEnd = new Map<string, number>();
  #maxInFlight = 0;
  readonly #onSend = (message: unknown): void => {
    const request = (message as { request: UndiciRequest & object }).request;
    const jobId = this.#jobIdOf(request);
    if (jobId === undefined) return;
    const now = this.#clock.monotonicNow();
    const traced: TracedRequest = { jobId, sentAt: now, seq: this.#seq++, immediate: this.#lastEnd.get(jobId) === now, endedAt: undefined };
    this.requests.push(traced);
    this.#live.set(request, traced);
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#live.size);
  };
  readonly #onEnd = (message: unknown): void => {
    const request = (message as { request: object }).request;
    const traced = this.#live.get(request);
    if (traced === undefined) return;
    this.#live.delete(request);
    traced.endedAt = this.#clock.monotonicNow();
    this.#lastEnd.set(traced.jobId, traced.endedAt);
  };

  constructor(origin: string, clock: Clock) {
    this.#origin = origin;
    this.#clock = clock;
    subscribe('undici:client:sendHeaders', this.#onSend);
    subscribe('undici:request:trailers', this.#onEnd);
    subscribe('undici:request:error', this.#onEnd);
  }

  /** Requests sent and not ended. */
  get inFlight(): number {
    return this.#live.size;
  }

  /** Most requests sent and not ended at once. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** A number in the same sequence as the sends: everything sent after this call gets a larger one. */
  mark(): number {
    return this.#seq++;
  }

  close(): void {
    unsubscribe('undici:client:sendHeaders', this.#onSend);
    unsubscribe('undici:request:trailers', this.#onEnd);
    unsubscribe('undici:request:error', this.#onEnd);
  }

  #jobIdOf(request: UndiciRequest): string | undefined {
    if (String(request.origin) !== this.#origin || typeof request.path !== 'string') return undefined;
    const match = /^\/v1\/[^/]+\/jobs\/([^/?]+)$/.exec(request.path);
    return match?.[1];
  }
}

/**
 * The most requests in any window of `window` ms, over sorted send times: the
 * quantity a token bucket bounds by `burst + rate × window`.
 */
export function maxInWindow(times: readonly number[], window: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= window) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
