import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { addResponseContext } from '../errors/evs-error.js';
import { ResponseTooLargeError } from '../errors/invalid-response-error.js';
import { InFlightRequest, type InFlight } from './in-flight.js';

/** A response read in full (the body capped), as the client needs it. */
export interface Exchange {
  readonly status: number;
  readonly text: string;
  readonly requestId: string | undefined;
  readonly retryAfter: string | undefined;
  readonly date: string | undefined;
}

/** What one request needs besides the dispatcher. */
export interface ExchangeOptions {
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  /** Real-time backstops of undici's own; the registry's clock-driven timeout is the one that normally fires. */
  readonly timeout: number;
  /** Largest body read, in bytes. */
  readonly limit: number;
}

/**
 * Sends one request through `dispatcher.dispatch()` and reads the answer.
 * undici's `request()` would make a Readable stream of every body and follow
 * an AbortSignal per request; this handler collects the (capped) body itself
 * and is aborted through undici's controller, by the registry (timeouts,
 * destroy) or by the caller's signal.
 * @returns the exchange, and a function to abort it.
 */
export function exchange(dispatcher: Dispatcher, options: ExchangeOptions, registry: InFlight): ResponseReader {
  const reader = new ResponseReader(options.limit, registry);
  registry.add(reader);
  dispatcher.dispatch(
    {
      origin: options.origin,
      path: options.path,
      method: options.method,
      headers: options.headers,
      headersTimeout: options.timeout,
      bodyTimeout: options.timeout,
    },
    reader,
  );
  return reader;
}

const BOM = 0xfeff;

/** The handler of one request: a promise of its {@link Exchange}, settled exactly once. */
export class ResponseReader extends InFlightRequest implements Dispatcher.DispatchHandler {
  readonly promise: Promise<Exchange>;
  readonly #limit: number;
  readonly #registry: InFlight;
  #resolve!: (exchange: Exchange) => void;
  #reject!: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  /** An abort that came before undici handed us its controller (the request still queued). */
  #pendingAbort: Error | undefined;
  #settled = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(limit: number, registry: InFlight) {
    super();
    this.#limit = limit;
    this.#registry = registry;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Rejects with `error` now, and stops the request (at once, or as soon as undici starts it). */
  abort(error: Error): void {
    if (this.#settled) return;
    this.#fail(error);
    if (this.#controller === undefined) this.#pendingAbort = error;
    else this.#controller.abort(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#pendingAbort !== undefined) controller.abort(this.#pendingAbort);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#status = statusCode;
    this.#headers = headers;
    const length = headers['content-length'];
    // A declared length over the cap fails before a byte of the body is read.
    if (typeof length === 'string' && Number(length) > this.#limit) this.#tooLarge(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#size += chunk.length;
    // An undeclared length is cut as soon as it crosses the cap: a hostile server cannot exhaust memory.
    if (this.#size > this.#limit) this.#tooLarge(controller);
    else this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#registry.remove(this);
    const headers = this.#headers;
    this.#resolve({
      status: this.#status,
      text: decode(this.#chunks, this.#size),
      requestId: first(headers['x-request-id']),
      retryAfter: first(headers['retry-after']),
      date: first(headers['date']),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.#settled) this.#fail(error);
  }

  #tooLarge(controller: Dispatcher.DispatchController): void {
    const error = new ResponseTooLargeError(this.#limit);
    addResponseContext(error, this.#status, first(this.#headers['x-request-id']));
    this.#fail(error);
    controller.abort(error);
  }

  #fail(error: unknown): void {
    this.#settled = true;
    this.#registry.remove(this);
    this.#chunks = [];
    this.#reject(error);
  }
}

/** UTF-8 text of the body, without a byte-order mark (as undici's `body.text()` decodes it). */
function decode(chunks: readonly Buffer[], size: number): string {
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
  return text.charCodeAt(0) === BOM ? text.slice(1) : text;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
