import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Simulator } from '../../src/simulator/index.js';
export { useSimulators } from '../helpers/simulators.js';

/** The built binary, as `npm install` links it (built once per run by global-setup.ts). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** What a CLI run left behind. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process in flight. */
export interface CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Resolves once stdout contains `text` (or matches it). */
  waitForStdout(pattern: string | RegExp, timeout?: number): Promise<void>;
  readonly done: Promise<CliResult>;
}

/** Whether util-linux `script` is here to give the CLI a pseudo-terminal (one that reports 0×0, like many CI ptys). */
export const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/** How to run a CLI process: its environment, its stdin, and whether on a pseudo-terminal (`script -qfec`). */
export interface CliOptions {
  readonly env?: Record<string, string>;
  readonly stdin?: string;
  readonly pty?: boolean;
}

/**
 * Spawns `node dist/cli/main.js …args` with a clean environment (only PATH and
 * HOME from ours, plus `env`): no credentials, region or proxy leak in. With
 * `pty`, under `script`, whose terminal reports 0 columns and 0 rows.
 */
export function startCli(args: readonly string[], options: CliOptions = {}): CliRun {
  const [file, fileArgs]: [string, string[]] = options.pty
    ? ['script', ['-qfec', [process.execPath, CLI, ...args].map(shellQuote).join(' '), '/dev/null']]
    : [process.execPath, [CLI, ...args]];
  const child = spawn(file, fileArgs, {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...options.env },
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const check of [...waiters]) check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    done,
    waitForStdout: (pattern, timeout = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const matches = (): boolean => (typeof pattern === 'string' ? stdout.includes(pattern) : pattern.test(stdout));
        const timer = setTimeout(() => reject(new Error(`stdout never showed ${String(pattern)}; got:\n${stdout}`)), timeout);
        const check = (): void => {
          if (!matches()) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        };
        waiters.push(check);
        check();
        void done.then(() => {
          if (!matches()) {
            clearTimeout(timer);
            reject(new Error(`the CLI exited before stdout showed ${String(pattern)}; got:\n${stdout}`));
          }
        });
      }),
  };
}

/** Runs the CLI to the end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}


/**
 * `wait` flags for a simulator: its endpoint and project, no auth, and a fixed
 * poll interval (the watcher polls at most every 500 ms, so 50–300 ms jobs are
 * seen done on their first poll).
 */
export function waitFlags(simulator: Simulator, options: { auth?: boolean } = {}): string[] {
  return ['--endpoint', simulator.url, '--project', simulator.projectId, '--poll-interval', '100', ...(options.auth ? [] : ['--no-auth'])];
}

/** Parses NDJSON output: one object per non-empty line. */
export function ndjson(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The events of one type. */
export function eventsOf(events: readonly Record<string, unknown>[], type: string): Record<string, unknown>[] {
  return events.filter((event) => event['type'] === type);
}

/** The last NDJSON line, which must be the summary. */
export function summaryOf(events: readonly Record<string, unknown>[]): Record<string, unknown> {
  const last = events[events.length - 1];
  expect(last?.['type']).toBe('summary');
  return last!;
}

/** Bad input: exit 2, nothing on stdout, exactly one line on stderr, and no stack trace. */
export function expectUsageError(result: CliResult, message: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^evs-jobs: /);
  expect(result.stderr).toMatch(message);
  expectNoStackTrace(result);
}

export function expectNoStackTrace(result: CliResult): void {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).not.toMatch(/^\s+at /m);
}

/** Escape codes of any kind (plain output must have none). */
// eslint-disable-next-line no-control-regex
export const ESCAPE = /\u001b\[/;

/** Every escape sequence, to read a terminal's output as text. */
// eslint-disable-next-line no-control-regex
export const ANSI_CODES = /\u001b(?:\[[0-9;?]*[A-Za-z]|\][^\u0007]*\u0007|[=>])/g;
