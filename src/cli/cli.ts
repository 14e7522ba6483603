import { VERSION } from '../client/version.js';
import { parseCommandLine } from './args.js';
import { runDemo } from './commands/demo.js';
import { runSimulate } from './commands/simulate.js';
import { runWait } from './commands/wait.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { helpText } from './help.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

/**
 * Runs `evs-jobs` with `argv` (without `node` and the script) and returns the
 * exit code. Usage errors are one line on stderr (exit 2); an unexpected error
 * is one line too (exit 70), with its stack only when EVS_JOBS_DEBUG is set.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    const invocation = parseCommandLine(argv, io.env);
    switch (invocation.kind) {
      case 'help':
        io.stdout.write(helpText(invocation.command));
        return EXIT.ok;
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return EXIT.ok;
      case 'wait':
        return await runWait(invocation.config, io);
      case 'simulate':
        return await runSimulate(invocation.config, io);
      case 'demo':
        return await runDemo(invocation.config, io);
    }
  } catch (error) {
    return reportError(error, io);
  }
}

/** One line on stderr for any error that escaped a command; returns its exit code. */
export function reportError(error: unknown, io: Pick<CliIo, 'stderr' | 'env'>): ExitCode {
  if (error instanceof UsageError) {
    const help = error.command === undefined ? 'evs-jobs --help' : `evs-jobs ${error.command} --help`;
    io.stderr.write(`evs-jobs: ${oneLine(error.message)} (see ${help})\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  io.stderr.write(`evs-jobs: unexpected error: ${oneLine(message)} (please report it; EVS_JOBS_DEBUG=1 shows details)\n`);
  if (io.env['EVS_JOBS_DEBUG'] && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
  return EXIT.internal;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
