import { AuthError } from '../errors/auth-error.js';
import { EvsError } from '../errors/evs-error.js';
import { HttpError, type HttpErrorOptions } from '../errors/http-error.js';
import { JobNotFoundError } from '../errors/job-not-found-error.js';
import type { Job } from '../model/job.js';
import { parseJob } from '../model/parse-job.js';

/** How a watch ended, as every process of the fleet learns it. */
export type Outcome = { readonly kind: 'job'; readonly job: Job } | { readonly kind: 'error'; readonly error: Error };

/** An HTTP error as it travels: its status and the service's code, never a header or a secret. */
interface WireHttpError {
  readonly status: number;
  readonly serviceCode?: string | undefined;
  readonly serviceMessage?: string | undefined;
  readonly requestId?: string | undefined;
}

/** A final job travels as its wire body (what `parseJob` reads back), with the request id that read it. */
export function encodeJob(job: Job): string {
  const raw = job.raw as { job_id?: unknown; status?: unknown };
  const wire = raw.job_id === job.jobId && raw.status === job.status ? job.raw : toWire(job);
  return JSON.stringify({ job: wire, ...(job.requestId !== undefined && { requestId: job.requestId }) });
}

/** A watch that ended with an error (not found, refused for good, a bug in `fetchJob`). */
export function encodeRejection(error: unknown): string {
  if (error instanceof JobNotFoundError) return JSON.stringify({ notFound: httpFields(error) });
  if (error instanceof HttpError) return JSON.stringify({ http: httpFields(error) });
  if (error instanceof TypeError) return JSON.stringify({ type: error.message });
  return JSON.stringify({ other: error instanceof Error ? error.message : String(error) });
}

/** Credentials refused: the answer that said so, without anything secret (it never held any). */
export function encodeAuthError(error: AuthError): string {
  return JSON.stringify(httpFields(error));
}

export function decodeAuthError(text: string): AuthError {
  return new AuthError(httpOptions(JSON.parse(text) as WireHttpError));
}

/** @throws {SyntaxError|InvalidResponseError} for a payload no fleet process wrote. */
export function decodeOutcome(jobId: string, text: string): Outcome {
  const value = JSON.parse(text) as {
    job?: unknown;
    requestId?: string;
    notFound?: WireHttpError;
    http?: WireHttpError;
    type?: string;
    other?: string;
  };
  if (value.job !== undefined) {
    const job = parseJob(value.job);
    if (value.requestId !== undefined) (job as { requestId?: string }).requestId = value.requestId;
    return { kind: 'job', job };
  }
  if (value.notFound !== undefined) return { kind: 'error', error: new JobNotFoundError(jobId, httpOptions(value.notFound)) };
  if (value.http !== undefined) return { kind: 'error', error: new HttpError(httpOptions(value.http)) };
  if (value.type !== undefined) return { kind: 'error', error: new TypeError(value.type) };
  return { kind: 'error', error: new EvsError('EVS_POLL_FAILED', value.other ?? 'the watch failed in another process') };
}

function httpFields(error: HttpError): WireHttpError {
  return { status: error.status, serviceCode: error.serviceCode, serviceMessage: error.serviceMessage, requestId: error.requestId };
}

function httpOptions(wire: WireHttpError): HttpErrorOptions {
  return {
    status: wire.status,
    ...(wire.serviceCode !== undefined && { serviceCode: wire.serviceCode }),
    ...(wire.serviceMessage !== undefined && { serviceMessage: wire.serviceMessage }),
    ...(wire.requestId !== undefined && { requestId: wire.requestId }),
  };
}

/** The wire form of a job whose `raw` is not its own (a custom `fetchJob`). */
function toWire(job: Job): Record<string, unknown> {
  return {
    job_id: job.jobId,
    job_type: job.jobType,
    status: job.status,
    begin_time: job.beginTime?.toISOString() ?? '',
    end_time: job.endTime?.toISOString() ?? '',
    ...(job.errorCode !== undefined && { error_code: job.errorCode }),
    ...(job.failReason !== undefined && { fail_reason: job.failReason }),
    entities: {
      ...(job.entities.volumeId !== undefined && { volume_id: job.entities.volumeId }),
      ...(job.entities.subJobs.length > 0 && { sub_jobs: job.entities.subJobs.map(toWire) }),
    },
  };
}
