import { SIGNAL_EXIT, type StopSignal } from './exit-codes.js';

const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

/**
 * Calls `onStop` on the first SIGINT or SIGTERM, so a command can shut down
 * cleanly and still print its summary; a second signal exits at once (130/143)
 * for a user who does not want to wait. Returns a function that removes the handlers.
 */
export function onStopSignals(onStop: (signal: StopSignal) => void): () => void {
  let stopping = false;
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (stopping) process.exit(SIGNAL_EXIT[signal]);
      stopping = true;
      onStop(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
