import { EnvHttpProxyAgent, Pool, type Dispatcher } from 'undici';
import { assertClock, systemClock, type Clock } from '../clock/clock.js';
import { ClosedError } from '../errors/closed-error.js';
import { addResponseContext, EvsError } from '../errors/evs-error.js';
import { AbortError, NetworkError, RequestTimeoutError } from '../errors/request-errors.js';
import { addAbortListener, removeAbortListener } from '../lifecycle/abort-listeners.js';
import { Shutdown } from '../lifecycle/shutdown.js';
import type { Job } from '../model/job.js';
import { parseJobText } from '../model/parse-job.js';
import { assertSafeId } from '../validation/ids.js';
import { assertDelay, assertInteger, got } from '../validation/numbers.js';
import { assertOptions } from '../validation/options.js';
import { assertSignal } from '../validation/signal.js';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import { sha256Hex } from './auth/signer.js';
import { assertCredentials, credentialsFromEnv, ENV, type Credentials, type Environment } from './auth/credentials.js';
import { ClockOffset } from './clock-offset.js';
import { isLoopback, isService, resolveEndpoint, SERVICES, type Endpoint, type Service } from './endpoint.js';
import { CLIENT_OPTION_KEYS, GET_JOB_OPTION_KEYS, type EvsClientOptions, type GetJobOptions } from './options.js';
import { exchange, type Exchange } from './exchange.js';
import { InFlight } from './in-flight.js';
import { Retrier } from './retry.js';
import { errorFromResponse } from './response-error.js';
import { USER_AGENT } from './version.js';

const DEFAULT_TIMEOUT = 10_000;
const DEFAULT_CONNECTIONS = 16;
const DEFAULT_MAX_RESPONSE_SIZE = 1_048_576;
const DEFAULT_RETRIES = 2;
/** Most retries of one call: past a few, a caller wants its own loop (or a JobWatcher). */
const MAX_RETRIES = 10;
const KEEP_ALIVE = 30_000;

const NO_OPTIONS: GetJobOptions = Object.freeze({});

/**
 * A client for the Huawei Cloud job API (`GET /v1/{project_id}/jobs/{job_id}`)
 * of EVS, ECS, IMS or BMS ({@link SERVICES}), over one keep-alive undici pool.
 *
 * @example
 * const client = new EvsClient({ region: 'cn-north-4', projectId });
 * const job = await client.getJob(jobId);
 * await client.close();
 */
export class EvsClient {
  /** The project whose jobs this client reads. */
  readonly projectId: string;
  /** The service whose job API is called. */
  readonly service: Service;
  /** The endpoint requests go to (origin plus any base path). */
  readonly endpoint: string;
  /** The time source this client signs and times out with. */
  readonly clock: Clock;
  /**
   * Names the credentials this client signs with without revealing them: a SHA-256 of the AK (or, for
   * tokens, of the project), so a fleet can stop every process that uses credentials the service refused.
   */
  readonly credentialKey: string;

  readonly #target: Endpoint;
  /** `…/v1/{project_id}/jobs/` as sent, and as signed (decoded): a job id is the same in both. */
  readonly #jobsPath: string;
  readonly #jobsSignedPath: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #auth: Authenticator;
  readonly #offset = new ClockOffset();
  readonly #timeout: number;
  readonly #maxResponseSize: number;
  readonly #retries: number;
  readonly #retrier: Retrier;
  readonly #inFlight: InFlight;
  /** Attempts of getJob() under way (an attempt may be two exchanges: a 401 retry); close() waits for none. */
  #attempts = 0;
  #idle: (() => void) | undefined;
  readonly #shutdown = new Shutdown((abort) => this.#stop(abort));

  constructor(options: EvsClientOptions = {}) {
    checkOptions(options, CLIENT_OPTION_KEYS);
    const env = options.env ?? process.env;
    if (typeof env !== 'object') throw new TypeError(`Expected \`env\` to be an object of environment variables, got ${got(env)}`);
    this.service = options.service ?? 'evs';
    if (!isService(this.service)) {
      throw new TypeError(`Expected \`service\` to be one of ${SERVICES.map((name) => `'${name}'`).join(', ')}, got ${got(this.service)}`);
    }
    this.projectId = resolveProjectId(options.projectId ?? env[ENV.projectId]);
    this.#target = resolveEndpoint({
      endpoint: options.endpoint,
      region: options.region ?? env[ENV.region],
      service: this.service,
      allowInsecureHttp: options.allowInsecureHttp ?? false,
    });
    this.endpoint = this.#target.origin + this.#target.basePath;
    this.#jobsPath = `${this.#target.basePath}/v1/${this.projectId}/jobs/`;
    this.#jobsSignedPath = `${this.#target.decodedBasePath}/v1/${this.projectId}/jobs/`;
    const credentials = resolveCredentials(options.credentials, env);
    this.#auth = createAuthenticator(credentials);
    this.credentialKey = credentialKey(credentials, this.projectId);
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    assertDelay('timeout', this.#timeout, 1);
    this.#maxResponseSize = options.maxResponseSize ?? DEFAULT_MAX_RESPONSE_SIZE;
    assertInteger('maxResponseSize', this.#maxResponseSize, 1);
    const connections = options.connections ?? DEFAULT_CONNECTIONS;
    assertInteger('connections', connections, 1, 1024);
    this.#retries = options.retries ?? DEFAULT_RETRIES;
    assertInteger('retries', this.#retries, 0, MAX_RETRIES);
    this.clock = options.clock ?? systemClock;
    assertClock('clock', this.clock);
    this.#retrier = new Retrier(this.clock);
    this.#inFlight = new InFlight(this.clock, this.#timeout);
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? createDispatcher(this.#target.origin, connections, this.#timeout, env, options.allowInsecureHttp ?? false);
  }

  /** How far the server's clock is ahead of ours, in ms, learned from `Date` headers (0 until known). */
  get clockOffset(): number {
    return this.#offset.value;
  }

  /** The server's current time by our clock corrected with {@link clockOffset}, in ms since the epoch. */
  serverNow(): number {
    return this.clock.wallNow() + this.#offset.value;
  }

  /**
   * Reads one job, retrying transient failures (`retries`, default the client's: 2) with p-retry.
   * @throws {TypeError} for an unsafe `jobId` or bad options, before any request.
   * @throws {JobNotFoundError} 400 `Common.0011` or 404. {@link ThrottledError} 429. {@link AuthError} 401/403.
   *   {@link HttpError} other statuses. {@link InvalidResponseError} a 2xx body that is not a job.
   *   {@link RequestTimeoutError}, {@link NetworkError}, {@link AbortError}, {@link ClosedError}.
   */
  getJob(jobId: string, options: GetJobOptions = NO_OPTIONS): Promise<Job> {
    // Not `async`: returning the attempt's own promise saves two microtask turns per call; bad input still rejects.
    let retries = this.#retries;
    try {
      assertSafeId('jobId', jobId);
      if (options !== NO_OPTIONS) {
        checkOptions(options, GET_JOB_OPTION_KEYS);
        assertSignal('signal', options.signal);
        if (options.retries !== undefined) assertInteger('retries', (retries = options.retries), 0, MAX_RETRIES);
      }
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new TypeError(String(error)));
    }
    const { signal } = options;
    return this.#retrier.run(() => this.#readJob(jobId, signal), retries, signal);
  }

  /** One attempt of {@link getJob}. */
  async #readJob(jobId: string, signal: AbortSignal | undefined): Promise<Job> {
    if (this.#shutdown.started) throw new ClosedError('EvsClient');
    if (signal?.aborted) throw new AbortError('the request was aborted', { cause: signal.reason });
    this.#attempts += 1;
    let exchange: Exchange;
    try {
      // A safe id needs no encoding: it reads the same on the wire and to the signer.
      exchange = await this.#authenticated('GET', this.#jobsPath + jobId, this.#jobsSignedPath + jobId, signal);
    } catch (error) {
      throw toRequestError(error, this.#timeout);
    } finally {
      if (--this.#attempts === 0) this.#idle?.();
    }
    if (exchange.status >= 200 && exchange.status < 300) {
      const job = parseJobTextWithContext(exchange);
      // The parser's object is ours alone: set the field rather than copy the job for it.
      if (exchange.requestId !== undefined) (job as { requestId?: string }).requestId = exchange.requestId;
      return job;
    }
    throw errorFromResponse({ ...exchange, serverNow: this.serverNow() }, jobId);
  }

  /** Stops accepting requests and resolves once those in flight have finished. Idempotent. */
  close(): Promise<void> {
    return this.#shutdown.close();
  }

  /** Aborts requests in flight (they reject with `AbortError`) and releases connections now. Idempotent. */
  destroy(): Promise<void> {
    return this.#shutdown.destroy();
  }

  /** `await using client = new EvsClient(…)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #stop(abort: boolean): Promise<void> {
    this.#retrier.stop(abort);
    if (abort) this.#inFlight.abortAll(new AbortError('the client was destroyed'));
    if (this.#attempts > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    if (!this.#ownsDispatcher) return;
    // After close() a later destroy() must still release the sockets close() is waiting on.
    await (abort ? this.#dispatcher.destroy() : this.#dispatcher.close()).catch(() => undefined);
  }

  /** `path` goes on the wire; `signedPath` is the same path decoded, which the signer canonicalises back into `path`. Retries once after a 401 the authenticator can fix. */
  async #authenticated(method: string, path: string, signedPath: string, signal: AbortSignal | undefined): Promise<Exchange> {
    const headers = { host: this.#target.host, 'x-project-id': this.projectId };
    for (let attempt = 0; ; attempt++) {
      const authorized = this.#auth.authorize({ method, path: signedPath, headers, serverNow: this.serverNow() });
      // AK/SK signs synchronously: no await, no extra turn of the microtask queue per request.
      const auth = authorized instanceof Promise ? await authorized : authorized;
      const answer = await this.#exchange(method, path, auth.headers, signal);
      this.#offset.observe(answer.date, this.clock.wallNow());
      if (answer.status !== 401 || attempt > 0) return answer;
      if (!(await this.#auth.retryAfterUnauthorized(auth.stamp, this.serverNow()))) return answer;
    }
  }

  /** One request under the client's timeout (one shared sweep) and the caller's signal (one shared listener per signal). */
  #exchange(method: string, path: string, signed: Record<string, string>, signal: AbortSignal | undefined): Promise<Exchange> {
    if (signal?.aborted) return Promise.reject(new AbortError('the request was aborted', { cause: signal.reason }));
    // The authenticator's headers are a fresh object per request: add to it rather than copy it.
    signed['user-agent'] = USER_AGENT;
    signed['accept'] = 'application/json';
    const options = { origin: this.#target.origin, path, method, headers: signed, timeout: this.#timeout, limit: this.#maxResponseSize };
    const reader = exchange(this.#dispatcher, options, this.#inFlight);
    if (signal === undefined) return reader.promise;
    // One shared listener per signal: many concurrent getJob() calls on one signal must not trip Node's MaxListenersExceededWarning.
    const forward = (): void => reader.abort(new AbortError('the request was aborted', { cause: signal.reason }));
    addAbortListener(signal, forward);
    return reader.promise.finally(() => removeAbortListener(signal, forward));
  }
}

/** {@link assertOptions} without narrowing `options` to a record (its typed fields are read next). */
function checkOptions(options: unknown, known: readonly string[]): void {
  assertOptions('options', options, known);
}

function parseJobTextWithContext(exchange: Exchange): Job {
  try {
    return parseJobText(exchange.text);
  } catch (error) {
    throw addResponseContext(error, exchange.status, exchange.requestId);
  }
}

/** Turns whatever a request threw into the library's error classes (its own aborts and timeouts already are). */
function toRequestError(error: unknown, timeout: number): unknown {
  if (error instanceof EvsError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new RequestTimeoutError(timeout, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new NetworkError(typeof code === 'string' ? `${code}: ${message}` : message, { cause: error });
}

function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return isLoopback(new URL(url).hostname);
  } catch {
    return false;
  }
}

function resolveProjectId(projectId: string | undefined): string {
  if (projectId === undefined) {
    throw new TypeError('Expected `projectId` (or HUAWEICLOUD_SDK_PROJECT_ID), got none');
  }
  assertSafeId('projectId', projectId);
  return projectId;
}

function credentialKey(credentials: Credentials, projectId: string): string {
  const name = credentials === 'none' ? `none:${projectId}` : 'accessKey' in credentials ? `ak:${credentials.accessKey}` : `token:${projectId}`;
  return sha256Hex(`evs-job-watcher:${name}`).slice(0, 32);
}

function resolveCredentials(credentials: Credentials | undefined, env: Environment): Credentials {
  const resolved = credentials ?? credentialsFromEnv(env);
  if (resolved === undefined) {
    throw new TypeError(
      `Expected \`credentials\`, or ${ENV.accessKey} and ${ENV.secretKey} (or ${ENV.token}) in the environment; use \`credentials: 'none'\` for an endpoint without auth`,
    );
  }
  assertCredentials(resolved);
  return resolved;
}

/** One keep-alive pool to the endpoint, or a proxy-aware agent when the environment names a proxy. */
function createDispatcher(origin: string, connections: number, timeout: number, env: Environment, allowInsecureHttp: boolean): Dispatcher {
  const options = { connections, keepAliveTimeout: KEEP_ALIVE, connect: { timeout } };
  const httpsProxy = env['HTTPS_PROXY'] ?? env['https_proxy'];
  const httpProxy = env['HTTP_PROXY'] ?? env['http_proxy'];
  if (!httpsProxy && !httpProxy) return new Pool(origin, options);
  // Plain http:// goes to loopback only (unless allowInsecureHttp), and so does its proxy: one elsewhere would read signatures in clear text.
  if (origin.startsWith('http:') && !allowInsecureHttp && !isLoopbackUrl(httpProxy)) return new Pool(origin, options);
  const noProxy = env['NO_PROXY'] ?? env['no_proxy'];
  return new EnvHttpProxyAgent({
    ...options,
    ...(httpsProxy && { httpsProxy }),
    ...(httpProxy && { httpProxy }),
    ...(noProxy !== undefined && { noProxy }),
  });
}
