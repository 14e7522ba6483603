import { EvsError } from './evs-error.js';

/** Redis stayed unreachable longer than the fleet's `unavailableTimeout`: the watches waiting on it reject with this. */
export class FleetUnavailableError extends EvsError {
  /** How long Redis had been unreachable, in ms. */
  readonly unavailableFor: number;

  constructor(unavailableFor: number, options: { readonly cause?: unknown } = {}) {
    super('EVS_FLEET_UNAVAILABLE', `Redis has been unreachable for ${Math.round(unavailableFor)} ms: the fleet cannot tell how the job ends`, options);
    this.unavailableFor = unavailableFor;
  }
}

/**
 * Redis came back without the fleet's data (restarted without AOF, flushed, or failed over to an empty
 * replica): every watch registered before is gone from the fleet and rejects with this.
 */
export class FleetStateLostError extends EvsError {
  constructor() {
    super(
      'EVS_FLEET_STATE_LOST',
      "Redis lost the fleet's state (a restart without persistence?): watch the job again; run Redis with appendonly yes to survive restarts",
    );
  }
}
