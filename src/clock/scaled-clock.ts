import { boundDelay, systemClock, type Clock } from './clock.js';

/**
 * A clock that runs `factor` times faster than `base`, from the moment it is
 * made. The demo runs the simulator and the watcher on one such clock, so a
 * 25-second job takes a fraction of a second without changing any logic.
 * Both readings advance with `base`'s monotonic time, so a step of `base`'s wall clock does not reach it.
 */
export function scaledClock(factor: number, base: Clock = systemClock): Clock {
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new TypeError(`Expected \`factor\` to be a finite number > 0, got \`${String(factor)}\``);
  }
  const origin = base.monotonicNow();
  const wallOrigin = base.wallNow();
  const scaled = (): number => (base.monotonicNow() - origin) * factor;
  return {
    monotonicNow: () => origin + scaled(),
    wallNow: () => wallOrigin + scaled(),
    setTimeout: (callback, delay) => base.setTimeout(callback, boundDelay(delay) / factor),
    clearTimeout: (handle) => base.clearTimeout(handle),
    random: () => base.random(),
  };
}
