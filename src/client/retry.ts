import pRetry from 'p-retry';
import { boundDelay, type Clock } from '../clock/clock.js';
import { HttpError } from '../errors/http-error.js';
import { AbortError, NetworkError, RequestTimeoutError } from '../errors/request-errors.js';
import { ThrottledError } from '../errors/throttled-error.js';
import { addAbortListener, removeAbortListener } from '../lifecycle/abort-listeners.js';

/** The first wait between attempts, in ms; each later one may be up to twice the previous bound. */
const MIN_DELAY = 500;
/** The longest wait of our own between attempts, in ms. */
const MAX_DELAY = 10_000;
/** The longest `Retry-After` waited out, in ms; a longer one is the caller's to decide on. */
const MAX_RETRY_AFTER = 60_000;

/**
 * Whether a failed attempt may succeed if sent again: a network error, a
 * timeout, a 5xx or a 429. Never 401/403 (five bad signatures lock the key),
 * `Common.0011`/404, a malformed answer or an abort.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError || error instanceof RequestTimeoutError || error instanceof ThrottledError) return true;
  return error instanceof HttpError && error.status >= 500;
}

/**
 * The wait before retry number `retry` (1-based) after `error`, in ms: exactly
 * the server's `Retry-After` (never jittered), else the AWS waiter's
 * `random(min, min(max, min·2^(retry−1)))`; `undefined` when not worth retrying.
 */
export function retryDelay(error: unknown, retry: number, random: () => number): number | undefined {
  if (!isTransient(error)) return undefined;
  const retryAfter = error instanceof ThrottledError ? error.retryAfter : undefined;
  if (retryAfter !== undefined) return retryAfter <= MAX_RETRY_AFTER ? retryAfter : undefined;
  const ceiling = Math.min(MAX_DELAY, MIN_DELAY * 2 ** (retry - 1));
  return Math.round(MIN_DELAY + random() * (ceiling - MIN_DELAY));
}

/**
 * Retries an operation with p-retry, waiting on the injected clock. p-retry
 * sleeps on the global `setTimeout`; with `minTimeout: 0` it never does, and the
 * wait happens in `shouldRetry`, on {@link Clock}, so fake time drives it in tests.
 * {@link stop} ends every wait at once.
 */
export class Retrier {
  readonly #clock: Clock;
  /** Ends a wait: `true` resolves it as "retry no more", `false` rejects it with `AbortError`. */
  readonly #waits = new Set<(giveUp: boolean) => void>();
  #stopped: 'closed' | 'destroyed' | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Runs `attempt`, and up to `retries` more times after a transient failure; `signal` aborts a wait. */
  run<T>(attempt: () => Promise<T>, retries: number, signal: AbortSignal | undefined): Promise<T> {
    const first = attempt();
    if (retries === 0) return first;
    // p-retry only once an attempt failed: on the common path it cost ~4 % of a request's CPU (an options
    // copy, checks, a clock read). Its attempt 1 is the failure already in hand.
    return first.catch((error: unknown) =>
      pRetry((attemptNumber) => (attemptNumber === 1 ? Promise.reject(error as Error) : attempt()), {
        retries,
        minTimeout: 0,
        maxTimeout: 0,
        shouldRetry: ({ error: failure, retriesConsumed }) => {
          const delay = retryDelay(failure, retriesConsumed + 1, () => this.#clock.random());
          return delay === undefined ? false : this.#wait(delay, signal);
        },
      }),
    );
  }

  /**
   * Ends every wait now, and any that would start later: after `close()` the
   * call rejects with its last attempt's error, after `destroy()` with `AbortError`.
   */
  stop(destroyed: boolean): void {
    this.#stopped = destroyed ? 'destroyed' : (this.#stopped ?? 'closed');
    for (const end of this.#waits) end(!destroyed);
  }

  /** Resolves `true` after `delay` ms, `false` when the client is closing; rejects with `AbortError` on an abort. */
  #wait(delay: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.#stopped === 'destroyed') return Promise.reject(new AbortError('the client was destroyed'));
    if (this.#stopped === 'closed') return Promise.resolve(false);
    if (signal?.aborted) return Promise.reject(new AbortError('the request was aborted', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      const cleanUp = (): void => {
        this.#clock.clearTimeout(timer);
        this.#waits.delete(stop);
        if (signal !== undefined) removeAbortListener(signal, onAbort);
      };
      const stop = (giveUp: boolean): void => {
        cleanUp();
        if (giveUp) resolve(false);
        else reject(new AbortError('the client was destroyed'));
      };
      const onAbort = (): void => {
        cleanUp();
        reject(new AbortError('the request was aborted', { cause: signal?.reason }));
      };
      const timer = this.#clock.setTimeout(() => {
        cleanUp();
        resolve(true);
      }, boundDelay(delay));
      this.#waits.add(stop);
      if (signal !== undefined) addAbortListener(signal, onAbort);
    });
  }
}
