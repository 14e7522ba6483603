import type { JobType } from '../model/job.js';
import { assertNumber, got } from '../validation/numbers.js';
import { assertNonEmptyString } from '../validation/strings.js';
import { assertTimeSpan } from './durations.js';
import { hexId, uuid } from './ids.js';
import { assertList, assertOptions, keysOf } from '../validation/options.js';
import type { JobSpec } from './options.js';
import { wireJob, type JobRecord, type WireJob } from './timeline.js';

/** Store-wide defaults for fields a {@link JobSpec} leaves out. */
export interface JobDefaults {
  /** RUNNING time of a job without `duration`, in ms. */
  readonly duration: number;
  /** Time between the last sub-job's end and the batch job's end, in ms. */
  readonly batchOverhead: number;
}

const DEFAULT_ERROR_CODE = 'EVS.2024';
const DEFAULT_FAIL_REASON = 'volume quota exceeded';

/** The type a batch job's sub-jobs get when their spec names none. */
const SUB_JOB_TYPES: Readonly<Record<string, JobType>> = {
  batchCreateVolume: 'createVolume',
  bulkDeleteVolume: 'deleteSingleVolume',
};

const JOB_SPEC_KEYS = keysOf<JobSpec>({
  jobType: true,
  duration: true,
  initDuration: true,
  startAt: true,
  outcome: true,
  errorCode: true,
  failReason: true,
  subJobs: true,
  invisibleFor: true,
  status: true,
  statusFor: true,
  entities: true,
  volumeId: true,
});

/** What a job inherits from where it is created: its parent, or the store. */
interface Inherited {
  readonly type: JobType;
  readonly startAt: number;
  readonly createdAt: number;
}

/** Every job the simulator knows, sub-jobs included, by id. */
export class JobStore {
  readonly #jobs = new Map<string, JobRecord>();
  readonly #random: () => number;
  readonly #defaults: JobDefaults;

  constructor(random: () => number, defaults: JobDefaults) {
    this.#random = random;
    this.#defaults = defaults;
  }

  /** Adds a job (and its sub-jobs) created at clock time `now`; returns its id. */
  add(spec: JobSpec, now: number): string {
    checkJobSpec(spec, 'spec');
    return this.#build(spec, { type: 'createVolume', startAt: now, createdAt: now }).id;
  }

  /** The job if it exists and is visible at `now`. */
  visible(jobId: string, now: number): JobRecord | undefined {
    const job = this.#jobs.get(jobId);
    return job !== undefined && now >= job.visibleAt ? job : undefined;
  }

  /**
   * The wire body the job would be answered with at `now`; `undefined` if unknown or not visible yet.
   * `skew` is the server clock's offset: its timestamps are written on that clock.
   */
  wire(jobId: string, now: number, skew = 0): WireJob | undefined {
    const job = this.visible(jobId, now);
    return job && wireJob(job, now, skew);
  }

  #build(spec: JobSpec, inherited: Inherited): JobRecord {
    const id = this.#newId();
    const type = spec.jobType ?? (spec.subJobs ? 'batchCreateVolume' : inherited.type);
    const beginAt = spec.startAt ?? inherited.startAt;
    const runAt = beginAt + (spec.initDuration ?? 0);
    const subJobs = spec.subJobs?.map((sub) =>
      this.#build(sub, { type: SUB_JOB_TYPES[type] ?? 'createVolume', startAt: runAt, createdAt: inherited.createdAt }),
    );
    // A batch fails with the first failed sub-job's error.
    const failedSub = subJobs?.find((sub) => sub.outcome === 'FAIL');
    const record: JobRecord = {
      id,
      type,
      visibleAt: inherited.createdAt + (spec.invisibleFor ?? 0),
      beginAt,
      runAt,
      endAt: subJobs ? batchEnd(runAt, subJobs, this.#defaults.batchOverhead) : runAt + (spec.duration ?? this.#defaults.duration),
      outcome: failedSub ? 'FAIL' : (spec.outcome ?? 'SUCCESS'),
      errorCode: failedSub?.errorCode ?? spec.errorCode ?? DEFAULT_ERROR_CODE,
      failReason: failedSub?.failReason ?? spec.failReason ?? DEFAULT_FAIL_REASON,
      forcedStatus: spec.status,
      forcedUntil: spec.statusFor === undefined ? Number.POSITIVE_INFINITY : inherited.createdAt + spec.statusFor,
      volumeId: subJobs ? undefined : (spec.volumeId ?? uuid(this.#random)),
      extraEntities: spec.entities,
      subJobs,
    };
    this.#jobs.set(id, record);
    return record;
  }

  #newId(): string {
    let id = hexId(this.#random);
    while (this.#jobs.has(id)) id = hexId(this.#random);
    return id;
  }
}

/** A batch job ends a little after its last sub-job. */
function batchEnd(runAt: number, subJobs: readonly JobRecord[], overhead: number): number {
  return subJobs.reduce((last, sub) => Math.max(last, sub.endAt), runAt) + overhead;
}

/** Validates a whole spec tree before anything is stored, so a bad sub-job adds nothing. */
function checkJobSpec(spec: JobSpec, path: string): void {
  assertOptions(path, spec, JOB_SPEC_KEYS);
  for (const key of ['duration', 'initDuration', 'invisibleFor', 'statusFor'] as const) {
    if (spec[key] !== undefined) assertTimeSpan(`${path}.${key}`, spec[key]);
  }
  // The range of a `Date`.
  if (spec.startAt !== undefined) assertNumber(`${path}.startAt`, spec.startAt, 0, 8.64e15);
  for (const key of ['jobType', 'errorCode', 'failReason', 'status', 'volumeId'] as const) {
    if (spec[key] !== undefined) assertNonEmptyString(`${path}.${key}`, spec[key]);
  }
  if (spec.outcome !== undefined && spec.outcome !== 'SUCCESS' && spec.outcome !== 'FAIL') {
    throw new TypeError(`Expected \`${path}.outcome\` to be 'SUCCESS' or 'FAIL', got \`${String(spec.outcome)}\``);
  }
  const entities: unknown = spec.entities;
  if (entities !== undefined && (typeof entities !== 'object' || Array.isArray(entities))) {
    throw new TypeError(`Expected \`${path}.entities\` to be an object, got ${got(entities)}`);
  }
  if (spec.subJobs !== undefined) assertList(`${path}.subJobs`, spec.subJobs);
  spec.subJobs?.forEach((sub, index) => checkJobSpec(sub, `${path}.subJobs[${index}]`));
}
