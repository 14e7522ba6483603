/** The process exit codes of `evs-jobs`, as documented in `--help`. */
export const EXIT = {
  /** Every job succeeded (or the command ran through). */
  ok: 0,
  /** At least one job ended in FAIL. */
  failed: 1,
  /** Bad usage or configuration: nothing was watched. */
  usage: 2,
  /** No job failed, but at least one timed out or could not be watched (credentials refused, not found). */
  incomplete: 3,
  /** An unexpected internal error (a bug: please report it). */
  internal: 70,
  /** Stopped by Ctrl-C (SIGINT) after a clean shutdown. */
  interrupted: 130,
  /** Stopped by SIGTERM after a clean shutdown. */
  terminated: 143,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The signals the CLI stops cleanly on, and the exit code each leads to. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, ExitCode>> = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated };

/** A signal that stops a command cleanly. */
export type StopSignal = 'SIGINT' | 'SIGTERM';
