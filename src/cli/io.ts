import type { Environment } from '../client/auth/credentials.js';
import type { Output } from './render/renderer.js';

/** The process as a command sees it; tests pass their own. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Opened only when ids are read from `-`. */
  readonly stdin: () => AsyncIterable<unknown>;
  readonly env: Environment;
}
