/**
 * Bad usage or configuration: an unknown flag, an invalid job id, a missing
 * project. The CLI prints its message as one line on stderr and exits 2, never
 * with a stack trace.
 */
export class UsageError extends Error {
  /** The command whose `--help` explains the fix, e.g. `wait`; absent for the top level. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}
