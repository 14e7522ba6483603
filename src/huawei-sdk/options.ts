import type { Clock } from '../clock/clock.js';

/**
 * The request {@link HuaweiSdkClient.showJob} is given: a plain object, so the
 * SDK's `ShowJobRequest` class need not be imported. Generated SDK clients read
 * `job_id` from any object that is not their own request class; `jobId` is there
 * for clients that read the class's property name.
 */
export interface ShowJobRequestLike {
  /** The job to read. */
  readonly jobId?: string | undefined;
}

/**
 * The one method the adapter calls on an official Huawei Cloud SDK client: any
 * client generated with `showJob` for `GET /v1/{project_id}/jobs/{job_id}` fits,
 * e.g. `EcsClient` from `@huaweicloud/huaweicloud-sdk-ecs` (EVS, IMS and BMS share the path).
 * Only its shape is required: this package never imports the SDK.
 */
export interface HuaweiSdkClient {
  /** Reads one job; resolves with the job's body (plus the SDK's `httpStatusCode`), rejects with the SDK's exceptions. */
  showJob(request?: ShowJobRequestLike): Promise<unknown>;
}

/** Options of {@link fromHuaweiSdk}. */
export interface FromHuaweiSdkOptions {
  /**
   * Reads the wall clock for `Retry-After` dates; the watcher also uses it unless given its own.
   * @default systemClock
   */
  readonly clock?: Clock | undefined;
}
