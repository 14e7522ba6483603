import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { FleetStats, RedisFleetOptions } from '../../src/redis/index.js';
import type { Simulator } from '../../src/simulator/index.js';
import type { WatcherSettings } from '../../src/watcher/options.js';
import type { WatcherStats } from '../../src/watcher/stats.js';

const WORKER = fileURLToPath(new URL('../redis/fixtures/worker.mjs', import.meta.url));

/** A message a worker process sends. */
export type WorkerMessage =
  | { readonly event: 'ready'; readonly owner: string }
  | { readonly event: 'throttled'; readonly pause: number; readonly status: number }
  | { readonly event: 'authFailed'; readonly status: number }
  | { readonly event: 'subJobDone'; readonly parent: string; readonly subJob: string }
  | { readonly event: 'stopped'; readonly stats: WatcherStats; readonly fleet: FleetStats };

/** A fleet worker in its own process (test/redis/fixtures/worker.mjs, on the built package). */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Its id in the fleet's job states. */
  readonly owner: string;
  /** Every message it sent so far. */
  readonly messages: WorkerMessage[];
  /** Resolves with the first message (past or future) that `match` accepts. */
  next(match: (message: WorkerMessage) => boolean): Promise<WorkerMessage>;
  /** Closes its watcher (polls in flight finish) and resolves with its stats. */
  stop(): Promise<Extract<WorkerMessage, { event: 'stopped' }>>;
}

export interface WorkerConfig {
  readonly redisUrl: string;
  readonly name: string;
  readonly sim: Simulator;
  readonly watcher?: WatcherSettings;
  readonly fleet?: Omit<RedisFleetOptions, 'redis' | 'name'>;
}

/** Spawns worker processes, each killed after the test if still alive. Call once at the top of a test file. */
export function useWorkers(): (config: WorkerConfig) => Promise<WorkerProcess> {
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return async ({ redisUrl, name, sim, watcher = {}, fleet = {} }) => {
    const config = { redisUrl, name, simUrl: sim.url, projectId: sim.projectId, watcher, fleet };
    const child = fork(WORKER, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    running.push(child);
    const messages: WorkerMessage[] = [];
    const waiting = new Set<() => void>();
    child.on('message', (message: WorkerMessage) => {
      messages.push(message);
      for (const check of [...waiting]) check();
    });
    const next = (match: (message: WorkerMessage) => boolean): Promise<WorkerMessage> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = messages.find(match);
          if (found === undefined) return;
          waiting.delete(check);
          child.off('exit', exited);
          resolve(found);
        };
        const exited = (): void => {
          waiting.delete(check);
          reject(new Error(`worker exited (${child.exitCode ?? child.signalCode}) before the message awaited`));
        };
        waiting.add(check);
        child.once('exit', exited);
        check();
      });
    const ready = (await next((message) => message.event === 'ready')) as Extract<WorkerMessage, { event: 'ready' }>;
    return {
      child,
      owner: ready.owner,
      messages,
      next,
      stop: async () => {
        child.send('stop');
        return (await next((message) => message.event === 'stopped')) as Extract<WorkerMessage, { event: 'stopped' }>;
      },
    };
  };
}
