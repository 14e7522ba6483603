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
import { assertCredentials, credentialsFromEnv, ENV, type Credentials, type Environment } from './auth/credentials.js';
import { ClockOffset } from './clock-offset.js';
import { isLoopback, isService, resolveEndpoint, SERVICES, type Endpoint, type Service } from './endpoint.js';
import { CLIENT_OPTION_KEYS, GET_JOB_OPTION_KEYS, type EvsClientOptions, type GetJobOptions } from './options.js';
import { readCapped } from './read-body.js';
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

/** Why a request's own controller aborted it. */
const TIMED_OUT = Symbol('timed out');
const DESTROYED = Symbol('destroyed');

interface Exchange {
  readonly status: number;
  readonly text: string;
  readonly requestId: string | undefined;
  readonly retryAfter: string | undefined;
}

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
  readonly #inFlight = new Map<AbortController, Promise<unknown>>();
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
    this.#auth = createAuthenticator(resolveCredentials(options.credentials, env));
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
  async getJob(jobId: string, options: GetJobOptions = NO_OPTIONS): Promise<Job> {
    assertSafeId('jobId', jobId);
    let retries = this.#retries;
    if (options !== NO_OPTIONS) {
      checkOptions(options, GET_JOB_OPTION_KEYS);
      assertSignal('signal', options.signal);
      if (options.retries !== undefined) assertInteger('retries', (retries = options.retries), 0, MAX_RETRIES);
    }
    const { signal } = options;
    return this.#retrier.run(() => this.#readJob(jobId, signal), retries, signal);
  }

  /** One attempt of {@link getJob}. */
  async #readJob(jobId: string, signal: AbortSignal | undefined): Promise<Job> {
    if (this.#shutdown.started) throw new ClosedError('EvsClient');
    // A safe id needs no encoding: it reads the same on the wire and to the signer.
    const exchange = await this.#request('GET', this.#jobsPath + jobId, this.#jobsSignedPath + jobId, signal);
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
    if (abort) for (const controller of this.#inFlight.keys()) controller.abort(DESTROYED);
    await Promise.allSettled(this.#inFlight.values());
    if (!this.#ownsDispatcher) return;
    // After close() a later destroy() must still release the sockets close() is waiting on.
    await (abort ? this.#dispatcher.destroy() : this.#dispatcher.close()).catch(() => undefined);
  }

  /** Sends one request under the client's timeout and the caller's signal; retries once after a 401 the authenticator can fix. */
  #request(method: string, path: string, signedPath: string, signal: AbortSignal | undefined): Promise<Exchange> {
    if (signal?.aborted) throw new AbortError('the request was aborted', { cause: signal.reason });
    const controller = new AbortController();
    const timer = this.clock.setTimeout(() => controller.abort(TIMED_OUT), this.#timeout);
    const forward = (): void => controller.abort(signal?.reason);
    // One shared listener per signal: many concurrent getJob() calls on one signal must not trip Node's MaxListenersExceededWarning.
    if (signal !== undefined) addAbortListener(signal, forward);
    const done = this.#authenticated(method, path, signedPath, controller.signal)
      .catch((error: unknown) => {
        throw toRequestError(error, controller.signal, this.#timeout);
      })
      .finally(() => {
        this.clock.clearTimeout(timer);
        if (signal !== undefined) removeAbortListener(signal, forward);
        this.#inFlight.delete(controller);
      });
    this.#inFlight.set(controller, done);
    return done;
  }

  /** `path` goes on the wire; `signedPath` is the same path decoded, which the signer canonicalises back into `path`. */
  async #authenticated(method: string, path: string, signedPath: string, signal: AbortSignal): Promise<Exchange> {
    const headers = { host: this.#target.host, 'x-project-id': this.projectId };
    for (let attempt = 0; ; attempt++) {
      const auth = await this.#auth.authorize({ method, path: signedPath, headers, serverNow: this.serverNow() });
      const exchange = await this.#exchange(method, path, auth.headers, signal);
      if (exchange.status !== 401 || attempt > 0) return exchange;
      if (!(await this.#auth.retryAfterUnauthorized(auth.stamp, this.serverNow()))) return exchange;
    }
  }

  async #exchange(method: string, path: string, headers: Record<string, string>, signal: AbortSignal): Promise<Exchange> {
    const response = await this.#dispatcher.request({
      origin: this.#target.origin,
      path,
      method: method,
      headers: { ...headers, 'user-agent': USER_AGENT, accept: 'application/json' },
      signal,
      // Real-time backstops; the clock-driven timer above is the one that normally fires.
      headersTimeout: this.#timeout,
      bodyTimeout: this.#timeout,
    });
    this.#offset.observe(header(response.headers, 'date'), this.clock.wallNow());
    const requestId = header(response.headers, 'x-request-id');
    let text: string;
    try {
      text = await readCapped(response.body, this.#maxResponseSize, header(response.headers, 'content-length'));
    } catch (error) {
      throw addResponseContext(error, response.statusCode, requestId);
    }
    return { status: response.statusCode, text, requestId, retryAfter: header(response.headers, 'retry-after') };
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

/** Turns whatever a request threw into the library's error classes. */
function toRequestError(error: unknown, signal: AbortSignal, timeout: number): unknown {
  if (signal.aborted) {
    if (signal.reason === TIMED_OUT) return new RequestTimeoutError(timeout);
    if (signal.reason === DESTROYED) return new AbortError('the client was destroyed');
    return new AbortError('the request was aborted', { cause: signal.reason });
  }
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

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function resolveProjectId(projectId: string | undefined): string {
  if (projectId === undefined) {
    throw new TypeError('Expected `projectId` (or HUAWEICLOUD_SDK_PROJECT_ID), got none');
  }
  assertSafeId('projectId', projectId);
  return projectId;
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
  // Plain http:// is allowed to loopback only (unless allowInsecureHttp), and so
  // is its proxy: a proxy on another machine reads the signature or the IAM token
  // in clear text (and cannot reach our loopback anyway). Such a request used to
  // go through any HTTP_PROXY, e.g. to a local simulator with a corporate proxy set.
  if (origin.startsWith('http:') && !allowInsecureHttp && !isLoopbackUrl(httpProxy)) return new Pool(origin, options);
  const noProxy = env['NO_PROXY'] ?? env['no_proxy'];
  return new EnvHttpProxyAgent({
    ...options,
    ...(httpsProxy && { httpsProxy }),
    ...(httpProxy && { httpProxy }),
    ...(noProxy !== undefined && { noProxy }),
  });
}
