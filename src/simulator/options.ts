import type { Clock } from '../clock/clock.js';
import type { FinalJobStatus, JobType } from '../model/job.js';

/** A fault the simulator can inject into a job GET. */
export type FaultKind =
  | 'error500'
  | 'error503'
  | 'throttle'
  | 'reset'
  | 'malformed'
  | 'truncated'
  | 'oversize'
  | 'notFound'
  | 'latency';

/** One entry of {@link FaultOptions.script}: a fault, or `'none'` for a clean answer. */
export type FaultStep = FaultKind | 'none';

/** A delay in ms: fixed, or drawn uniformly from `[min, max]`. */
export type Latency =
  | number
  | {
      /** Shortest delay, in ms. */
      readonly min: number;
      /** Longest delay, in ms. */
      readonly max: number;
    };

/** The API gateway's rate limit, a token bucket shared by every request. */
export interface RateLimit {
  /** Tokens added per second of clock time. */
  readonly requestsPerSecond: number;
  /**
   * Bucket size: how many requests may arrive at once after a quiet spell.
   * @default requestsPerSecond (at least 1)
   */
  readonly burst?: number | undefined;
}

/**
 * Faults injected into `GET /v1/{project_id}/jobs/{job_id}` (other routes are
 * only subject to {@link rateLimit}). Probabilities are exclusive: one draw per
 * request picks at most one of them, so their sum must not exceed 1.
 */
export interface FaultOptions {
  /** Probability of HTTP 500 with an EVS error body. @default 0 */
  readonly error500?: number | undefined;
  /** Probability of HTTP 503 with an EVS error body. @default 0 */
  readonly error503?: number | undefined;
  /** Probability of HTTP 429 `APIGW.0308`. @default 0 */
  readonly throttle?: number | undefined;
  /** Probability of destroying the socket without answering. @default 0 */
  readonly reset?: number | undefined;
  /** Probability of HTTP 200 with a body that is not JSON. @default 0 */
  readonly malformed?: number | undefined;
  /** Probability of HTTP 200 with the JSON cut in half (a complete, short HTTP message). @default 0 */
  readonly truncated?: number | undefined;
  /** Probability of HTTP 200 with a valid 2 MiB JSON body. @default 0 */
  readonly oversize?: number | undefined;
  /** Probability of HTTP 400 `Common.0011` for a job that exists. @default 0 */
  readonly notFound?: number | undefined;
  /**
   * Delay before answering a job GET, in ms of clock time (so fake clocks control it).
   * @default 0
   */
  readonly latency?: Latency | undefined;
  /** Probability that a job GET is delayed by {@link latency}. @default 1 */
  readonly latencyProbability?: number | undefined;
  /**
   * Faults for the next job GETs, one entry per request, consumed before any
   * probability is drawn. While entries remain, they alone decide: `'none'` is a
   * clean, undelayed answer; `'latency'` delays by {@link latency} (1000 ms when unset).
   * @default []
   */
  readonly script?: readonly FaultStep[] | undefined;
  /**
   * `Retry-After` sent with 429 answers, in seconds; no header when unset.
   * @default undefined
   */
  readonly throttleRetryAfter?: number | undefined;
  /** Gateway rate limit over all requests; over it, HTTP 429 `APIGW.0308`. @default undefined (unlimited) */
  readonly rateLimit?: RateLimit | undefined;
}

/** AK/SK credentials the gateway accepts (`SDK-HMAC-SHA256` signatures). */
export interface AccessKeyAuth {
  /** The access key id requests must sign with. */
  readonly accessKey: string;
  /** Its secret; only used to verify signatures. */
  readonly secretKey: string;
  /** When set, requests must send and sign this `X-Security-Token` (temporary credentials). */
  readonly securityToken?: string | undefined;
}

/** IAM tokens the gateway accepts in `X-Auth-Token`. */
export interface TokenAuth {
  /** Every `X-Auth-Token` value accepted. */
  readonly tokens: readonly string[];
}

/** How the simulated gateway authenticates requests. */
export type SimulatorAuth = AccessKeyAuth | TokenAuth;

/** A duration in ms: fixed, or log-normal around `median` (`sigma` is the spread of its logarithm). */
export type DurationDistribution =
  | number
  | {
      /** Median duration, in ms. */
      readonly median: number;
      /** Spread of ln(duration). @default 0.35 */
      readonly sigma?: number | undefined;
    };

/** How jobs created through the HTTP API (POST/DELETE) behave. */
export interface ApiJobOptions {
  /**
   * Time each job (or sub-job) spends RUNNING, in ms.
   * @default { median: 25_000, sigma: 0.35 }
   */
  readonly duration?: DurationDistribution | undefined;
  /** Time each job spends in INIT before RUNNING, in ms. @default 0 */
  readonly initDuration?: number | undefined;
  /** How long a new job answers 400 `Common.0011`, as real EVS does right after creating, in ms. @default 0 */
  readonly invisibleFor?: number | undefined;
  /** Probability that a job (or sub-job) ends in FAIL. @default 0 */
  readonly failureRate?: number | undefined;
}

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number | undefined;
  /** Interface to bind. @default '127.0.0.1' */
  readonly host?: string | undefined;
  /**
   * Path prefix the API is served under, written as in a URL (`/evs-proxy`, `/a%20b`): stands in for a proxy or a
   * private endpoint with a base path. `url` includes it; requests outside it get 404 `APIGW.0101`. Signatures are
   * verified over the whole path as received (decoded once, then canonicalised), as the gateway does.
   * @default '' (the API at the root)
   */
  readonly basePath?: string | undefined;
  /** The project id the simulator serves; others get HTTP 403. @default 32 random hex characters */
  readonly projectId?: string | undefined;
  /** Time source for job timelines, latency and `Date` headers. @default systemClock */
  readonly clock?: Clock | undefined;
  /** The only source of randomness (ids, fault draws, durations); seed it for reproducible runs. @default clock.random */
  readonly random?: (() => number) | undefined;
  /** Credentials the gateway accepts. @default undefined (every request accepted) */
  readonly auth?: SimulatorAuth | undefined;
  /** Faults to inject. @default {} */
  readonly faults?: FaultOptions | undefined;
  /** Offset of the server's clock from `clock`, in ms: its `Date` header, `X-Sdk-Date` checks and job timestamps (`begin_time`, `end_time`) use it. @default 0 */
  readonly skew?: number | undefined;
  /** Largest accepted distance between `X-Sdk-Date` and server time, in ms. @default 900_000 (15 min) */
  readonly maxSkew?: number | undefined;
  /** Keep a log of every request in {@link SimulatorStats.log}. @default false */
  readonly recordRequests?: boolean | undefined;
  /** RUNNING time of jobs added by `addJob()` without a `duration`, in ms. @default 25_000 */
  readonly defaultDuration?: number | undefined;
  /** Time between the last sub-job's end and its batch job's end, in ms. @default 2_000 */
  readonly batchOverhead?: number | undefined;
  /** How jobs created through the HTTP API behave. @default {} */
  readonly apiJobs?: ApiJobOptions | undefined;
}

/** A job to add with `addJob()`. Every field is optional. */
export interface JobSpec {
  /** @default 'batchCreateVolume' with `subJobs`, else 'createVolume' */
  readonly jobType?: JobType | undefined;
  /** Time spent RUNNING, in ms; ignored for batch jobs, which end after their sub-jobs. @default SimulatorOptions.defaultDuration */
  readonly duration?: number | undefined;
  /** Time spent in INIT before RUNNING, in ms. @default 0 */
  readonly initDuration?: number | undefined;
  /** When the job begins, in clock ms. @default now (sub-jobs: when their parent starts RUNNING) */
  readonly startAt?: number | undefined;
  /** How the job ends; a batch job also fails when any sub-job fails. @default 'SUCCESS' */
  readonly outcome?: FinalJobStatus | undefined;
  /** `error_code` of a failed job. @default 'EVS.2024' */
  readonly errorCode?: string | undefined;
  /** `fail_reason` of a failed job. @default 'volume quota exceeded' */
  readonly failReason?: string | undefined;
  /**
   * Makes this a batch job listing these sub-jobs in `entities.sub_jobs`. Sub-job types
   * default to `createVolume` (`deleteSingleVolume` under `bulkDeleteVolume`).
   */
  readonly subJobs?: readonly JobSpec[] | undefined;
  /** How long after `addJob()` the job answers 400 `Common.0011`, in ms. @default 0 */
  readonly invisibleFor?: number | undefined;
  /**
   * A status reported forever instead of the timeline's, e.g. an unknown `'PENDING'`.
   * `end_time` is set only when it is `SUCCESS` or `FAIL`.
   */
  readonly status?: string | undefined;
  /**
   * How long after `addJob()` `status` is reported, in ms; then the timeline's own
   * status takes over (a service that says `'PENDING'` for a while, then `RUNNING`).
   * @default forever
   */
  readonly statusFor?: number | undefined;
  /** Extra fields merged into `entities`. @default {} */
  readonly entities?: Readonly<Record<string, unknown>> | undefined;
  /** `entities.volume_id` of a non-batch job. @default a random UUID */
  readonly volumeId?: string | undefined;
}
