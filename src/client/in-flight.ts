import type { Clock, TimerHandle } from '../clock/clock.js';
import { RequestTimeoutError } from '../errors/request-errors.js';

/**
 * A request the registry can time out or abort; it is its own list node, so
 * tracking it allocates nothing. `abort()` must settle it and {@link InFlight.remove} it.
 */
export abstract class InFlightRequest {
  /** When it times out, in ms of monotonic time. */
  deadline = 0;
  previous: InFlightRequest | undefined = undefined;
  next: InFlightRequest | undefined = undefined;

  abstract abort(error: Error): void;
}

/**
 * Every request in flight, oldest first, with ONE timer on the injected clock
 * for all their timeouts. Every request gets the same timeout, so deadlines are
 * in insertion order and the timer only ever waits for the oldest. A timer per
 * request (and an AbortController to carry its expiry) was a visible share of
 * a request's CPU; this costs two pointer writes.
 */
export class InFlight {
  readonly #clock: Clock;
  readonly #timeout: number;
  #head: InFlightRequest | undefined;
  #tail: InFlightRequest | undefined;
  /** The sweep's timer; `undefined` while none is armed. */
  #timer: TimerHandle;

  constructor(clock: Clock, timeout: number) {
    this.#clock = clock;
    this.#timeout = timeout;
  }

  /** Starts `request`'s timeout now. */
  add(request: InFlightRequest): void {
    request.deadline = this.#clock.monotonicNow() + this.#timeout;
    request.previous = this.#tail;
    if (this.#tail === undefined) this.#head = request;
    else this.#tail.next = request;
    this.#tail = request;
    if (this.#timer === undefined) this.#timer = this.#clock.setTimeout(this.#sweep, this.#timeout);
  }

  /** Forgets a settled request; with none left the timer goes too, so an idle client holds the process open with nothing. */
  remove(request: InFlightRequest): void {
    const { previous, next } = request;
    if (previous === undefined) this.#head = next;
    else previous.next = next;
    if (next === undefined) this.#tail = previous;
    else next.previous = previous;
    request.previous = request.next = undefined;
    if (this.#head === undefined && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Aborts every request in flight with `error` (each removes itself). */
  abortAll(error: Error): void {
    while (this.#head !== undefined) this.#head.abort(error);
  }

  /** Times out every request past its deadline, then waits for the oldest one left. */
  readonly #sweep = (): void => {
    this.#timer = undefined;
    const now = this.#clock.monotonicNow();
    while (this.#head !== undefined && this.#head.deadline <= now) this.#head.abort(new RequestTimeoutError(this.#timeout));
    if (this.#head !== undefined) this.#timer = this.#clock.setTimeout(this.#sweep, this.#head.deadline - now);
  };
}
