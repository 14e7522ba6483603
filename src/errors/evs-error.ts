/** Context every library error may carry. */
export interface EvsErrorOptions {
  /** The underlying error, if any. Never holds request headers or credentials. */
  readonly cause?: unknown;
  /** HTTP status of the response that caused the error, when there was one. */
  readonly status?: number;
  /** The `X-Request-Id` of that response, for Huawei support tickets. */
  readonly requestId?: string;
}

/**
 * Base class of every error this library throws or rejects with. `code` is
 * stable across releases: branch on it (or on `instanceof`), not on `message`.
 * Messages, properties and `cause` chains never contain an SK, token or signature.
 */
export class EvsError extends Error {
  /** Stable machine-readable code, e.g. `EVS_THROTTLED`. */
  readonly code: string;
  /** HTTP status, when the error came from a response. */
  declare readonly status?: number;
  /** `X-Request-Id` of the response, when the server sent one. */
  declare readonly requestId?: string;

  constructor(code: string, message: string, options: EvsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.requestId !== undefined) this.requestId = options.requestId;
  }
}

/**
 * Adds the response's status and request id to an error raised while reading it
 * (the parser and the body reader know the bytes, not the response). Returns the
 * error itself; anything that is not an {@link EvsError} passes unchanged.
 */
export function addResponseContext(error: unknown, status: number, requestId: string | undefined): unknown {
  if (error instanceof EvsError) {
    Object.defineProperty(error, 'status', { value: status, enumerable: true });
    if (requestId !== undefined) Object.defineProperty(error, 'requestId', { value: requestId, enumerable: true });
  }
  return error;
}
