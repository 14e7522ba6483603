/** `Date` headers have 1 s resolution; smaller disagreements are noise. */
const RESOLUTION = 1000;
/** Server times a `Date` header may teach: years 0000–9999, what `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`) can express. */
const EARLIEST = Date.parse('0000-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59Z');

/**
 * Learns how far the server's clock is from ours from `Date` response headers.
 * AK/SK signatures older than 15 minutes by the server's clock are refused, and
 * job ages (`now − begin_time`) must be measured on the server's clock.
 */
export class ClockOffset {
  #offset = 0;
  /** The last header parsed, and its time: most answers of a second carry the same `Date`. */
  #lastHeader: string | undefined;
  #lastTime = Number.NaN;

  /** Server time minus local time, in ms (0 until a `Date` header disagrees by more than 1 s). */
  get value(): number {
    return this.#offset;
  }

  /**
   * Records a `Date` header seen at local time `receivedAt`.
   * @returns whether the estimate moved.
   */
  observe(dateHeader: string | undefined, receivedAt: number): boolean {
    if (dateHeader === undefined) return false;
    if (dateHeader !== this.#lastHeader) {
      this.#lastHeader = dateHeader;
      this.#lastTime = Date.parse(dateHeader);
    }
    const serverTime = this.#lastTime;
    if (Number.isNaN(serverTime) || serverTime < EARLIEST || serverTime > LATEST) return false;
    // The header truncates to the second: the true time is on average half a second later.
    const sample = serverTime + RESOLUTION / 2 - receivedAt;
    if (Math.abs(sample - this.#offset) <= RESOLUTION) return false;
    this.#offset = Math.round(sample / RESOLUTION) * RESOLUTION;
    return true;
  }
}
