/** Kinds of failed polls, as counted in {@link WatcherStats.errors}. */
export type PollErrorKind = 'network' | 'timeout' | 'http' | 'throttled' | 'invalidResponse' | 'notFound' | 'auth' | 'other';

/** A picture of a watcher's work so far. */
export interface WatcherStats {
  /** Distinct job ids being watched. */
  readonly watched: number;
  /** Callers waiting (several may share one job id). */
  readonly waiters: number;
  /** Polls in flight now. */
  readonly inFlight: number;
  /** Polls sent since the watcher was made. */
  readonly pollsSent: number;
  /** Failed polls, by kind. */
  readonly errors: Readonly<Record<PollErrorKind, number>>;
  /** Times all polling paused because the API throttled us. */
  readonly throttlePauses: number;
  /** Requests per second currently allowed (`Infinity` = unlimited). */
  readonly rateLimit: number;
  /** Jobs seen to finish (SUCCESS or FAIL). */
  readonly finished: number;
  /** Polls per finished job, on average (0 before any finished). */
  readonly meanPollsPerFinishedJob: number;
}

/** Mutable counters behind {@link WatcherStats}. */
export class Counters {
  throttlePauses = 0;
  finished = 0;
  pollsOfFinished = 0;
  readonly errors: Record<PollErrorKind, number> = {
    network: 0,
    timeout: 0,
    http: 0,
    throttled: 0,
    invalidResponse: 0,
    notFound: 0,
    auth: 0,
    other: 0,
  };
}

/** Gauges an engine reads off its own parts. */
export interface EngineGauges {
  readonly watched: number;
  readonly inFlight: number;
  readonly pollsSent: number;
  readonly rateLimit: number;
}

/** An engine's stats: its gauges and its counters, copied. */
export function engineStats(counters: Counters, gauges: EngineGauges): Omit<WatcherStats, 'waiters'> {
  return {
    ...gauges,
    errors: { ...counters.errors },
    throttlePauses: counters.throttlePauses,
    finished: counters.finished,
    meanPollsPerFinishedJob: counters.finished === 0 ? 0 : counters.pollsOfFinished / counters.finished,
  };
}
