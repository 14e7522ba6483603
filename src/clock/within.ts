import type { Clock } from './clock.js';
import { Timer } from './timer.js';

/** Waits for `work` at most `ms` (on `clock`); resolves either way, so a shutdown never hangs on a peer that is gone. */
export async function within(clock: Clock, ms: number, work: Promise<unknown>): Promise<void> {
  const timer = new Timer(clock);
  await Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => timer.set(ms, resolve))]);
  timer.clear();
}
