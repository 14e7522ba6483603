import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { expect } from 'vitest';
import { authorization, formatSdkDate } from '../../src/client/auth/signer.js';
import type { Simulator } from '../../src/simulator/index.js';
export { useSimulators } from '../helpers/simulators.js';

/** `expect.any(String)`, typed `unknown` instead of vitest's `any`. */
export const anyString: unknown = expect.any(String);

/** `expect.stringMatching(pattern)`, typed `unknown` instead of vitest's `any`. */
export function matching(pattern: RegExp): unknown {
  return expect.stringMatching(pattern);
}

/** An HTTP answer, read in full. */
export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}


export async function send(
  simulator: Simulator,
  method: 'GET' | 'POST' | 'DELETE' | 'PUT',
  path: string,
  init: { readonly headers?: Record<string, string>; readonly body?: string } = {},
): Promise<HttpReply> {
  const response = await request(`${simulator.url}${path}`, { method, headers: init.headers ?? {}, body: init.body ?? null });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

export function jobPath(simulator: Simulator, jobId: string): string {
  return `/v1/${simulator.projectId}/jobs/${jobId}`;
}

/** `GET /v1/{project_id}/jobs/{job_id}`. */
export function getJob(simulator: Simulator, jobId: string, headers?: Record<string, string>): Promise<HttpReply> {
  return send(simulator, 'GET', jobPath(simulator, jobId), headers === undefined ? {} : { headers });
}

/** Parses a reply body that must be a JSON object. */
export function body(reply: HttpReply): Record<string, unknown> {
  return JSON.parse(reply.text) as Record<string, unknown>;
}

/** `entities.sub_jobs` of a wire job. */
export function subJobs(job: Record<string, unknown> | undefined): Record<string, unknown>[] {
  return (job?.['entities'] as { sub_jobs: Record<string, unknown>[] }).sub_jobs;
}

/** Headers of a request signed the way the client signs: `Host`, `X-Sdk-Date` and `Authorization`. */
export function signedHeaders(
  simulator: Simulator,
  request: {
    readonly method: string;
    readonly path: string;
    readonly query?: Record<string, string>;
    readonly body?: string;
    readonly time: number;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly extra?: Record<string, string>;
  },
): Record<string, string> {
  const headers = { host: new URL(simulator.url).host, 'x-sdk-date': formatSdkDate(request.time), ...request.extra };
  const signable = { method: request.method, path: request.path, query: request.query ?? {}, headers, body: request.body ?? '' };
  return { ...headers, authorization: authorization(signable, request) };
}

/** The fake clock's default start (see test/helpers/fake-clock.ts). */
export const T0 = Date.UTC(2026, 0, 1);

/** The wire timestamp `ms` after {@link T0}. */
export function iso(ms: number): string {
  return new Date(T0 + ms).toISOString();
}
