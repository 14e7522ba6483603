/**
 * The close/destroy contract shared by the client and the watcher (undici's):
 * `close()` drains, `destroy()` stops now, both idempotent promises, and a
 * `destroy()` during a `close()` hurries it along.
 */
export class Shutdown {
  readonly #stop: (abort: boolean) => Promise<void>;
  #closing: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;

  constructor(stop: (abort: boolean) => Promise<void>) {
    this.#stop = stop;
  }

  /** Whether `close()` or `destroy()` was called. */
  get started(): boolean {
    return this.#closing !== undefined;
  }

  close(): Promise<void> {
    this.#closing ??= this.#stop(false);
    return this.#closing;
  }

  destroy(): Promise<void> {
    this.#destroying ??= this.#stop(true);
    this.#closing ??= this.#destroying;
    return this.#destroying;
  }
}
