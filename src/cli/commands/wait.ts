import type { Environment } from '../../client/auth/credentials.js';
import { EvsClient } from '../../client/evs-client.js';
import type { EvsClientOptions } from '../../client/options.js';
import { systemClock } from '../../clock/clock.js';
import { JobWatcher } from '../../watcher/job-watcher.js';
import type { WatcherSettings } from '../../watcher/options.js';
import type { ClientConfig, WaitConfig, WatchConfig } from '../args.js';
import type { ExitCode, StopSignal } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { readIds } from '../read-ids.js';
import { createRenderer, outputMode } from '../render/create.js';
import { WatchSession } from '../session.js';
import { onStopSignals } from '../signals.js';
import { UsageError } from '../usage-error.js';

/** Keep-alive connections for the default watcher concurrency (10) with room to spare. */
const MIN_CONNECTIONS = 16;

/**
 * `evs-jobs wait <jobId…>`: watches every job with one watcher over one client,
 * renders progress, prints the summary and returns the exit code. SIGINT or
 * SIGTERM aborts polls in flight and still prints the summary.
 * @throws {UsageError} for unreadable ids or a configuration the client refuses.
 */
export async function runWait(config: WaitConfig, io: CliIo): Promise<ExitCode> {
  const ids = await readIds({ args: config.ids, file: config.file }, io.stdin);
  const client = createClient(config.client, config.watch, io.env);
  const watcher = createWatcher(client, config.watch);
  const renderer = createRenderer(outputMode(config.json, io.stdout, io.env), io.stdout, {
    now: () => client.clock.wallNow(),
    stats: () => {
      const stats = watcher.stats();
      return { watched: stats.watched, polls: stats.pollsSent, inFlight: stats.inFlight, rateLimit: stats.rateLimit };
    },
  });
  const session = new WatchSession({ watcher, renderer, clock: client.clock, realNow: () => systemClock.monotonicNow() });
  let stopped: StopSignal | undefined;
  const removeHandlers = onStopSignals((signal) => {
    stopped = signal;
    void session.interrupt(signal);
  });
  try {
    renderer.event({ type: 'start', jobs: ids.length, endpoint: client.endpoint, projectId: client.projectId, service: client.service });
    for (const id of ids) session.add(id);
    session.seal();
    await session.settled;
  } finally {
    removeHandlers();
  }
  const summary = session.summary();
  session.close();
  if (stopped === undefined) await Promise.all([watcher.close(), client.close()]);
  else await Promise.all([watcher.destroy(), client.destroy()]);
  renderer.end(summary);
  return summary.exitCode;
}

/** The client for `config`; its own checks (e.g. the region's form) become usage errors. */
function createClient(config: ClientConfig, watch: WatchConfig, env: Environment): EvsClient {
  const options: EvsClientOptions = {
    projectId: config.projectId,
    service: config.service,
    env,
    connections: Math.min(1_024, Math.max(MIN_CONNECTIONS, watch.concurrency ?? 0)),
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    ...(config.region !== undefined && { region: config.region }),
    ...(config.auth === 'none' && { credentials: 'none' as const }),
  };
  try {
    return new EvsClient(options);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(`invalid configuration: ${error.message}`, 'wait');
    throw error;
  }
}

/** The watcher over `client`; an option it refuses becomes a usage error. */
function createWatcher(client: EvsClient, watch: WatchConfig): JobWatcher {
  try {
    return new JobWatcher({ client, ...watcherOptions(watch) });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(`invalid configuration: ${error.message}`, 'wait');
    throw error;
  }
}

/** The watcher options the flags set; the rest keep the watcher's defaults. */
export function watcherOptions(watch: WatchConfig): WatcherSettings {
  const { pollInterval, ...options } = watch;
  // A fixed interval: plain backoff that does not grow (the watcher still polls at most every 500 ms).
  return pollInterval === undefined ? options : { ...options, learn: false, initialDelay: pollInterval, factor: 1 };
}
