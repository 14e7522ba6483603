/** `Date` headers have 1 s resolution; smaller disagreements are noise. */
const RESOLUTION = 1000;

/**
 * Learns how far the server's clock is from ours from `Date` response headers.
 * AK/SK signatures older than 15 minutes by the server's clock are refused, and
 * job ages (`now − begin_time`) must be measured on the server's clock.
 */
export class ClockOffset {
  #offset = 0;

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
    const serverTime = Date.parse(dateHeader);
    if (Number.isNaN(serverTime)) return false;
    // The header truncates to the second: the true time is on average half a second later.
    const sample = serverTime + RESOLUTION / 2 - receivedAt;
    if (Math.abs(sample - this.#offset) <= RESOLUTION) return false;
    this.#offset = Math.round(sample / RESOLUTION) * RESOLUTION;
    return true;
  }
}
