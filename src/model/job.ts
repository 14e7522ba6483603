/**
 * Status of a job on the wire. `INIT` and `RUNNING` are in progress; `SUCCESS`
 * and `FAIL` are final; `PENDING_PAYMENT` (ECS, BMS) is a yearly/monthly order
 * waiting to be paid: not final, and not running either.
 */
export type JobStatus = 'INIT' | 'RUNNING' | 'SUCCESS' | 'FAIL' | 'PENDING_PAYMENT';

/** A final status: the job will not change any more. */
export type FinalJobStatus = 'SUCCESS' | 'FAIL';

/** Job types EVS documents, plus `retypeVolume`. */
export type KnownJobType =
  | 'createVolume'
  | 'batchCreateVolume'
  | 'deleteVolume'
  | 'extendVolume'
  | 'bulkDeleteVolume'
  | 'deleteSingleVolume'
  | 'retypeVolume';

/** A job type: one of the known ones, or any other string the service sends (ECS has many). */
export type JobType = KnownJobType | (string & {});

/** The job-specific result (`entities` on the wire). */
export interface JobEntities {
  /** `volume_id`, for volume jobs. */
  readonly volumeId?: string;
  /** `sub_jobs` of a batch job, parsed recursively; empty for other jobs. */
  readonly subJobs: readonly Job[];
  /** Every other entity field, with its key in camelCase and its value as sent. */
  readonly other: Readonly<Record<string, unknown>>;
}

/** A job as returned by `GET /v1/{project_id}/jobs/{job_id}`, parsed into camelCase. */
export interface Job {
  /** `job_id`: 32 hex characters in the API reference's samples. */
  readonly jobId: string;
  /** `job_type`; `""` when the wire has none. */
  readonly jobType: JobType;
  /** A {@link JobStatus}; any other string the service sends is kept as is and treated as in progress. */
  readonly status: JobStatus | (string & {});
  /** `begin_time`; absent while the wire has `""` or null. */
  readonly beginTime?: Date;
  /** `end_time`; absent while the job runs (the wire then has `""`). */
  readonly endTime?: Date;
  /** `error_code` when the job failed. */
  readonly errorCode?: string;
  /** `fail_reason` when the job failed. */
  readonly failReason?: string;
  /** `entities`: the job-specific result. */
  readonly entities: JobEntities;
  /** The wire object this job was parsed from, untouched. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** `X-Request-Id` of the response this job was read from (set by `EvsClient`). */
  readonly requestId?: string;
}

/** The status of an order waiting to be paid (ECS, BMS): it may stay so for days. */
export const PENDING_PAYMENT = 'PENDING_PAYMENT';

/** Whether `status` is final (`SUCCESS` or `FAIL`). */
export function isFinalStatus(status: string): status is FinalJobStatus {
  return status === 'SUCCESS' || status === 'FAIL';
}
