import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What to do when `redis-server` is missing and cannot be installed here: the one line the test run fails with. */
export const INSTALL_REDIS =
  'The fleet tests need a real redis-server 7 on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), then run npm test again';

/**
 * Finds `redis-server` on PATH, or installs Debian's package when this process
 * may (root, with apt-get), as `npm ci && npm test` on a fresh machine must.
 * @returns its version line.
 * @throws {Error} {@link INSTALL_REDIS} otherwise: the fleet tests never skip silently.
 */
export function ensureRedisServer(): string {
  const found = version();
  if (found !== undefined) return found;
  if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0) {
    console.log("redis-server not found: installing Debian's package (apt-get install redis-server)");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env });
    const installed = version();
    if (installed !== undefined) return installed;
  }
  throw new Error(INSTALL_REDIS);
}

function version(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Persist every write to an append-only file (what the fleet needs to survive a restart). @default true */
  readonly appendonly?: boolean;
}

/** A redis-server of this test run, on a free port of 127.0.0.1, its data in a temporary directory. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops it as a restart would (SIGTERM: Redis writes its AOF out first), keeping its directory. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory, after {@link stop}. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its directory. */
  close(): Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'evs-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', options.appendonly === false ? 'no' : 'yes'];
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = await launch(args);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns redis-server and resolves once it accepts connections. */
function launch(args: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
