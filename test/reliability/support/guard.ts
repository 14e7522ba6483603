import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, expect, vi } from 'vitest';

/** What a test run printed or leaked besides its results. */
export interface Noise {
  /** Reasons of promises rejected with nobody listening. */
  readonly rejections: unknown[];
  /** `process.emitWarning` calls (MaxListenersExceededWarning, deprecations, …). */
  readonly warnings: Error[];
  /** Console calls, by method. */
  readonly console: { readonly method: string; readonly text: string }[];
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/**
 * Hooks `process.on('unhandledRejection')`, `process.on('warning')` and every
 * console method for the whole file, so a test can assert that the library
 * printed nothing and dropped no rejection. Call once at the top of a file.
 */
export function guardProcess(): Noise {
  const noise: Noise = { rejections: [], warnings: [], console: [] };
  const onRejection = (reason: unknown): void => {
    noise.rejections.push(reason);
  };
  const onWarning = (warning: Error): void => {
    noise.warnings.push(warning);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
    process.on('warning', onWarning);
    for (const method of CONSOLE_METHODS) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        noise.console.push({ method, text: args.map(String).join(' ') });
      });
    }
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    process.off('warning', onWarning);
    vi.restoreAllMocks();
  });
  return noise;
}

/** Asserts nothing was printed, warned or left rejected (after letting pending warnings and rejections surface). */
export async function expectQuiet(noise: Noise): Promise<void> {
  // Warnings are emitted on the next tick, unhandled rejections after the microtask queue drains.
  for (let turn = 0; turn < 3; turn++) await nextTurn();
  expect(noise.rejections.map(String)).toEqual([]);
  expect(noise.warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([]);
  expect(noise.console).toEqual([]);
}
