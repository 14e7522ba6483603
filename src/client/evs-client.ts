import { EnvHttpProxyAgent, Pool, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../clock/clock.js';
import { ClosedError } from '../errors/closed-error.js';
import { addResponseContext, EvsError } from '../errors/evs-error.js';
import { AbortError, NetworkError, RequestTimeoutError } from '../errors/request-errors.js';
import { addAbortListener, removeAbortListener } from '../lifecycle/abort-listeners.js';
import { Shutdown } from '../lifecycle/shutdown.js';
import type { Job } from '../model/job.js';
import { parseJobText } from '../model/parse-job.js';
import { assertSafeId } from '../validation/ids.js';
import { assertDelay, assertInteger } from '../validation/numbers.js';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import { sha256Hex } from './auth/signer.js';
import { assertCredentials, credentialsFromEnv, ENV, type Credentials, type Environment } from './auth/credentials.js';
import { ClockOffset } from './clock-offset.js';
import { isLoopback, resolveEndpoint, type Endpoint, type Service } from './endpoint.js';
import type { EvsClientOptions, GetJobOptions } from './options.js';
import { readCapped } from './read-body.js';
import { errorFromResponse } from './response-error.js';
import { USER_AGENT } from './version.js';

const DEFAULT_TIMEOUT = 10_000;
const DEFAULT_CONNECTIONS = 16;
const DEFAULT_MAX_RESPONSE_SIZE = 1_048_576;
const KEEP_ALIVE = 30_000;

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
 * of EVS or ECS, over one keep-alive undici pool.
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
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #auth: Authenticator;
  readonly #offset = new ClockOffset();
  readonly #timeout: number;
  readonly #maxResponseSize: number;
  readonly #inFlight = new Map<AbortController, Promise<unknown>>();
  readonly #shutdown = new Shutdown((abort) => this.#stop(abort));

  constructor(options: EvsClientOptions = {}) {
    const env = options.env ?? process.env;
    this.service = options.service ?? 'evs';
    if (this.service !== 'evs' && this.service !== 'ecs') {
      throw new TypeError(`Expected \`service\` to be 'evs' or 'ecs', got ${JSON.stringify(this.service)}`);
    }
    this.projectId = resolveProjectId(options.projectId ?? env[ENV.projectId]);
    this.#target = resolveEndpoint({
      endpoint: options.endpoint,
      region: options.region ?? env[ENV.region],
      service: this.service,
      allowInsecureHttp: options.allowInsecureHttp ?? false,
    });
    this.endpoint = this.#target.origin + this.#target.basePath;
    const credentials = resolveCredentials(options.credentials, env);
    this.#auth = createAuthenticator(credentials);
    this.credentialKey = credentialKey(credentials, this.projectId);
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    assertDelay('timeout', this.#timeout, 1);
    this.#maxResponseSize = options.maxResponseSize ?? DEFAULT_MAX_RESPONSE_SIZE;
    assertInteger('maxResponseSize', this.#maxResponseSize, 1);
    const connections = options.connections ?? DEFAULT_CONNECTIONS;
    assertInteger('connections', connections, 1, 1024);
    this.clock = options.clock ?? systemClock;
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
   * Reads one job.
   * @throws {TypeError} for an unsafe `jobId`, before any request.
   * @throws {JobNotFoundError} 400 `Common.0011` or 404. {@link ThrottledError} 429. {@link AuthError} 401/403.
   *   {@link HttpError} other statuses. {@link InvalidResponseError} a 2xx body that is not a job.
   *   {@link RequestTimeoutError}, {@link NetworkError}, {@link AbortError}, {@link ClosedError}.
   */
  async getJob(jobId: string, options: GetJobOptions = {}): Promise<Job> {
    assertSafeId('jobId', jobId);
    if (this.#shutdown.started) throw new ClosedError('EvsClient');
    const exchange = await this.#request('GET', `${this.#target.basePath}/v1/${this.projectId}/jobs/${jobId}`, options.signal);
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
    if (abort) for (const controller of this.#inFlight.keys()) controller.abort(DESTROYED);
    await Promise.allSettled(this.#inFlight.values());
    if (!this.#ownsDispatcher) return;
    // After close() a later destroy() must still release the sockets close() is waiting on.
    await (abort ? this.#dispatcher.destroy() : this.#dispatcher.close()).catch(() => undefined);
  }

  /** Sends one request under the client's timeout and the caller's signal; retries once after a 401 the authenticator can fix. */
  #request(method: string, path: string, signal: AbortSignal | undefined): Promise<Exchange> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const timer = this.clock.setTimeout(() => controller.abort(TIMED_OUT), this.#timeout);
    const forward = (): void => controller.abort(signal?.reason);
    // One shared listener per signal: many concurrent getJob() calls on one signal must not trip Node's MaxListenersExceededWarning.
    if (signal !== undefined) addAbortListener(signal, forward);
    const done = this.#authenticated(method, path, controller.signal)
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

  async #authenticated(method: string, path: string, signal: AbortSignal): Promise<Exchange> {
    const headers = { host: this.#target.host, 'x-project-id': this.projectId };
    for (let attempt = 0; ; attempt++) {
      const auth = await this.#auth.authorize({ method, path, headers, serverNow: this.serverNow() });
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
