import type { DurationPrior } from './duration-learner.js';

/**
 * What the watcher believes before it has seen any job finish. Deliberately
 * wide (σ ≥ 0.7): a few real samples move them. The create median is the
 * ~25 s of the API reference's batch sample; the rest are conservative guesses.
 */
export const DEFAULT_PRIORS: Readonly<Record<string, DurationPrior>> = {
  createVolume: { median: 25_000, spread: 0.7 },
  deleteVolume: { median: 15_000, spread: 0.7 },
  deleteSingleVolume: { median: 15_000, spread: 0.7 },
  extendVolume: { median: 20_000, spread: 0.7 },
  batchCreateVolume: { median: 45_000, spread: 0.8 },
  bulkDeleteVolume: { median: 30_000, spread: 0.8 },
  retypeVolume: { median: 900_000, spread: 1 },
};

/** For job types nobody described, and for "any job" before a type is known. */
export const FALLBACK_PRIOR: DurationPrior = { median: 30_000, spread: 1.2 };
