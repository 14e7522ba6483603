import type { Clock } from '../clock/clock.js';
import { NetworkError, RequestTimeoutError } from '../errors/request-errors.js';
import type { Job } from '../model/job.js';
import type { HeapEntry } from '../schedule/timer-heap.js';
import type { Diagnostics } from './diagnostics.js';
import { checkJob, fetchAnswer, type FetchJob } from './job-source.js';
import type { PollHandle, Watch } from './watch.js';

/**
 * One poll in flight: its time limit in the scheduler's timeout heap, and its
 * abort signal, made only if `fetchJob` reads it (reading an `AbortSignal`
 * into existence costs ~3 µs, a sixth of a whole poll).
 */
export class PollInFlight implements HeapEntry, PollHandle {
  heapSlot = -1;
  readonly watch: Watch;
  /** Monotonic time it was sent. */
  readonly sentAt: number;
  settled = false;
  /** Neighbours in the poller's list of polls in flight (a list, not a Set: no identity hash per poll). */
  previous: PollInFlight | undefined;
  next: PollInFlight | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  constructor(watch: Watch, sentAt: number) {
    this.watch = watch;
    this.sentAt = sentAt;
  }

  /** This poll's signal; aborted once the watcher gives up on the poll. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether the watcher gave up on this poll. */
  get aborted(): boolean {
    return this.#aborted;
  }

  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * The options a poll's `fetchJob` (or client) is called with: its signal, made
 * when first read, and no retries, since the watcher retries through its own schedule.
 */
class PollOptions {
  readonly #poll: PollInFlight;

  constructor(poll: PollInFlight) {
    this.#poll = poll;
  }

  get signal(): AbortSignal {
    return this.#poll.signal;
  }

  /** The one retry layer is the watcher's: a client must not stack its own. */
  get retries(): 0 {
    return 0;
  }
}

/** What the poller reports, and the timeout heap it keeps its time limits in. */
export interface PollerHooks {
  /** A poll answered with a job. */
  answered(watch: Watch, job: Job): void;
  /** A poll sent at monotonic time `sentAt` failed (`error` as thrown, or a {@link RequestTimeoutError} past `pollTimeout`). */
  failed(watch: Watch, error: unknown, sentAt: number): void;
  scheduleTimeout(poll: PollInFlight, at: number): void;
  cancelTimeout(poll: PollInFlight): void;
  /** Capacity freed up. */
  freed(): void;
}

/** The poller's knobs, validated by the watcher. */
export interface PollerOptions {
  readonly fetchJob: FetchJob;
  readonly concurrency: number;
  /** Longest a poll may take before the watcher gives up on it, in ms. */
  readonly pollTimeout: number;
}

/**
 * Sends polls and owns what is in flight: their count bounds concurrency (there
 * is no queue to manage: the scheduler only starts a poll when the gate says there is
 * room), a fresh AbortController per poll, a time limit per poll (a `fetchJob`
 * that never settles frees its slot after `pollTimeout`), and the latency seen.
 * Until an answer shows the credentials work, one poll at a time: with bad
 * AK/SK, `concurrency` polls due together would be that many bad signatures, and five lock the key.
 */
export class Poller {
  readonly #options: PollerOptions;
  readonly #clock: Clock;
  readonly #hooks: PollerHooks;
  readonly #diagnostics: Diagnostics;
  /** Polls in flight, newest first, and their count. */
  #first: PollInFlight | undefined;
  #inFlight = 0;
  #latency = 0;
  #sent = 0;
  #credentialsConfirmed = false;
  #drained: (() => void) | undefined;

  constructor(options: PollerOptions, clock: Clock, hooks: PollerHooks, diagnostics: Diagnostics) {
    this.#options = options;
    this.#clock = clock;
    this.#hooks = hooks;
    this.#diagnostics = diagnostics;
  }

  /** Polls in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests sent so far (a reset keep-alive retried at once counts twice). */
  get sent(): number {
    return this.#sent;
  }

  /** Recent poll latency, in ms (exponentially weighted). */
  get latency(): number {
    return this.#latency;
  }

  /** Whether an answer (or a non-auth HTTP error) has shown the credentials work. */
  get credentialsConfirmed(): boolean {
    return this.#credentialsConfirmed;
  }

  /** Whether another poll may start now. */
  hasCapacity(): boolean {
    return this.#inFlight < (this.#credentialsConfirmed ? this.#options.concurrency : 1);
  }

  /** The service accepted our credentials: polls may go out `concurrency` at a time. */
  confirmCredentials(): void {
    this.#credentialsConfirmed = true;
  }

  /** Sends one poll for `watch` (the gate already took its capacity). */
  start(watch: Watch): void {
    const now = this.#clock.monotonicNow();
    const poll = new PollInFlight(watch, now);
    watch.recordSent(poll);
    poll.next = this.#first;
    if (this.#first !== undefined) this.#first.previous = poll;
    this.#first = poll;
    this.#inFlight += 1;
    this.#diagnostics.pollStart(watch.jobId, watch.polls, watch.status);
    this.#hooks.scheduleTimeout(poll, now + this.#options.pollTimeout);
    this.#send(poll, false);
  }

  /** A poll ran past `pollTimeout`: it is abandoned (aborted, its slot freed, its late answer ignored). */
  timedOut(poll: PollInFlight): void {
    const error = new RequestTimeoutError(this.#options.pollTimeout);
    poll.abort(error);
    this.#settled(poll, undefined, error);
  }

  /** Aborts every poll in flight and frees its slot now, whether or not its `fetchJob` honours the signal. */
  abortAll(reason: unknown): void {
    const polls: PollInFlight[] = [];
    for (let poll = this.#first; poll !== undefined; poll = poll.next) polls.push(poll);
    for (const poll of polls) {
      poll.watch.abortPoll(reason);
      this.#settled(poll, undefined, reason);
    }
  }

  /** Resolves once no poll is in flight. */
  drained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#drained;
      this.#drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** One request; what it resolves must be a parsed job, and a reset keep-alive socket (stale on the server's side) is retried once, at once, on a new connection. */
  #send(poll: PollInFlight, retried: boolean): void {
    this.#sent += 1;
    fetchAnswer(this.#options.fetchJob, poll.watch.jobId, new PollOptions(poll)).then(
      (answer) => {
        let job: Job;
        try {
          job = checkJob(answer);
        } catch (error) {
          this.#settled(poll, undefined, error);
          return;
        }
        this.#settled(poll, job, undefined);
      },
      (error: unknown) => {
        if (!retried && !poll.aborted && !poll.settled && isStaleConnection(error)) this.#send(poll, true);
        else this.#settled(poll, undefined, error);
      },
    );
  }

  /** Each poll settles once: the first of its answer and its time limit counts. */
  #settled(poll: PollInFlight, job: Job | undefined, error: unknown): void {
    if (poll.settled) return;
    poll.settled = true;
    this.#hooks.cancelTimeout(poll);
    if (poll.previous === undefined) this.#first = poll.next;
    else poll.previous.next = poll.next;
    if (poll.next !== undefined) poll.next.previous = poll.previous;
    poll.previous = poll.next = undefined;
    this.#inFlight -= 1;
    const duration = this.#clock.monotonicNow() - poll.sentAt;
    this.#latency += (duration - this.#latency) / 8;
    // A poll its watch gave up on (the watch ended) counts for nothing.
    const current = poll.watch.recordSettled(poll);
    this.#diagnostics.pollEnd(poll.watch.jobId, !current ? 'abandoned' : job === undefined ? 'error' : 'job', job?.status, current ? error : undefined, duration);
    if (current) {
      if (job === undefined) this.#hooks.failed(poll.watch, error, poll.sentAt);
      else this.#hooks.answered(poll.watch, job);
    }
    if (this.#inFlight === 0 && this.#drained !== undefined) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
    this.#hooks.freed();
  }
}

function isStaleConnection(error: unknown): boolean {
  return error instanceof NetworkError && /ECONNRESET|UND_ERR_SOCKET|other side closed/.test(error.message);
}
