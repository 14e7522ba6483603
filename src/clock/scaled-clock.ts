import { boundDelay, systemClock, type Clock } from './clock.js';

/**
 * A clock that runs `factor` times faster than `base`, starting from `base.now()`.
 * The demo runs the simulator and the watcher on one such clock, so a
 * 25-second job takes a fraction of a second without changing any logic.
 */
export function scaledClock(factor: number, base: Clock = systemClock): Clock {
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new TypeError(`Expected \`factor\` to be a finite number > 0, got \`${String(factor)}\``);
  }
  const origin = base.now();
  return {
    now: () => origin + (base.now() - origin) * factor,
    setTimeout: (callback, delay) => base.setTimeout(callback, boundDelay(delay) / factor),
    clearTimeout: (handle) => base.clearTimeout(handle),
    random: () => base.random(),
  };
}
