import { MAX_DELAY, systemClock, type Clock, type TimerHandle } from '../../clock/clock.js';
import { scaledClock } from '../../clock/scaled-clock.js';
import { seededRandom } from '../../clock/seeded-random.js';
import { EvsClient } from '../../client/evs-client.js';
import { startSimulator } from '../../simulator/index.js';
import { JobWatcher } from '../../watcher/job-watcher.js';
import type { DemoConfig } from '../args.js';
import { compareWithFixedPoller } from '../comparison.js';
import { buildScene } from '../demo-scene.js';
import { EXIT, type ExitCode, type StopSignal } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { createRenderer, outputMode } from '../render/create.js';
import { WatchSession } from '../session.js';
import { onStopSignals } from '../signals.js';

/** A demo key pair: the simulator enforces it and the client signs with it, so AK/SK signing is exercised. */
const DEMO_KEYS = { accessKey: 'DEMOEVSJOBWATCHER0001', secretKey: 'demo-secret-key-not-a-real-one' } as const;

/** Polls in flight at most, as a CLI user would set for a few hundred jobs. */
const DEMO_CONCURRENCY = 16;

/**
 * `evs-jobs demo`: a few hundred volume jobs on the in-process simulator, on
 * one clock running `speed` times real time shared by the simulator, the client
 * and the watcher; watched with the real client over signed HTTP and rendered
 * like `wait`. Ends with the summary and a comparison with a fixed 10 s poller.
 * Exits 0 when the show ran through (its failed jobs are part of it).
 */
export async function runDemo(config: DemoConfig, io: CliIo): Promise<ExitCode> {
  const base = scaledClock(config.speed);
  const random = seededRandom(config.seed + 1);
  const clock: Clock = {
    monotonicNow: () => base.monotonicNow(),
    wallNow: () => base.wallNow(),
    setTimeout: (callback, delay) => base.setTimeout(callback, delay),
    clearTimeout: (handle) => base.clearTimeout(handle),
    random,
  };
  const scene = buildScene({ jobs: config.jobs, random: seededRandom(config.seed) });
  const simulator = await startSimulator({ clock, random: seededRandom(config.seed + 2), auth: DEMO_KEYS, faults: scene.faults });
  const client = new EvsClient({
    endpoint: simulator.url,
    projectId: simulator.projectId,
    credentials: DEMO_KEYS,
    clock,
    env: {},
    // The request timeout runs on the fast clock: keep it at 10 real seconds.
    timeout: Math.min(MAX_DELAY, Math.round(10_000 * config.speed)),
    connections: DEMO_CONCURRENCY * 2,
  });
  const watcher = new JobWatcher({ client, concurrency: DEMO_CONCURRENCY });
  const mode = outputMode(config.json, io.stdout, io.env);
  const renderer = createRenderer(mode, io.stdout, {
    now: () => clock.wallNow(),
    stats: () => {
      const stats = watcher.stats();
      return { watched: stats.watched, polls: stats.pollsSent, inFlight: stats.inFlight, rateLimit: stats.rateLimit };
    },
    timeScale: config.speed,
  });
  const session = new WatchSession({ watcher, renderer, clock, realNow: () => systemClock.monotonicNow() });
  const startedAt = clock.monotonicNow();
  if (mode !== 'json') {
    io.stdout.write(
      `evs-jobs demo: ${config.jobs} volume jobs (creates, extends, deletes, batch creates of 10-50 volumes, ~3% failures, a burst of throttling)\n` +
        `on a local EVS simulator at ${simulator.url}, AK/SK-signed, running ${config.speed}x real time. Ctrl-C stops it.\n\n`,
    );
  }

  const timers: TimerHandle[] = [];
  let stopped: StopSignal | undefined;
  /** Jobs created so far that the scene makes fail. */
  let failedByDesign = 0;
  const removeHandlers = onStopSignals((signal) => {
    stopped = signal;
    for (const timer of timers) clock.clearTimeout(timer);
    void session.interrupt(signal);
  });
  try {
    renderer.event({ type: 'start', jobs: scene.jobs.length, endpoint: simulator.url, projectId: simulator.projectId, service: client.service });
    let created = 0;
    for (const job of scene.jobs) {
      const create = (): void => {
        session.add(simulator.addJob(job.spec(clock.wallNow())), job.jobType);
        if (job.fails) failedByDesign += 1;
        if (++created === scene.jobs.length) session.seal();
      };
      timers.push(clock.setTimeout(create, job.at));
    }
    const { from, to, rateLimit } = scene.throttle;
    timers.push(clock.setTimeout(() => simulator.setFaults({ ...scene.faults, rateLimit }), from));
    timers.push(clock.setTimeout(() => simulator.setFaults(scene.faults), to));
    await session.settled;
  } finally {
    removeHandlers();
    for (const timer of timers) clock.clearTimeout(timer);
  }
  const summary = { ...session.summary(), simulatedMs: Math.round(clock.monotonicNow() - startedAt), failedByDesign };
  session.close();
  const comparison = compareWithFixedPoller(session.finished, summary.polls);
  await Promise.all(stopped === undefined ? [watcher.close(), client.close()] : [watcher.destroy(), client.destroy()]);
  await simulator.close();
  renderer.end(summary, comparison);
  return summary.exitCode === EXIT.failed ? EXIT.ok : summary.exitCode;
}
