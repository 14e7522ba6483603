import { appendFileSync } from 'node:fs';
import type { AccessKeyCredentials } from '../../../src/client/auth/credentials.js';
import { EvsClient } from '../../../src/client/evs-client.js';
import type { EvsClientOptions } from '../../../src/client/options.js';
import { seededRandom } from '../../../src/clock/seeded-random.js';
import { WatchTimeoutError } from '../../../src/errors/watch-errors.js';
import type { Job } from '../../../src/model/job.js';
import { startSimulator, type FaultOptions, type JobSpec, type Simulator, type SimulatorOptions, type SimulatorStats } from '../../../src/simulator/index.js';
import { JobWatcher } from '../../../src/watcher/job-watcher.js';
import type { ThrottledEvent } from '../../../src/watcher/events.js';
import type { JobWatcherOptions } from '../../../src/watcher/options.js';
import type { WatcherStats } from '../../../src/watcher/stats.js';
import { createFakeClock, settle, type FakeClock } from '../../helpers/fake-clock.js';
import { HttpTrace, maxInWindow } from './http-trace.js';

// The fault matrix's driver: it runs one scenario and measures what happened.
// It asserts nothing: each row of faults-*.test.ts states what must hold.

/** Credentials the skew scenarios sign with (the simulated gateway checks them). */
export const SCENARIO_KEYS: AccessKeyCredentials = { accessKey: 'RELIABILITYTESTAK001', secretKey: 'reliability-test-secret-key' };

/** Jobs in the mix, and how they are watched. */
export const JOBS = 500;
const WAVES = 5;
const WAVE_EVERY = 10_000;
/** Per wave of 100: this many go into one `watchAll()` group… */
const GROUPED = 16;
/** …and this many are watched with one shared signal, aborted at {@link ABORT_AT}. */
const ABORTED = 4;
/** When the shared signal aborts its watches, in fake ms since the start. */
export const ABORT_AT = 50_000;
/** Fake time moves in steps of this many ms; real I/O settles between steps. */
export const QUANTUM = 200;
/** After the last watch settles, time runs on this long, to catch any late poll. */
const AFTERMATH = 120_000;
/** Watch timeout of every watch (ms). */
export const WATCH_TIMEOUT = 300_000;
/** The matrix's watcher: at most this many polls in flight… */
export const CONCURRENCY = 16;
/** …and at most this many started per second (its token bucket holds as many). */
export const RATE = 40;
/** `notFoundChecks` of the matrix's watcher (the watcher's default). */
export const NOT_FOUND_CHECKS = 4;

/** What a watched job must end with. */
export type Expectation =
  /** The job's final status (SUCCESS or FAIL), as the simulator holds it. */
  | { readonly kind: 'final' }
  /** `WatchTimeoutError` after the watch timeout, having last seen `status`. */
  | { readonly kind: 'timeout'; readonly status: string }
  /** `JobNotFoundError` after `notFoundChecks + 1` answers of 400 `Common.0011`. */
  | { readonly kind: 'notFound' }
  /** Decided by what the simulator answered: `notFound` if its first `notFoundChecks + 1` answers were 400, else `final`. */
  | { readonly kind: 'notFoundIfNeverSeen' };

/** How a scenario changes one job of the standard mix. */
export interface SpecialJob {
  readonly spec: Partial<JobSpec>;
  readonly expect: Expectation;
}

/** One row of the fault matrix: the fault, and where it is injected. */
export interface FaultScenario {
  readonly name: string;
  /** Simulator options (skew, auth, latency…), besides the faults. */
  readonly simulator?: Partial<SimulatorOptions>;
  readonly client?: Partial<EvsClientOptions>;
  /** Faults in force outside bursts. */
  readonly background?: FaultOptions;
  /** Faults in force `length` ms out of every `every` ms, until `until` (fake ms since the start). */
  readonly bursts?: { readonly faults: FaultOptions; readonly every: number; readonly length: number; readonly until: number };
  /** Restart the simulator on the same port every `every` ms until `until`. */
  readonly restarts?: { readonly every: number; readonly until: number };
  /** Changes some plainly watched jobs of the mix (by index), with what to expect of them. */
  readonly special?: (index: number, random: () => number) => SpecialJob | undefined;
}

/** How the mix watches a job: alone, in a `watchAll()` group, or alone with the signal aborted at {@link ABORT_AT}. */
export type Role = 'watch' | 'group' | 'abort';

/** One watch of the mix, as it ended. */
export interface WatchRecord {
  readonly index: number;
  readonly jobId: string;
  readonly role: Role;
  /**
   * The outcome it must have: the job's final status as the simulator holds it
   * (`SUCCESS`, `FAIL`), or the error the scenario set it up for
   * (`WatchTimeoutError`, `JobNotFoundError`, `AbortError`).
   */
  readonly expected: string;
  /** The outcome it had: the status of the job it resolved with (`wrong job …` if another), or the error's name. */
  readonly outcome: string;
  /** How many times its promise settled (a promise settles once: more means the watcher resolved it twice). */
  readonly settleCount: number;
  /** Fake ms from its wave's start (for aborted watches: from the start) to its settling. */
  readonly settledAfter: number;
  /** `lastStatus` of its `WatchTimeoutError`, if it timed out. */
  readonly lastStatus: string | undefined;
  /** A status the scenario made the job report forever, if any. */
  readonly forcedStatus: string | undefined;
  /** `done`, `timeout` events for it, and `subJobDone` events per sub-job. */
  readonly events: { readonly done: number; readonly timeout: number; readonly subJobDone: readonly number[] };
  /** Job GETs the simulator counted for it. */
  readonly requests: number;
}

/** What one scenario run did: everything the matrix's rows assert, measured. */
export interface ScenarioRun {
  readonly name: string;
  readonly watches: readonly WatchRecord[];
  /** Requests the client sent for a job after that job's watch had settled. */
  readonly sentAfterSettle: readonly { readonly jobId: string; readonly sentAt: number }[];
  /**
   * Jobs whose requests reached the simulator after their watch settled more
   * often than they had requests in flight at that moment (at most one each:
   * the last poll before a deadline, its bytes already sent).
   */
  readonly arrivedAfterSettle: readonly { readonly jobId: string; readonly arrived: number; readonly inFlightAtSettle: number }[];
  /** Job GETs per job (all 500, aborted ones included): the request budget. */
  readonly perJob: { readonly mean: number; readonly max: number };
  /** Polls (requests that were not an immediate retry) started in any 1 s and any 10 s window, as the client sent them. */
  readonly pollsPer: { readonly second: number; readonly tenSeconds: number };
  /** Immediate retries (a stale keep-alive socket, a 401 after a clock fix) and the other polls. */
  readonly immediateRetries: number;
  readonly polls: number;
  /** Most requests in flight at once: at the simulator, and open at the client. */
  readonly maxInFlight: { readonly simulator: number; readonly client: number };
  /** Most watches the scheduler held at once. */
  readonly maxWatched: number;
  /** The watcher's stats after the last watch settled and time ran on. */
  readonly watcherAfter: WatcherStats;
  /** Fake seconds from a job's end to its watch settling, for finished jobs watched alone: least, median, most. */
  readonly lag: { readonly min: number; readonly p50: number; readonly max: number };
  /** Job GETs the simulator logged (plus those still in flight), and those it counted per job plus refused at the gateway. */
  readonly accounting: { readonly logged: number; readonly counted: number };
  readonly sim: SimulatorStats;
  readonly throttled: readonly ThrottledEvent[];
  readonly client: EvsClient;
  readonly restarts: number;
  readonly fakeSeconds: number;
}

interface Entry {
  readonly index: number;
  readonly wave: number;
  readonly role: Role;
  readonly spec: JobSpec;
  readonly hint: string | undefined;
  readonly expect: Expectation | { readonly kind: 'aborted' };
  jobId: string;
  subJobIds: string[];
  outcome: { readonly status: 'fulfilled'; readonly job: Job } | { readonly status: 'rejected'; readonly error: unknown } | undefined;
  settledSeq: number;
  settledAt: number;
  settleCount: number;
}

/** Log-normal draw from a seeded source. */
function logNormal(random: () => number, median: number, sigma: number): number {
  return Math.round(median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
}

/** The standard mix: 500 jobs (singles of three types, batches of 2–4), some failing, in five waves. */
function jobMix(scenario: FaultScenario): Entry[] {
  const random = seededRandom(4242);
  const entries: Entry[] = [];
  for (let index = 0; index < JOBS; index++) {
    const slot = index % 100;
    const role: Role = slot < GROUPED ? 'group' : slot < GROUPED + ABORTED ? 'abort' : 'watch';
    let spec: JobSpec;
    const kind = random();
    if (role === 'abort') spec = { jobType: 'createVolume', duration: 600_000 };
    else if (kind < 0.4) spec = { jobType: 'createVolume', duration: logNormal(random, 25_000, 0.35), ...(random() < 0.08 && { outcome: 'FAIL' as const }) };
    else if (kind < 0.55) spec = { jobType: 'deleteVolume', duration: logNormal(random, 12_000, 0.3) };
    else if (kind < 0.7) spec = { jobType: 'extendVolume', duration: logNormal(random, 20_000, 0.4), ...(random() < 0.05 && { outcome: 'FAIL' as const }) };
    else {
      const count = 2 + Math.floor(random() * 3);
      const failing = random() < 0.15 ? Math.floor(random() * count) : -1;
      spec = {
        jobType: 'batchCreateVolume',
        subJobs: Array.from({ length: count }, (_, sub) => ({ duration: logNormal(random, 25_000, 0.35), ...(sub === failing && { outcome: 'FAIL' as const }) })),
      };
    }
    const special = role === 'watch' ? scenario.special?.(index, random) : undefined;
    entries.push({
      index,
      wave: Math.floor(index / 100),
      role,
      spec: { ...spec, ...special?.spec },
      hint: index % 2 === 0 ? spec.jobType : undefined,
      expect: role === 'abort' ? { kind: 'aborted' } : (special?.expect ?? { kind: 'final' }),
      jobId: '',
      subJobIds: [],
      outcome: undefined,
      settledSeq: -1,
      settledAt: -1,
      settleCount: 0,
    });
  }
  return entries;
}

/**
 * Runs one fault scenario: the 500-job mix over real HTTP against the
 * simulator, all on one fake clock, with a watcher of {@link CONCURRENCY} polls
 * and {@link RATE} per second. Returns what happened; asserts nothing.
 */
export async function runScenario(scenario: FaultScenario): Promise<ScenarioRun> {
  const clock = createFakeClock({ seed: 11 });
  const sim = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    clock,
    random: seededRandom(2026),
    recordRequests: true,
    batchOverhead: 2_000,
    ...scenario.simulator,
    faults: scenario.background ?? {},
  });
  const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {}, clock, timeout: 5_000, ...scenario.client });
  const options: JobWatcherOptions = { client, concurrency: CONCURRENCY, maxRequestsPerSecond: RATE, timeout: WATCH_TIMEOUT, notFoundChecks: NOT_FOUND_CHECKS };
  const watcher = new JobWatcher(options);
  const trace = new HttpTrace(sim.url, clock);
  try {
    const run = await drive(scenario, { clock, sim, client, watcher, trace });
    const file = process.env['RELIABILITY_REPORT'];
    if (file) appendFileSync(file, `${JSON.stringify(reportLine(run))}\n`);
    return run;
  } finally {
    trace.close();
    await watcher.destroy();
    await client.destroy();
    await sim.close();
  }
}

interface Rig {
  readonly clock: FakeClock;
  readonly sim: Simulator;
  readonly client: EvsClient;
  readonly watcher: JobWatcher;
  readonly trace: HttpTrace;
}

async function drive(scenario: FaultScenario, rig: Rig): Promise<ScenarioRun> {
  const { clock, sim, watcher, trace } = rig;
  const t0 = clock.monotonicNow();
  const entries = jobMix(scenario);
  const done = new Map<string, number>();
  const subJobDone = new Map<string, number>();
  const timeouts = new Map<string, number>();
  const count = (counts: Map<string, number>, jobId: string): void => void counts.set(jobId, (counts.get(jobId) ?? 0) + 1);
  watcher.on('done', ({ job }) => count(done, job.jobId));
  watcher.on('subJobDone', ({ subJob }) => count(subJobDone, subJob.jobId));
  watcher.on('timeout', ({ jobId }) => count(timeouts, jobId));
  const throttled: ThrottledEvent[] = [];
  watcher.on('throttled', (event) => throttled.push(event));
  const abort = new AbortController();
  let pending = entries.length;

  const settleEntry = (entry: Entry, outcome: NonNullable<Entry['outcome']>): void => {
    entry.settleCount += 1;
    if (entry.outcome !== undefined) return;
    entry.outcome = outcome;
    entry.settledSeq = trace.mark();
    entry.settledAt = clock.monotonicNow();
    pending -= 1;
  };

  const startWave = (wave: number): void => {
    const group: Entry[] = [];
    for (const entry of entries.filter((candidate) => candidate.wave === wave)) {
      entry.jobId = sim.addJob(entry.spec);
      const state = sim.jobState(entry.jobId) ?? {};
      entry.subJobIds = ((state['entities'] as { sub_jobs?: { job_id: string }[] } | undefined)?.sub_jobs ?? []).map((sub) => sub.job_id);
      if (entry.role === 'group') {
        group.push(entry);
        continue;
      }
      const options = { ...(entry.hint !== undefined && { jobType: entry.hint }), ...(entry.role === 'abort' && { signal: abort.signal }) };
      watcher.watch(entry.jobId, options).then(
        (job) => settleEntry(entry, { status: 'fulfilled', job }),
        (error: unknown) => settleEntry(entry, { status: 'rejected', error }),
      );
    }
    watcher.watchAll(group.map((entry) => entry.jobId)).then(
      (jobs) => group.forEach((entry, index) => settleEntry(entry, { status: 'fulfilled', job: jobs[index]! })),
      (error: unknown) => group.forEach((entry) => settleEntry(entry, { status: 'rejected', error })),
    );
  };

  // Real I/O is done when every request the watcher has in flight waits at the simulator on fake time.
  const idle = (): boolean => watcher.stats().inFlight === sim.stats().inFlight && trace.inFlight === sim.stats().inFlight;
  let nextWave = 0;
  let burstOn = false;
  let nextRestart = scenario.restarts?.every ?? Number.POSITIVE_INFINITY;
  let restarts = 0;
  let settledAt: number | undefined;
  let maxWatched = 0;
  for (;;) {
    const elapsed = clock.monotonicNow() - t0;
    if (nextWave < WAVES && elapsed >= nextWave * WAVE_EVERY) startWave(nextWave++);
    if (elapsed >= ABORT_AT && !abort.signal.aborted) abort.abort(new Error('test aborts these watches'));
    const { bursts } = scenario;
    if (bursts !== undefined) {
      const inBurst = elapsed < bursts.until && elapsed % bursts.every >= bursts.every - bursts.length;
      if (inBurst !== burstOn) {
        burstOn = inBurst;
        sim.setFaults(inBurst ? bursts.faults : (scenario.background ?? {}));
      }
    }
    if (scenario.restarts !== undefined && elapsed >= nextRestart && elapsed < scenario.restarts.until) {
      await sim.restart();
      restarts += 1;
      nextRestart += scenario.restarts.every;
    }
    maxWatched = Math.max(maxWatched, watcher.stats().watched);
    if (pending === 0 && nextWave === WAVES) {
      settledAt ??= clock.monotonicNow();
      if (clock.monotonicNow() - settledAt >= AFTERMATH) break;
    }
    if (elapsed > WATCH_TIMEOUT + 10 * 60_000) throw new Error(`${scenario.name}: ${pending} watches still pending after ${elapsed} fake ms`);
    await clock.tick(QUANTUM);
    await settle(idle, 2_000);
  }

  const stats = sim.stats();
  const log = stats.log.filter((record) => record.route === 'showJob');
  const byId = new Map(entries.map((entry) => [entry.jobId, entry]));

  const watches = entries.map((entry): WatchRecord => {
    const outcome = entry.outcome!;
    const error = outcome.status === 'rejected' ? outcome.error : undefined;
    return {
      index: entry.index,
      jobId: entry.jobId,
      role: entry.role,
      expected: expectedOutcome(entry, sim, log),
      outcome: describeOutcome(entry.jobId, outcome),
      settleCount: entry.settleCount,
      settledAfter: entry.settledAt - t0 - (entry.role === 'abort' ? 0 : entry.wave * WAVE_EVERY),
      lastStatus: error instanceof WatchTimeoutError ? error.lastStatus : undefined,
      forcedStatus: entry.spec.status,
      events: {
        done: done.get(entry.jobId) ?? 0,
        timeout: timeouts.get(entry.jobId) ?? 0,
        subJobDone: entry.subJobIds.map((subJobId) => subJobDone.get(subJobId) ?? 0),
      },
      requests: stats.requestsPerJob.get(entry.jobId) ?? 0,
    };
  });

  // A request that reached the simulator after its watch settled is explained only by one already in flight then.
  const inFlightAtSettle = new Map<string, number>();
  for (const request of trace.requests) {
    const entry = byId.get(request.jobId);
    if (entry !== undefined && request.seq < entry.settledSeq && (request.endedAt ?? Number.POSITIVE_INFINITY) >= entry.settledAt) {
      count(inFlightAtSettle, request.jobId);
    }
  }
  const lateArrivals = new Map<string, number>();
  for (const record of log) {
    const entry = byId.get(record.jobId!);
    if (entry === undefined || record.time > entry.settledAt + QUANTUM) count(lateArrivals, record.jobId!);
  }

  const polls = trace.requests.filter((request) => !request.immediate).map((request) => request.sentAt);
  const perJob = watches.map((watch) => watch.requests);
  const requests = perJob.reduce((sum, value) => sum + value, 0);
  // Notice lag of finished jobs watched alone (a watchAll() member settles with its group's slowest):
  // `end_time` is on the server's clock, `skew` ms from ours.
  const skew = scenario.simulator?.skew ?? 0;
  const lags = entries
    .filter((entry) => entry.role === 'watch' && entry.outcome?.status === 'fulfilled')
    .map((entry) => (entry.settledAt - (Date.parse(String(sim.jobState(entry.jobId)!['end_time'])) - skew)) / 1_000);

  return {
    name: scenario.name,
    watches,
    sentAfterSettle: trace.requests
      .filter((request) => request.seq > (byId.get(request.jobId)?.settledSeq ?? Number.NEGATIVE_INFINITY))
      .map((request) => ({ jobId: request.jobId, sentAt: request.sentAt })),
    arrivedAfterSettle: [...lateArrivals]
      .map(([jobId, arrived]) => ({ jobId, arrived, inFlightAtSettle: inFlightAtSettle.get(jobId) ?? 0 }))
      .filter(({ arrived, inFlightAtSettle: inFlight }) => arrived > Math.min(1, inFlight)),
    perJob: { mean: Math.round((requests / entries.length) * 100) / 100, max: Math.max(...perJob) },
    pollsPer: { second: maxInWindow(polls, 1_000), tenSeconds: maxInWindow(polls, 10_000) },
    immediateRetries: trace.requests.length - polls.length,
    polls: polls.length,
    maxInFlight: { simulator: stats.maxInFlight, client: trace.maxInFlight },
    maxWatched,
    watcherAfter: watcher.stats(),
    lag: { min: Math.min(...lags), p50: quantile(lags, 0.5), max: quantile(lags, 1) },
    accounting: { logged: log.length + stats.inFlight, counted: requests + stats.authFailures },
    sim: stats,
    throttled,
    client: rig.client,
    restarts,
    fakeSeconds: Math.round((clock.monotonicNow() - t0) / 1_000),
  };
}

/** The outcome `entry` must have: the simulator's final status, or the error its scenario set it up for. */
function expectedOutcome(entry: Entry, sim: Simulator, log: SimulatorStats['log']): string {
  let expectation = entry.expect;
  if (expectation.kind === 'notFoundIfNeverSeen') {
    const first = log.filter((record) => record.jobId === entry.jobId).slice(0, NOT_FOUND_CHECKS + 1);
    const neverSeen = first.length === NOT_FOUND_CHECKS + 1 && first.every((record) => record.status === 400);
    expectation = neverSeen ? { kind: 'notFound' } : { kind: 'final' };
  }
  switch (expectation.kind) {
    case 'final':
      return String(sim.jobState(entry.jobId)?.['status']);
    case 'timeout':
      return 'WatchTimeoutError';
    case 'notFound':
      return 'JobNotFoundError';
    case 'aborted':
      return 'AbortError';
  }
}

function describeOutcome(jobId: string, outcome: NonNullable<Entry['outcome']>): string {
  if (outcome.status === 'fulfilled') return outcome.job.jobId === jobId ? outcome.job.status : `wrong job ${outcome.job.jobId}`;
  const error = outcome.error;
  return error instanceof Error ? error.name : String(error);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return Math.round(value * 10) / 10;
}

/** One JSON line of numbers per row, for docs/RELIABILITY.md (`RELIABILITY_REPORT=file.jsonl`). */
function reportLine(run: ScenarioRun): Record<string, unknown> {
  const outcomes: Record<string, number> = {};
  for (const watch of run.watches) outcomes[watch.outcome] = (outcomes[watch.outcome] ?? 0) + 1;
  return {
    name: run.name,
    outcomes,
    ...run.perJob,
    immediateRetries: run.immediateRetries,
    faults: Object.fromEntries(Object.entries(run.sim.faults).filter(([, value]) => value > 0)),
    byStatus: run.sim.byStatus,
    maxInFlight: run.maxInFlight,
    pollsPer: run.pollsPer,
    throttlePauses: run.watcherAfter.throttlePauses,
    authFailures: run.sim.authFailures,
    restarts: run.restarts,
    pollErrors: Object.fromEntries(Object.entries(run.watcherAfter.errors).filter(([, value]) => value > 0)),
    lag: run.lag,
    fakeSeconds: run.fakeSeconds,
  };
}
