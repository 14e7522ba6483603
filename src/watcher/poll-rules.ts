import type { AuthError } from '../errors/auth-error.js';
import type { EvsError } from '../errors/evs-error.js';
import { HttpError } from '../errors/http-error.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import type { ThrottledError } from '../errors/throttled-error.js';
import type { Job } from '../model/job.js';
import { backoffDelay } from '../schedule/backoff.js';
import { classifyPollError } from './classify.js';
import { Interner } from './interner.js';
import type { Planner } from './planner.js';
import type { ResolvedOptions } from './resolve-options.js';
import { Counters } from './stats.js';
import type { AnswerState, SubJobProgress, Watch } from './watch.js';

/**
 * What one poll means for its watch, decided the same way by every engine;
 * the engine then acts on it (plans the next poll, releases, pauses, stops).
 * `credentialsWork` is true when the service has just shown it accepts our credentials.
 */
export type PollVerdict =
  | {
      readonly kind: 'answered';
      readonly job: Job;
      readonly previous: string | undefined;
      readonly state: AnswerState;
      readonly progress: SubJobProgress | undefined;
      /** ms until the next poll; NaN once final. */
      readonly delay: number;
      readonly credentialsWork: true;
    }
  | { readonly kind: 'retry'; readonly error: EvsError; readonly attempt: number; readonly retryIn: number; readonly credentialsWork: boolean }
  | { readonly kind: 'reject'; readonly error: unknown; readonly credentialsWork: boolean }
  | { readonly kind: 'throttled'; readonly error: ThrottledError; readonly credentialsWork: false }
  | { readonly kind: 'auth'; readonly error: AuthError; readonly credentialsWork: false };

/**
 * Turns each answer or failure into a {@link PollVerdict}: records it on the
 * watch, teaches the planner, counts it, and picks the delay of a retry.
 */
export class PollRules {
  readonly counters = new Counters();
  readonly #options: ResolvedOptions;
  readonly #planner: Planner;
  readonly #interner = new Interner();

  constructor(options: ResolvedOptions, planner: Planner) {
    this.#options = options;
    this.#planner = planner;
  }

  /** An answer read at local monotonic time `now`. */
  answer(watch: Watch, job: Job, now: number): PollVerdict {
    if (job.jobId !== watch.jobId) {
      return this.failure(watch, new InvalidResponseError(`expected job ${watch.jobId}, got ${job.jobId.slice(0, 64)}`, { field: 'job_id' }));
    }
    const options = this.#options;
    const previous = watch.status;
    const state = watch.recordAnswer(job, this.#interner, options.successConfirmations, options.serverNow(), now);
    const progress = watch.recordSubJobs(job);
    if (progress !== undefined) for (const subJob of progress.finished) this.#planner.subJobDone(subJob, now);
    let delay = Number.NaN;
    if (state === 'final') {
      // A job that waited for payment ran for less than its end − begin: its duration would mislead.
      if (!watch.waitedForPayment) this.#planner.finished(watch, job, now);
      this.counters.finished += 1;
      this.counters.pollsOfFinished += watch.polls;
    } else if (state === 'confirming') delay = options.confirmationDelay;
    else if (state === 'pending-payment') delay = options.pendingPaymentInterval;
    else delay = this.#planner.delay(watch, job, now);
    return { kind: 'answered', job, previous, state, progress, delay, credentialsWork: true };
  }

  /** A failed poll. */
  failure(watch: Watch, error: unknown): PollVerdict {
    const failure = classifyPollError(error);
    this.counters.errors[failure.kind] += 1;
    const credentialsWork = failure.error instanceof HttpError && failure.action !== 'stop-all' && failure.action !== 'pause-all';
    switch (failure.action) {
      case 'stop-all':
        return { kind: 'auth', error: failure.error, credentialsWork: false };
      case 'pause-all':
        return { kind: 'throttled', error: failure.error, credentialsWork: false };
      case 'not-found': {
        const checks = watch.recordNotFound();
        if (checks > this.#options.notFoundChecks) return { kind: 'reject', error: failure.error, credentialsWork };
        return this.#retry(failure.error, checks, credentialsWork);
      }
      case 'retry':
        return this.#retry(failure.error, watch.recordFailure(), credentialsWork);
      case 'reject':
        return { kind: 'reject', error: failure.error, credentialsWork };
    }
  }

  /** Transient failure: jittered exponential delay (a deadline's last call still pulls a poll in before it). */
  #retry(error: EvsError, attempt: number, credentialsWork: boolean): PollVerdict {
    const { clock, errorDelay, maxErrorDelay } = this.#options;
    return { kind: 'retry', error, attempt, retryIn: backoffDelay(attempt, errorDelay, maxErrorDelay, () => clock.random()), credentialsWork };
  }
}
