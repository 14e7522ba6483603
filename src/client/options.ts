import type { Dispatcher } from 'undici';
import type { Clock } from '../clock/clock.js';
import type { Credentials, Environment } from './auth/credentials.js';
import type { Service } from './endpoint.js';

/** Options of {@link EvsClient}. Every one is optional where the environment can supply it. */
export interface EvsClientOptions {
  /**
   * Region id, e.g. `cn-north-4`; builds the endpoint `https://{service}.{region}.myhuaweicloud.com`.
   * @default process.env.HUAWEICLOUD_SDK_REGION
   */
  readonly region?: string | undefined;
  /**
   * Full endpoint URL, overriding `region` (a private endpoint, a proxy, the simulator).
   * `http://` is accepted only for loopback hosts unless `allowInsecureHttp`.
   * @default `https://{service}.{region}.myhuaweicloud.com`
   */
  readonly endpoint?: string | undefined;
  /**
   * Which service's job API to call: one of `SERVICES` (`'evs'`, `'ecs'`, `'ims'`, `'bms'`), which share it;
   * picks the host `{service}.{region}.myhuaweicloud.com` when no `endpoint` is given.
   * @default 'evs'
   */
  readonly service?: Service | undefined;
  /**
   * Project id (32 hex characters in Huawei Cloud).
   * @default process.env.HUAWEICLOUD_SDK_PROJECT_ID
   */
  readonly projectId?: string | undefined;
  /**
   * How to authenticate. `'none'` sends no credentials (the simulator, an authenticating proxy).
   * @default AK/SK from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN), else a token from HUAWEICLOUD_AUTH_TOKEN
   */
  readonly credentials?: Credentials | undefined;
  /**
   * Time allowed for one request, from sending to the end of the body, in ms.
   * @default 10_000
   */
  readonly timeout?: number | undefined;
  /**
   * How many times {@link EvsClient.getJob} retries a transient failure by default (a call's own `retries` overrides
   * it): a network error, a timeout, a 5xx, or a 429 (after exactly its `Retry-After` when that is at most 60 s; a
   * longer one rejects at once with the `ThrottledError`). Never after 401/403, `Common.0011`/404 or a malformed body.
   * Waits between attempts run on `clock`: from 500 ms, each up to twice as long (jittered), at most 10 s. `0` turns
   * retrying off; a JobWatcher, which retries through its own schedule, asks for 0 on every poll.
   * @default 2
   */
  readonly retries?: number | undefined;
  /**
   * Most keep-alive connections to the endpoint.
   * @default 16
   */
  readonly connections?: number | undefined;
  /**
   * Largest response body read, in bytes; a larger one fails with `ResponseTooLargeError`.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxResponseSize?: number | undefined;
  /**
   * An undici dispatcher to send through (yours to close). Without one the client
   * makes its own pool, honouring HTTPS_PROXY / HTTP_PROXY / NO_PROXY; plain `http://`
   * (loopback) goes through a proxy only when that proxy is on loopback too, unless `allowInsecureHttp`.
   */
  readonly dispatcher?: Dispatcher | undefined;
  /**
   * Allow `http://` to a non-loopback host. Credentials then cross the network in clear text.
   * @default false
   */
  readonly allowInsecureHttp?: boolean | undefined;
  /**
   * Time source for signing dates and request timeouts.
   * @default the system clock
   */
  readonly clock?: Clock | undefined;
  /**
   * Environment variables to read defaults from.
   * @default process.env
   */
  readonly env?: Environment | undefined;
}

/** Every key of {@link EvsClientOptions}; any other is refused. */
export const CLIENT_OPTION_KEYS = [
  'region',
  'endpoint',
  'service',
  'projectId',
  'credentials',
  'timeout',
  'retries',
  'connections',
  'maxResponseSize',
  'dispatcher',
  'allowInsecureHttp',
  'clock',
  'env',
] as const satisfies readonly (keyof EvsClientOptions)[];

/** Options of one {@link EvsClient.getJob} call. */
export interface GetJobOptions {
  /** Aborts the request, or the wait before a retry; the promise then rejects with `AbortError`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * How many times this call retries a transient failure (see {@link EvsClientOptions.retries}); `0` sends one request.
   * @default the client's `retries` (2)
   */
  readonly retries?: number | undefined;
}

/** Every key of {@link GetJobOptions}; any other is refused. */
export const GET_JOB_OPTION_KEYS = ['signal', 'retries'] as const satisfies readonly (keyof GetJobOptions)[];
