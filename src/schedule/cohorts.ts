/** New watches of one key this close (ms) after the previous one join its cohort. */
export const COHORT_GAP = 1_000;
/** A cohort takes new members for at most this long (ms) after its first one. */
export const COHORT_SPAN = 10_000;
/** Scouts per cohort. */
export const SCOUTS = 2;
/** Members a cohort keeps for its scouts' type (a bigger one keeps its first ones): a million ids watched at once must not be held twice. */
const MAX_MEMBERS = 10_000;

/**
 * Watches of one planning key (a job type, or "any job" before the type is
 * known) whose first polls were planned close together: jobs started
 * together, which tend to share a type and a pace, so a few of them polled
 * early (scouts) tell about the rest.
 */
export class Cohort<W> {
  readonly key: string;
  readonly startedAt: number;
  lastAt: number;
  size = 0;
  /** Scouts chosen so far, and those still scouting. */
  scouts = 0;
  activeScouts = 0;
  /** The members, kept until its scouts are done (untyped cohorts only: a scout's type may apply to them). */
  members: W[] | undefined;
  /** The type its scouts showed; `null` once two of them disagreed. */
  type: string | null | undefined;

  constructor(key: string, now: number, keepMembers: boolean) {
    this.key = key;
    this.startedAt = now;
    this.lastAt = now;
    if (keepMembers) this.members = [];
  }

  /** Records the type a scout's answer showed; returns it when it is new and agreed. */
  showed(type: string): string | undefined {
    if (this.type === undefined) {
      this.type = type;
      return type;
    }
    if (this.type !== type) this.type = null;
    return undefined;
  }
}

/** A scout: the ages (ms) it is polled at before its cohort's first polls, and its cohort. */
export interface Scout<W> {
  readonly cohort: Cohort<W>;
  ages: readonly number[];
}

/** The open cohort of each key, and the scouts still scouting. Pure bookkeeping: times are passed in. */
export class Cohorts<W> {
  readonly #open = new Map<string, Cohort<W>>();
  readonly #scouts = new Map<W, Scout<W>>();

  /** `watch` (of `key`) is planned at `now`: the cohort it joins. */
  join(key: string, watch: W, now: number, keepMembers: boolean): Cohort<W> {
    let cohort = this.#open.get(key);
    if (cohort === undefined || now - cohort.lastAt > COHORT_GAP || now - cohort.startedAt > COHORT_SPAN) {
      if (cohort !== undefined && cohort.activeScouts === 0) cohort.members = undefined;
      cohort = new Cohort<W>(key, now, keepMembers);
      this.#open.set(key, cohort);
    }
    cohort.lastAt = now;
    cohort.size += 1;
    if (cohort.members !== undefined && cohort.members.length < MAX_MEMBERS) cohort.members.push(watch);
    return cohort;
  }

  enlist(watch: W, cohort: Cohort<W>, ages: readonly number[]): void {
    cohort.scouts += 1;
    cohort.activeScouts += 1;
    this.#scouts.set(watch, { cohort, ages });
  }

  scout(watch: W): Scout<W> | undefined {
    return this.#scouts.get(watch);
  }

  /**
   * `watch` stops scouting (its ages are past, or it ended). A cohort whose
   * scouts are all done lets go of its members: the type they showed still
   * applies to members that join later.
   */
  retire(watch: W): void {
    const scout = this.#scouts.get(watch);
    if (scout === undefined) return;
    this.#scouts.delete(watch);
    const { cohort } = scout;
    cohort.activeScouts -= 1;
    if (cohort.activeScouts === 0 && cohort.scouts >= SCOUTS) cohort.members = undefined;
  }
}
