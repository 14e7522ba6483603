import { seededRandom } from './library.js';

/** A seeded source of the distributions the fleets need. */
export class Random {
  readonly uniform: () => number;

  constructor(seed: number) {
    this.uniform = seededRandom(seed);
  }

  between(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** An integer in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low + 1));
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Exponential with the given mean (Poisson inter-arrival times). */
  exponential(meanValue: number): number {
    return -Math.log(1 - this.uniform()) * meanValue;
  }

  /** Picks a key with probability proportional to its weight. */
  pick<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let draw = this.uniform() * total;
    for (const [key, weight] of entries) {
      draw -= weight;
      if (draw < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }

  /** 32 lower-case hex characters, like EVS job ids. */
  hexId(): string {
    let id = '';
    for (let i = 0; i < 4; i++) id += Math.floor(this.uniform() * 0x1_0000_0000).toString(16).padStart(8, '0');
    return id;
  }
}
