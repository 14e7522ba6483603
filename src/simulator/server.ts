import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodePath } from '../client/auth/signer.js';
import { ClosedError } from '../errors/closed-error.js';
import { createVerifier } from './auth.js';
import { assertSkew, resolveConfig, type SimulatorConfig } from './config.js';
import type { SimulatorContext } from './context.js';
import { Delays } from './delays.js';
import { FaultPlan } from './faults.js';
import { createRequestListener } from './handler.js';
import { JobStore } from './job-store.js';
import type { FaultOptions, JobSpec, SimulatorAuth, SimulatorOptions } from './options.js';
import { StatsRecorder, type SimulatorStats } from './stats.js';

/** A running EVS simulator: a real HTTP server on `url`, plus controls for tests. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`, with the `basePath` when one is set. */
  readonly url: string;
  /** The TCP port it listens on (kept across `restart()`). */
  readonly port: number;
  /** The only project id the simulator serves. */
  readonly projectId: string;
  /** Adds a job; returns its id (32 lower-case hex characters). Sub-jobs get ids of their own. */
  addJob(spec?: JobSpec): string;
  /** The wire body a GET would return now (snake_case); `undefined` for an unknown or still invisible job. Not counted in stats. */
  jobState(jobId: string): Record<string, unknown> | undefined;
  /** Replaces the faults in force; the script and the rate limit's bucket start afresh. */
  setFaults(faults: FaultOptions): void;
  /** Replaces the credentials the gateway accepts (`undefined`: accept everything); lockouts are forgotten. */
  setAuth(auth: SimulatorAuth | undefined): void;
  /** Sets the server clock's offset from the injected clock, in ms (`Date`, signature expiry, job timestamps). */
  setSkew(ms: number): void;
  /** Counters since start or the last `resetStats()`. */
  stats(): SimulatorStats;
  /** Zeroes the counters and the request log. */
  resetStats(): void;
  /**
   * Closes the listener and destroys every socket, then listens again on the same port.
   * Jobs, faults, auth and stats are kept. Rejects with `ClosedError` after `close()`.
   */
  restart(): Promise<void>;
  /** Stops listening and destroys keep-alive sockets and pending delays. Idempotent. */
  close(): Promise<void>;
  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a local HTTP server that behaves like Huawei Cloud EVS: job queries,
 * volume create/extend/delete, AK/SK or token auth, rate limits and faults.
 * @throws {TypeError} when an option is invalid.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = new LocalSimulator(resolveConfig(options));
  await simulator.listen();
  return simulator;
}

class LocalSimulator implements Simulator {
  readonly projectId: string;
  readonly #config: SimulatorConfig;
  readonly #context: SimulatorContext;
  readonly #listener: (request: IncomingMessage, response: ServerResponse) => void;
  #port: number;
  #server: Server | undefined;
  #closing: Promise<void> | undefined;

  constructor(config: SimulatorConfig) {
    const { clock, random } = config;
    this.#config = config;
    this.projectId = config.projectId;
    this.#port = config.port;
    this.#context = {
      clock,
      random,
      projectId: config.projectId,
      basePath: config.basePath,
      store: new JobStore(random, config.jobDefaults),
      stats: new StatsRecorder(config.recordRequests),
      delays: new Delays(clock),
      apiJobs: config.apiJobs,
      auth: config.auth === undefined ? undefined : createVerifier(config.auth, config.maxSkew),
      faults: new FaultPlan(config.faults, random, clock.monotonicNow()),
      skew: config.skew,
    };
    this.#listener = createRequestListener(this.#context);
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    const host = this.#config.host.includes(':') ? `[${this.#config.host}]` : this.#config.host;
    return `http://${host}:${this.#port}${encodePath(this.#config.basePath)}`;
  }

  addJob(spec: JobSpec = {}): string {
    return this.#context.store.add(spec, this.#context.clock.wallNow());
  }

  jobState(jobId: string): Record<string, unknown> | undefined {
    return this.#context.store.wire(jobId, this.#context.clock.wallNow(), this.#context.skew);
  }

  setFaults(faults: FaultOptions): void {
    this.#context.faults = new FaultPlan(faults, this.#context.random, this.#context.clock.monotonicNow());
  }

  setAuth(auth: SimulatorAuth | undefined): void {
    this.#context.auth = auth === undefined ? undefined : createVerifier(auth, this.#config.maxSkew);
  }

  setSkew(ms: number): void {
    assertSkew(ms);
    this.#context.skew = ms;
  }

  stats(): SimulatorStats {
    return this.#context.stats.snapshot();
  }

  resetStats(): void {
    this.#context.stats.reset();
  }

  async restart(): Promise<void> {
    this.#assertOpen();
    await this.#stop();
    this.#assertOpen();
    await this.listen();
  }

  close(): Promise<void> {
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Listens on the current port: the configured one at first, then the same one again on restart. */
  async listen(): Promise<void> {
    const server = createServer(this.#listener);
    this.#port = await listen(server, this.#port, this.#config.host);
    this.#server = server;
    // A close() that ran while we were binding found nothing to stop.
    if (this.#closing) {
      await this.#stop();
      this.#assertOpen();
    }
  }

  #assertOpen(): void {
    if (this.#closing) throw new ClosedError('simulator');
  }

  async #stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#context.delays.cancelAll();
    if (server) await shutdown(server);
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes the listener and destroys every socket, idle keep-alive ones included, so nothing hangs. */
function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
