import { MAX_DELAY } from '../clock/clock.js';
import { TokenBucket } from '../schedule/token-bucket.js';
import { assertInteger, assertNumber } from '../validation/numbers.js';
import { assertList, assertOptions, keysOf } from '../validation/options.js';
import type { FaultKind, FaultOptions, FaultStep, Latency, RateLimit } from './options.js';

/** Faults that replace or spoil an answer; `latency` only delays it. */
export type AnswerFault = Exclude<FaultKind, 'latency'>;

/** Order of the cumulative probability walk; fixed so seeded runs repeat. */
const ANSWER_FAULTS: readonly AnswerFault[] = [
  'error500', 'error503', 'throttle', 'reset', 'malformed', 'truncated', 'oversize', 'notFound',
];

/** Every fault kind, for zero-filled counters. */
export const FAULT_KINDS: readonly FaultKind[] = [...ANSWER_FAULTS, 'latency'];

const FAULT_KEYS = keysOf<FaultOptions>({
  error500: true,
  error503: true,
  throttle: true,
  reset: true,
  malformed: true,
  truncated: true,
  oversize: true,
  notFound: true,
  latency: true,
  latencyProbability: true,
  script: true,
  throttleRetryAfter: true,
  rateLimit: true,
});

/** Delay of a scripted `'latency'` step when no `latency` is configured, in ms. */
const SCRIPTED_LATENCY = 1000;
/** Requests per minute quoted in 429 messages when no rate limit is configured. */
const DEFAULT_THROTTLE_LIMIT = 1200;
/** Floating-point slack when checking that probabilities sum to at most 1. */
const EPSILON = 1e-9;

/** What happens to one job GET. */
export interface FaultDecision {
  readonly fault: AnswerFault | undefined;
  /** Delay before answering, in ms. */
  readonly delay: number;
}

/** One {@link FaultOptions} in force: replaced whole by `setFaults()`, which restarts its script and bucket. */
export class FaultPlan {
  readonly #options: FaultOptions;
  readonly #script: readonly FaultStep[];
  readonly #random: () => number;
  readonly #bucket: TokenBucket | undefined;
  #step = 0;

  constructor(options: FaultOptions, random: () => number, now: number) {
    checkFaults(options);
    this.#options = options;
    this.#script = [...(options.script ?? [])];
    this.#random = random;
    this.#bucket = options.rateLimit && gatewayBucket(options.rateLimit, now);
  }

  /** Whether the gateway's rate limit lets a request through at `now` (a request over it waits for nothing: it is refused). */
  admit(now: number): boolean {
    return (this.#bucket?.take(now) ?? 0) === 0;
  }

  /** `Retry-After` for 429 answers, in seconds; `undefined` for none. */
  get retryAfter(): number | undefined {
    return this.#options.throttleRetryAfter;
  }

  /** The limit quoted in 429 messages, in requests per minute. */
  get throttleLimit(): number {
    const rate = this.#options.rateLimit?.requestsPerSecond;
    return rate === undefined ? DEFAULT_THROTTLE_LIMIT : Math.round(rate * 60);
  }

  /** Decides the fate of the next job GET: the script first, then the probabilities. */
  next(): FaultDecision {
    const step = this.#script[this.#step];
    if (step === undefined) return { fault: this.#drawFault(), delay: this.#drawDelay() };
    this.#step++;
    if (step === 'none') return { fault: undefined, delay: 0 };
    if (step === 'latency') return { fault: undefined, delay: this.#sampleLatency(this.#options.latency ?? SCRIPTED_LATENCY) };
    return { fault: step, delay: 0 };
  }

  /** One draw picks at most one fault: the probabilities are stacked in a fixed order. */
  #drawFault(): AnswerFault | undefined {
    if (!ANSWER_FAULTS.some((kind) => (this.#options[kind] ?? 0) > 0)) return undefined;
    const draw = this.#random();
    let stacked = 0;
    for (const kind of ANSWER_FAULTS) {
      stacked += this.#options[kind] ?? 0;
      if (draw < stacked) return kind;
    }
    return undefined;
  }

  #drawDelay(): number {
    const { latency, latencyProbability = 1 } = this.#options;
    if (latency === undefined) return 0;
    if (latencyProbability < 1 && this.#random() >= latencyProbability) return 0;
    return this.#sampleLatency(latency);
  }

  #sampleLatency(latency: Latency): number {
    return typeof latency === 'number' ? latency : latency.min + this.#random() * (latency.max - latency.min);
  }
}

/** The gateway's bucket: full at first, `burst` deep (default: one second's worth, at least 1). */
function gatewayBucket(limit: RateLimit, now: number): TokenBucket {
  return new TokenBucket(limit.requestsPerSecond, limit.burst ?? Math.max(1, limit.requestsPerSecond), now);
}

/** Throws a `TypeError` naming the first invalid field of `faults`. */
function checkFaults(faults: FaultOptions): void {
  assertOptions('faults', faults, FAULT_KEYS);
  const total = ANSWER_FAULTS.reduce((sum, kind) => {
    const probability = faults[kind] ?? 0;
    assertNumber(`faults.${kind}`, probability, 0, 1);
    return sum + probability;
  }, 0);
  if (total > 1 + EPSILON) throw new TypeError(`Expected the fault probabilities to sum to at most 1, got \`${total}\``);
  if (faults.latency !== undefined) checkLatency(faults.latency);
  if (faults.latencyProbability !== undefined) assertNumber('faults.latencyProbability', faults.latencyProbability, 0, 1);
  if (faults.throttleRetryAfter !== undefined) assertInteger('faults.throttleRetryAfter', faults.throttleRetryAfter, 0, Math.floor(MAX_DELAY / 1000));
  if (faults.rateLimit !== undefined) {
    assertOptions('faults.rateLimit', faults.rateLimit, ['requestsPerSecond', 'burst']);
    // The watcher's bounds for `maxRequestsPerSecond`: the two sides of one quota.
    assertNumber('faults.rateLimit.requestsPerSecond', faults.rateLimit.requestsPerSecond, 0.01, 1_000_000);
    if (faults.rateLimit.burst !== undefined) assertInteger('faults.rateLimit.burst', faults.rateLimit.burst, 1);
  }
  if (faults.script !== undefined) assertList('faults.script', faults.script);
  for (const step of faults.script ?? []) {
    if (step !== 'none' && !FAULT_KINDS.includes(step)) throw new TypeError(`Unknown fault \`${String(step)}\` in \`faults.script\``);
  }
}

/** Latency is waited for on a timer: at most 2³¹−1 ms. */
function checkLatency(latency: Latency): void {
  if (typeof latency !== 'object' || latency === null) {
    assertNumber('faults.latency', latency, 0, MAX_DELAY);
    return;
  }
  assertOptions('faults.latency', latency, ['min', 'max']);
  assertNumber('faults.latency.min', latency.min, 0, MAX_DELAY);
  assertNumber('faults.latency.max', latency.max, latency.min, MAX_DELAY);
}
