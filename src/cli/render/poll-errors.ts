import type { PollErrorEvent } from './events.js';

/** How long a kind of poll error stays quiet after it was reported, in ms of real time. */
export const REPORT_EVERY = 5_000;

/** Words for the causes an operator most often has to act on (a typo in the endpoint, DNS, a proxy, TLS). */
const CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS unavailable)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the other side',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: certificate not verifiable',
  CERT_HAS_EXPIRED: 'TLS: certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate is for another host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS to a port that does not speak it',
};

/** Words for the library's codes, when the cause says nothing more. */
const CODES: Readonly<Record<string, string>> = {
  EVS_TIMEOUT: 'no answer within the request timeout',
  EVS_NETWORK: 'network error',
  EVS_INVALID_RESPONSE: 'an answer that is not a job',
  EVS_RESPONSE_TOO_LARGE: 'an answer too large to be a job',
  EVS_JOB_NOT_FOUND: 'job not found yet',
};

/** What an operator reads first about a failed poll: `connection refused`, `HTTP 503`, `job not found yet`. */
export function describePollError(event: PollErrorEvent): string {
  if (event.cause !== null && CAUSES[event.cause] !== undefined) return CAUSES[event.cause]!;
  if (event.code === 'EVS_HTTP_ERROR' && event.status !== null) return `HTTP ${event.status}`;
  return CODES[event.code] ?? event.code;
}

/** One kind of poll error as the live display shows it. */
export interface PollErrorKind {
  /** {@link describePollError} of its failures. */
  readonly phrase: string;
  /** The latest failure's message. */
  readonly message: string;
  /** Failed polls of this kind so far, and the distinct jobs they were for. */
  readonly polls: number;
  readonly jobs: number;
  /** When the latest happened, on the digest's clock. */
  readonly lastAt: number;
}

/** What to print about one kind of poll error now. */
export type PollErrorReport =
  /** The first failure of its kind: printed at once. */
  | { readonly type: 'first'; readonly event: PollErrorEvent; readonly phrase: string }
  /** Failures of its kind since the last report, gathered over at least {@link REPORT_EVERY}. */
  | { readonly type: 'more'; readonly phrase: string; readonly message: string; readonly polls: number; readonly jobs: number; readonly sinceMs: number };

interface KindState {
  readonly phrase: string;
  message: string;
  polls: number;
  readonly jobs: Set<string>;
  lastAt: number;
  reportedAt: number;
  /** Failures and jobs since the last report. */
  unreported: number;
  readonly unreportedJobs: Set<string>;
}

/**
 * Gathers failed polls by kind (the library's code, the HTTP status, the
 * system error) so that a run where every poll fails — an endpoint typo with
 * 10 000 ids — says so at once and then once per kind every few seconds, with
 * counts, instead of a line per failure.
 */
export class PollErrorDigest {
  readonly #every: number;
  readonly #kinds = new Map<string, KindState>();

  /** `every`: least time between two reports of one kind, in ms of the caller's clock. */
  constructor(every = REPORT_EVERY) {
    this.#every = every;
  }

  /** Records a failed poll at `now`; returns what to print, if this kind is due. */
  record(event: PollErrorEvent, now: number): PollErrorReport | undefined {
    const key = `${event.code} ${event.status ?? ''} ${event.cause ?? ''}`;
    const phrase = describePollError(event);
    const kind = this.#kinds.get(key);
    if (kind === undefined) {
      const first = { phrase, message: event.message, polls: 1, jobs: new Set([event.jobId]), lastAt: now, reportedAt: now, unreported: 0, unreportedJobs: new Set<string>() };
      this.#kinds.set(key, first);
      return { type: 'first', event, phrase };
    }
    kind.message = event.message;
    kind.polls += 1;
    kind.jobs.add(event.jobId);
    kind.lastAt = now;
    kind.unreported += 1;
    kind.unreportedJobs.add(event.jobId);
    return now - kind.reportedAt >= this.#every ? this.#report(kind, now) : undefined;
  }

  /** What is gathered and not reported yet, one report per kind (at the end of a run). */
  flush(now: number): PollErrorReport[] {
    return [...this.#kinds.values()].filter((kind) => kind.unreported > 0).map((kind) => this.#report(kind, now));
  }

  /** Every kind so far, the most recent first. */
  kinds(): PollErrorKind[] {
    return [...this.#kinds.values()]
      .sort((a, b) => b.lastAt - a.lastAt)
      .map(({ phrase, message, polls, jobs, lastAt }) => ({ phrase, message, polls, jobs: jobs.size, lastAt }));
  }

  #report(kind: KindState, now: number): PollErrorReport {
    const report: PollErrorReport = { type: 'more', phrase: kind.phrase, message: kind.message, polls: kind.unreported, jobs: kind.unreportedJobs.size, sinceMs: now - kind.reportedAt };
    kind.reportedAt = now;
    kind.unreported = 0;
    kind.unreportedJobs.clear();
    return report;
  }
}
