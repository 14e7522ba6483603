#!/usr/bin/env node
// The `evs-jobs` executable: process glue only; everything else is in cli.ts.
import { runCli, reportError } from './cli.js';
import type { CliIo } from './io.js';

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: () => process.stdin, env: process.env };

// A bug that escapes every command still ends with one line and exit 70, never a stack trace.
const crash = (error: unknown): void => {
  process.exitCode = reportError(error, io);
  process.exit();
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
// A reader that went away (`evs-jobs wait … | head -3`) ends the command quietly, as for any Unix tool.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') crash(error);
  else process.exit(process.exitCode ?? 0);
});

const code = await runCli(process.argv.slice(2), io);
process.exitCode = code;
// A handle left open (a socket being torn down) must not keep a finished command alive.
setTimeout(() => process.exit(code), 2_000).unref();
