import { EvsError } from './evs-error.js';

/** A method was called on a client or watcher after `close()`/`destroy()`. */
export class ClosedError extends EvsError {
  constructor(what: string) {
    super('EVS_CLOSED', `${what} is closed`);
  }
}
