import type { JobType } from '../model/job.js';
import type { SimulatorContext } from './context.js';
import { sampleDuration } from './durations.js';
import type { JobSpec } from './options.js';
import { evsError, json, type Answer } from './responses.js';

/** Most volumes one create request may make (`volume.count`). */
const MAX_COUNT = 100;
/** Volume sizes EVS accepts, in GiB. */
const MIN_SIZE = 10;
const MAX_SIZE = 32_768;

/** `POST /v2/{project_id}/cloudvolumes`: a `createVolume` job, or a `batchCreateVolume` job when `count` > 1. */
export function createVolume(context: SimulatorContext, body: Uint8Array): Answer {
  const volume = objectField(parseJson(body), 'volume');
  if (volume === undefined) return evsError(400, 'EVS.1009', 'invalid volumeForCreate!');
  if (!isIntegerIn(volume['size'], MIN_SIZE, MAX_SIZE)) return evsError(400, 'EVS.1010', 'invalid volume size!');
  const count = volume['count'] ?? 1;
  if (!isIntegerIn(count, 1, MAX_COUNT)) return evsError(400, 'EVS.1009', 'invalid volume count!');
  if (count === 1) return created(context, apiJob(context, 'createVolume'));
  const { initDuration, invisibleFor } = context.apiJobs;
  const subJobs = Array.from({ length: count }, () => apiJob(context, 'createVolume'));
  return created(context, { jobType: 'batchCreateVolume', initDuration, invisibleFor, subJobs });
}

/** `POST /v2.1/{project_id}/cloudvolumes/{volume_id}/action` with `os-extend`: an `extendVolume` job. */
export function volumeAction(context: SimulatorContext, volumeId: string, body: Uint8Array): Answer {
  const extend = objectField(parseJson(body), 'os-extend');
  if (extend === undefined || !isIntegerIn(extend['new_size'], MIN_SIZE, MAX_SIZE)) {
    return evsError(400, 'EVS.1011', 'null extendVolumeReq!');
  }
  return created(context, { ...apiJob(context, 'extendVolume'), volumeId });
}

/** `DELETE /v2/{project_id}/cloudvolumes/{volume_id}`: a `deleteVolume` job. */
export function deleteVolume(context: SimulatorContext, volumeId: string): Answer {
  return created(context, { ...apiJob(context, 'deleteVolume'), volumeId });
}

/** A job timeline drawn from `apiJobs`, using only the injected random. */
function apiJob(context: SimulatorContext, jobType: JobType): JobSpec {
  const { duration, initDuration, invisibleFor, failureRate } = context.apiJobs;
  const failed = failureRate > 0 && context.random() < failureRate;
  return { jobType, duration: sampleDuration(duration, context.random), initDuration, invisibleFor, outcome: failed ? 'FAIL' : 'SUCCESS' };
}

function created(context: SimulatorContext, spec: JobSpec): Answer {
  return json(202, { job_id: context.store.add(spec, context.clock.wallNow()) });
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}

function objectField(value: unknown, key: string): Record<string, unknown> | undefined {
  const field = isRecord(value) ? value[key] : undefined;
  return isRecord(field) ? field : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
