/** Bad signatures that lock an access key, like the real gateway. */
const LOCKOUT_THRESHOLD = 5;
/** Window in which {@link LOCKOUT_THRESHOLD} failures lock the key, in ms. */
const LOCKOUT_WINDOW = 5 * 60_000;
/** How long a locked key is refused, in ms. */
const LOCKOUT_DURATION = 5 * 60_000;

/** Counts bad signatures per access key and locks keys that fail too often. */
export class Lockout {
  readonly #failures = new Map<string, number[]>();
  readonly #lockedUntil = new Map<string, number>();

  /** Whether `key` is locked at `now`. */
  isLocked(key: string, now: number): boolean {
    const until = this.#lockedUntil.get(key);
    if (until === undefined) return false;
    if (now < until) return true;
    this.#lockedUntil.delete(key);
    return false;
  }

  /** Records a bad signature for `key` at `now`, locking it on the threshold-th within the window. */
  fail(key: string, now: number): void {
    const recent = (this.#failures.get(key) ?? []).filter((time) => now - time < LOCKOUT_WINDOW);
    recent.push(now);
    if (recent.length < LOCKOUT_THRESHOLD) {
      this.#failures.set(key, recent);
      return;
    }
    this.#failures.delete(key);
    this.#lockedUntil.set(key, now + LOCKOUT_DURATION);
  }
}
