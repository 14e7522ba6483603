import type { FakeClock } from './fake-clock.js';
import { settle } from './fake-clock.js';

/** Options of {@link advance} and {@link advanceUntil}. */
export interface AdvanceOptions {
  /**
   * True when no real I/O is in progress (e.g. every request the watcher has
   * in flight has reached the simulator and is parked on fake latency). Fake time
   * only moves on once it holds, or once `turns` real event-loop turns have passed.
   * @default () => true (nothing real to wait for)
   */
  readonly idle?: () => boolean;
  /** Real event-loop turns to wait for `idle` after each timer. @default 2_000 */
  readonly turns?: number;
  /**
   * Move fake time in steps of this many ms (all timers due within a step fire,
   * then real I/O settles once) instead of timer by timer. Requests then reach
   * the simulator at the end of their step: up to `quantum` ms late in fake time,
   * but many travel together, which is much faster in real time.
   * @default 0 (exact: one timer at a time)
   */
  readonly quantum?: number;
}

/**
 * Advances fake time by `ms`, one timer at a time: each timer fires at its exact
 * instant, then real I/O (sockets, HTTP parsing) may finish while fake time stands
 * still, before the next timer. So a request sent at fake time t reaches the
 * simulator at t, and its answer is handled at t plus the simulated latency only.
 */
export async function advance(clock: FakeClock, ms: number, options: AdvanceOptions = {}): Promise<void> {
  await advanceUntil(clock, () => false, ms, options);
}

/**
 * Like {@link advance}, but stops as soon as `done()` holds (checked after every
 * timer and after real I/O settled). Returns whether it did within `limit` ms.
 */
export async function advanceUntil(clock: FakeClock, done: () => boolean, limit: number, options: AdvanceOptions = {}): Promise<boolean> {
  const idle = options.idle ?? (() => true);
  const turns = options.turns ?? 2_000;
  const quantum = options.quantum ?? 0;
  if (quantum > 0) {
    const end = clock.monotonicNow() + limit;
    await settle(idle, turns);
    while (!done()) {
      if (clock.monotonicNow() >= end) return false;
      await clock.tick(Math.min(quantum, end - clock.monotonicNow()));
      await settle(idle, turns);
    }
    return true;
  }
  let reached = false;
  // A sentinel timer marks the end: timers before it fire one by one, in order.
  const sentinel = clock.fake.setTimeout(() => {
    reached = true;
  }, limit);
  try {
    await settle(idle, turns);
    while (!done()) {
      if (reached) return false;
      await clock.fake.nextAsync();
      await settle(idle, turns);
    }
    return true;
  } finally {
    clock.fake.clearTimeout(sentinel);
  }
}

/** Runs every pending microtask and promise callback without moving fake time. */
export async function flush(clock: FakeClock): Promise<void> {
  await clock.fake.tickAsync(0);
}

/** A promise's outcome, readable synchronously once it settled. */
export interface Tracked<T> {
  readonly promise: Promise<T>;
  readonly status: 'pending' | 'fulfilled' | 'rejected';
  readonly value: T | undefined;
  readonly error: unknown;
}

/**
 * Observes `promise` so its outcome can be asserted later, and so a rejection
 * (e.g. from `destroy()` at cleanup) is never reported as unhandled.
 */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const state: { status: Tracked<T>['status']; value: T | undefined; error: unknown } = { status: 'pending', value: undefined, error: undefined };
  promise.then(
    (value) => {
      state.status = 'fulfilled';
      state.value = value;
    },
    (error: unknown) => {
      state.status = 'rejected';
      state.error = error;
    },
  );
  return {
    promise,
    get status() {
      return state.status;
    },
    get value() {
      return state.value;
    },
    get error() {
      return state.error;
    },
  };
}

/** Counts listeners added to and removed from `signal` (to prove none is left behind). */
export function countListeners(signal: AbortSignal): { readonly count: number; readonly added: number } {
  const state = { count: 0, added: 0 };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  const live = new Set<unknown>();
  signal.addEventListener = (...args: Parameters<typeof add>) => {
    if (!live.has(args[1])) {
      live.add(args[1]);
      state.count++;
      state.added++;
    }
    add(...args);
  };
  signal.removeEventListener = (...args: Parameters<typeof remove>) => {
    if (live.delete(args[1])) state.count--;
    remove(...args);
  };
  return state;
}
