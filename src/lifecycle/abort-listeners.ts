/** The one `abort` listener this library keeps on a signal, and who it calls. */
interface Shared {
  readonly listeners: Set<() => void>;
  readonly dispatch: () => void;
}

const shared = new WeakMap<AbortSignal, Shared>();

/**
 * Calls `listener` once when `signal` aborts, through ONE `abort` listener per
 * signal shared by every watch and request of this library, so any number of
 * watches may share a signal without Node's `MaxListenersExceededWarning`.
 * Adding the same `listener` twice registers it once, as `addEventListener` does.
 */
export function addAbortListener(signal: AbortSignal, listener: () => void): void {
  let entry = shared.get(signal);
  if (entry === undefined) {
    const listeners = new Set<() => void>();
    const dispatch = (): void => {
      shared.delete(signal);
      // `once` already dropped it; said explicitly, so a wrapped signal sees the removal too.
      signal.removeEventListener('abort', dispatch);
      for (const each of listeners) {
        // Like separate listeners: one throwing does not stop the others, and its error is not lost.
        try {
          each();
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    };
    entry = { listeners, dispatch };
    shared.set(signal, entry);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  entry.listeners.add(listener);
}

/** Stops calling `listener`; the shared listener leaves the signal with the last one. Harmless if absent. */
export function removeAbortListener(signal: AbortSignal, listener: () => void): void {
  const entry = shared.get(signal);
  if (entry === undefined || !entry.listeners.delete(listener) || entry.listeners.size > 0) return;
  shared.delete(signal);
  signal.removeEventListener('abort', entry.dispatch);
}
