import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { AccessKeyCredentials } from '../../../src/client/auth/credentials.js';
import { EvsClient } from '../../../src/client/evs-client.js';
import type { EvsClientOptions } from '../../../src/client/options.js';
import { seededRandom } from '../../../src/clock/seeded-random.js';
import { JobNotFoundError } from '../../../src/errors/job-not-found-error.js';
import { AbortError } from '../../../src/errors/request-errors.js';
import { WatchTimeoutError } from '../../../src/errors/watch-errors.js';
import type { Job } from '../../../src/model/job.js';
import { startSimulator, type FaultOptions, type JobSpec, type Simulator, type SimulatorOptions, type SimulatorStats } from '../../../src/simulator/index.js';
import { JobWatcher } from '../../../src/watcher/job-watcher.js';
import type { ThrottledEvent } from '../../../src/watcher/events.js';
import type { WatcherSettings } from '../../../src/watcher/options.js';
import type { WatcherStats } from '../../../src/watcher/stats.js';
import { createFakeClock, settle, type FakeClock } from '../../helpers/fake-clock.js';
import { HttpTrace, maxInWindow } from './http-trace.js';

/** Credentials the skew scenarios sign with (the simulated gateway checks them). */
export const SCENARIO_KEYS: AccessKeyCredentials = { accessKey: 'RELIABILITYTESTAK001', secretKey: 'reliability-test-secret-key' };

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

/** One row of the fault matrix. */
export interface FaultScenario {
  readonly name: string;
  /** Simulator options (skew, auth, latency…), besides the faults. */
  readonly simulator?: Partial<SimulatorOptions>;
  readonly client?: Partial<EvsClientOptions>;
  readonly watcher?: WatcherSettings;
  /** Faults in force outside bursts. */
  readonly background?: FaultOptions;
  /** Faults in force `length` ms out of every `every` ms, until `until` (fake ms since the start). */
  readonly bursts?: { readonly faults: FaultOptions; readonly every: number; readonly length: number; readonly until: number };
  /** Restart the simulator on the same port every `every` ms until `until`. */
  readonly restarts?: { readonly every: number; readonly until: number };
  /** Changes some plainly watched jobs of the mix (by index), with what to expect of them. */
  readonly special?: (index: number, random: () => number) => SpecialJob | undefined;
  /**
   * Request budget, from the simulator's count of job GETs: `mean` per job
   * (all 500, aborted ones included), `max` for any one job. Exceeding it is a retry storm.
   */
  readonly budget: { readonly mean: number; readonly max: number };
  /** Asserts the fault really happened (and was handled as documented): a matrix row must not pass vacuously. */
  readonly exercised: (run: ScenarioRun) => void;
}

/** What a scenario's `exercised` check can look at. */
export interface ScenarioRun {
  readonly sim: SimulatorStats;
  readonly watcher: WatcherStats;
  readonly client: EvsClient;
  readonly report: ScenarioReport;
  readonly throttled: readonly ThrottledEvent[];
}

/** Jobs in the mix, and how they are watched. */
export const JOBS = 500;
const WAVES = 5;
const WAVE_EVERY = 10_000;
/** Per wave of 100: this many go into one `watchAll()` group… */
const GROUPED = 16;
/** …and this many are watched with one shared signal, aborted at {@link ABORT_AT}. */
const ABORTED = 4;
const ABORT_AT = 50_000;
/** Fake time moves in steps of this many ms; real I/O settles between steps. */
const QUANTUM = 200;
/** After the last watch settles, time runs on this long, to catch any late poll. */
const AFTERMATH = 120_000;
/** Watch timeout of every watch (ms). */
export const WATCH_TIMEOUT = 300_000;
/** Watcher defaults of the matrix: a bounded, rate-limited watcher. */
export const CONCURRENCY = 16;
export const RATE = 40;

type Role = 'watch' | 'group' | 'abort';

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

/** Numbers a scenario run produced, for its assertions and for RELIABILITY.md. */
export interface ScenarioReport {
  readonly name: string;
  readonly jobs: number;
  readonly subJobs: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly requests: number;
  readonly meanPerJob: number;
  readonly maxPerJob: number;
  readonly immediateRetries: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly maxInFlight: number;
  readonly clientMaxInFlight: number;
  readonly maxPer1s: number;
  readonly maxPer10s: number;
  readonly pollsAfterFinal: number;
  /** Requests in flight when their watch settled (aborted by it) that the simulator logged later in fake time. */
  readonly lateArrivals: number;
  readonly throttlePauses: number;
  readonly authFailures: number;
  readonly restarts: number;
  /** Failed polls by kind, as the watcher counted them. */
  readonly pollErrors: Readonly<Record<string, number>>;
  /** Time from a job's end to its watch settling, median and worst, in fake seconds. */
  readonly lagP50: number;
  readonly lagMax: number;
  readonly fakeSeconds: number;
  readonly realMs: number;
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
 * Runs one fault scenario: 500 jobs over real HTTP against the simulator, all
 * on one fake clock, and asserts what the matrix promises. Returns its numbers.
 */
export async function runScenario(scenario: FaultScenario): Promise<ScenarioReport> {
  const realStart = performance.now();
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
  const watcher = new JobWatcher({ client, concurrency: CONCURRENCY, maxRequestsPerSecond: RATE, timeout: WATCH_TIMEOUT, ...scenario.watcher });
  const trace = new HttpTrace(sim.url, clock);
  try {
    return await exercise(scenario, { clock, sim, client, watcher, trace }, realStart);
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

async function exercise(scenario: FaultScenario, rig: Rig, realStart: number): Promise<ScenarioReport> {
  const { clock, sim, client, watcher, trace } = rig;
  const t0 = clock.monotonicNow();
  const entries = jobMix(scenario);
  const byId = new Map<string, Entry>();
  const done = new Map<string, number>();
  const subJobDone = new Map<string, number>();
  const timeouts = new Map<string, number>();
  watcher.on('done', ({ job }) => done.set(job.jobId, (done.get(job.jobId) ?? 0) + 1));
  watcher.on('subJobDone', ({ subJob }) => subJobDone.set(subJob.jobId, (subJobDone.get(subJob.jobId) ?? 0) + 1));
  watcher.on('timeout', ({ jobId }) => timeouts.set(jobId, (timeouts.get(jobId) ?? 0) + 1));
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
      byId.set(entry.jobId, entry);
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
  const watcherStats = watcher.stats();
  const log = stats.log.filter((record) => record.route === 'showJob');
  const notFoundChecks = scenario.watcher?.notFoundChecks ?? 4;

  // 1. Every watch settled exactly once, with the right outcome.
  const outcomes: Record<string, number> = {};
  for (const entry of entries) {
    expect(entry.settleCount, `${entry.jobId} settled ${entry.settleCount} times`).toBe(1);
    const outcome = entry.outcome!;
    const label = describeOutcome(outcome);
    outcomes[label] = (outcomes[label] ?? 0) + 1;
    let expectation = entry.expect;
    if (expectation.kind === 'notFoundIfNeverSeen') {
      const first = log.filter((record) => record.jobId === entry.jobId).slice(0, notFoundChecks + 1);
      expectation = first.length === notFoundChecks + 1 && first.every((record) => record.status === 400) ? { kind: 'notFound' } : { kind: 'final' };
    }
    const context = `${scenario.name}: job ${entry.index} (${entry.jobId}, ${entry.role}) expected ${expectation.kind}, got ${label}`;
    switch (expectation.kind) {
      case 'final': {
        expect(outcome.status, context).toBe('fulfilled');
        const job = (outcome as { job: Job }).job;
        expect(job.jobId, context).toBe(entry.jobId);
        expect(job.status, context).toBe(sim.jobState(entry.jobId)!['status']);
        expect(done.get(entry.jobId), context).toBe(1);
        // A finished batch reported each of its sub-jobs exactly once.
        for (const subJobId of entry.subJobIds) expect(subJobDone.get(subJobId), `${context}: sub-job ${subJobId}`).toBe(1);
        break;
      }
      case 'timeout': {
        const error = (outcome as { error: unknown }).error;
        expect(error, context).toBeInstanceOf(WatchTimeoutError);
        expect(error, context).toMatchObject({ jobId: entry.jobId, timeout: WATCH_TIMEOUT, lastStatus: expectation.status });
        expect(entry.settledAt - (t0 + entry.wave * WAVE_EVERY), context).toBeGreaterThanOrEqual(WATCH_TIMEOUT);
        expect(entry.settledAt - (t0 + entry.wave * WAVE_EVERY), context).toBeLessThanOrEqual(WATCH_TIMEOUT + QUANTUM);
        expect(timeouts.get(entry.jobId), context).toBe(1);
        expect(done.has(entry.jobId), context).toBe(false);
        break;
      }
      case 'notFound': {
        const error = (outcome as { error: unknown }).error;
        expect(error, context).toBeInstanceOf(JobNotFoundError);
        expect(error, context).toMatchObject({ jobId: entry.jobId, status: 400, serviceCode: 'Common.0011' });
        expect(stats.requestsPerJob.get(entry.jobId), context).toBe(notFoundChecks + 1);
        break;
      }
      case 'aborted': {
        const error = (outcome as { error: unknown }).error;
        expect(error, context).toBeInstanceOf(AbortError);
        expect(entry.settledAt - t0, context).toBe(ABORT_AT + ((QUANTUM - (ABORT_AT % QUANTUM)) % QUANTUM));
        break;
      }
    }
    // Sub-jobs are never reported twice, whatever happened to their batch.
    for (const subJobId of entry.subJobIds) expect(subJobDone.get(subJobId) ?? 0, context).toBeLessThanOrEqual(1);
  }
  expect([...done.values()].every((count) => count === 1)).toBe(true);

  // 2. Nothing is polled after its watch settled or was aborted: every request
  //    for a job left the client before that job's watch settled.
  const late = trace.requests.filter((request) => {
    const entry = byId.get(request.jobId);
    return entry === undefined || request.seq > entry.settledSeq;
  });
  expect(late, `${scenario.name}: requests sent after their watch settled`).toEqual([]);
  // The simulator's side of it: a request can reach it after its watch settled only if it was already
  // in flight then (the last poll before a deadline, aborted by it, its bytes already sent): at most one per job.
  const inFlightAtSettle = new Map<string, number>();
  for (const request of trace.requests) {
    const entry = byId.get(request.jobId);
    if (entry !== undefined && request.seq < entry.settledSeq && (request.endedAt ?? Number.POSITIVE_INFINITY) >= entry.settledAt) {
      inFlightAtSettle.set(request.jobId, (inFlightAtSettle.get(request.jobId) ?? 0) + 1);
    }
  }
  const lateArrivals = new Map<string, number>();
  for (const record of log) {
    const entry = byId.get(record.jobId!);
    if (entry === undefined || record.time > entry.settledAt + QUANTUM) lateArrivals.set(record.jobId!, (lateArrivals.get(record.jobId!) ?? 0) + 1);
  }
  const unexplained = [...lateArrivals].filter(([jobId, count]) => count > Math.min(1, inFlightAtSettle.get(jobId) ?? 0));
  expect(unexplained, `${scenario.name}: requests that reached the simulator after their watch settled, not in flight then`).toEqual([]);
  expect(stats.pollsAfterFinal, `${scenario.name}: polls answered final twice`).toBe(0);
  // The scheduler forgot every settled watch.
  expect(watcherStats).toMatchObject({ watched: 0, waiters: 0, inFlight: 0 });
  expect(maxWatched).toBeLessThanOrEqual(JOBS);

  // 3. Concurrency and rate bounds.
  expect(stats.maxInFlight, `${scenario.name}: most requests at the simulator at once`).toBeLessThanOrEqual(CONCURRENCY);
  expect(trace.maxInFlight, `${scenario.name}: most requests the client had open at once`).toBeLessThanOrEqual(CONCURRENCY);
  const polls = trace.requests.filter((request) => !request.immediate).map((request) => request.sentAt);
  const immediate = trace.requests.length - polls.length;
  const burst = Math.max(1, scenario.watcher?.maxRequestsPerSecond ?? RATE);
  const rate = scenario.watcher?.maxRequestsPerSecond ?? RATE;
  // A token bucket allows `burst + rate × window` in any window; polls reach the socket up to one quantum late.
  const maxPer1s = maxInWindow(polls, 1_000);
  const maxPer10s = maxInWindow(polls, 10_000);
  expect(maxPer1s, `${scenario.name}: polls in any 1 s`).toBeLessThanOrEqual(burst + (rate * (1_000 + QUANTUM)) / 1_000);
  expect(maxPer10s, `${scenario.name}: polls in any 10 s`).toBeLessThanOrEqual(burst + (rate * (10_000 + QUANTUM)) / 1_000);
  expect(immediate, `${scenario.name}: immediate retries`).toBeLessThanOrEqual(polls.length);

  // 4. Request budget: no retry storm.
  const perJob = entries.map((entry) => stats.requestsPerJob.get(entry.jobId) ?? 0);
  // Notice lag of finished jobs watched alone (a watchAll() member settles with its group's slowest):
  // `end_time` is on the server's clock, `skew` ms from ours.
  const skew = scenario.simulator?.skew ?? 0;
  const lags = entries
    .filter((entry) => entry.role === 'watch' && entry.outcome?.status === 'fulfilled')
    .map((entry) => (entry.settledAt - (Date.parse(String(sim.jobState(entry.jobId)!['end_time'])) - skew)) / 1_000);
  expect(Math.min(...lags), `${scenario.name}: a watch settled before its job ended`).toBeGreaterThanOrEqual(0);
  const requests = perJob.reduce((sum, count) => sum + count, 0);
  const meanPerJob = requests / entries.length;
  const maxPerJob = Math.max(...perJob);
  // Every job GET the simulator logged is counted per job, except those the gateway refused (401) before routing.
  expect(requests + stats.authFailures).toBe(log.length + stats.inFlight);
  expect(meanPerJob, `${scenario.name}: mean requests per job`).toBeLessThanOrEqual(scenario.budget.mean);
  expect(maxPerJob, `${scenario.name}: most requests for one job`).toBeLessThanOrEqual(scenario.budget.max);
  expect(client.projectId).toBe(sim.projectId);

  const report: ScenarioReport = {
    name: scenario.name,
    jobs: entries.length,
    subJobs: entries.reduce((sum, entry) => sum + entry.subJobIds.length, 0),
    outcomes,
    requests,
    meanPerJob: Math.round(meanPerJob * 100) / 100,
    maxPerJob,
    immediateRetries: immediate,
    faults: Object.fromEntries(Object.entries(stats.faults).filter(([, count]) => count > 0)),
    byStatus: stats.byStatus,
    maxInFlight: stats.maxInFlight,
    clientMaxInFlight: trace.maxInFlight,
    maxPer1s,
    maxPer10s,
    pollsAfterFinal: stats.pollsAfterFinal,
    lateArrivals: [...lateArrivals.values()].reduce((sum, count) => sum + count, 0),
    throttlePauses: watcherStats.throttlePauses,
    authFailures: stats.authFailures,
    restarts,
    pollErrors: Object.fromEntries(Object.entries(watcherStats.errors).filter(([, count]) => count > 0)),
    lagP50: quantile(lags, 0.5),
    lagMax: quantile(lags, 1),
    fakeSeconds: Math.round((clock.monotonicNow() - t0) / 1_000),
    realMs: Math.round(performance.now() - realStart),
  };
  scenario.exercised({ sim: stats, watcher: watcherStats, client, report, throttled });
  const file = process.env['RELIABILITY_REPORT'];
  if (file) appendFileSync(file, `${JSON.stringify(report)}\n`);
  return report;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return Math.round(value * 10) / 10;
}

function describeOutcome(outcome: NonNullable<Entry['outcome']>): string {
  if (outcome.status === 'fulfilled') return outcome.job.status;
  const error = outcome.error;
  return error instanceof Error ? error.name : String(error);
}
