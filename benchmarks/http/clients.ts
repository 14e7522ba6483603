import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs';
import { Pool } from 'undici';
import { authorization, EvsClient, formatSdkDate } from '../lib/library.js';
import { ACCESS_KEY, SECRET_KEY } from './credentials.js';

export type ClientName = 'evs-client' | 'undici-pool' | 'fetch' | 'huawei-sdk';

/** One way of reading a job over HTTP; every one signs with AK/SK and reads the whole body. */
export interface HttpClient {
  get(jobId: string): Promise<void>;
  close(): Promise<void>;
}

export interface Target {
  readonly url: string;
  readonly projectId: string;
}

const keys = { accessKey: ACCESS_KEY, secretKey: SECRET_KEY };

/** Signed headers for GET `path`, made by the library's signer (the same work the EvsClient does). */
function signed(host: string, path: string): Record<string, string> {
  const headers = { host, 'x-sdk-date': formatSdkDate(Date.now()) };
  return { ...headers, authorization: authorization({ method: 'GET', path, headers }, keys), accept: 'application/json' };
}

export function evsClient(target: Target, connections: number, options: { readonly retries?: number } = {}): EvsClient {
  return new EvsClient({ endpoint: target.url, projectId: target.projectId, credentials: keys, connections, ...options });
}

export function httpClient(name: ClientName, target: Target, connections: number): HttpClient {
  const origin = new URL(target.url);
  const path = (jobId: string): string => `/v1/${target.projectId}/jobs/${jobId}`;
  switch (name) {
    case 'evs-client': {
      const client = evsClient(target, connections);
      return { get: async (jobId) => void (await client.getJob(jobId)), close: () => client.close() };
    }
    case 'undici-pool': {
      // The ceiling: undici's own request API, one pool, signing, JSON.parse of the body.
      const pool = new Pool(target.url, { connections });
      return {
        async get(jobId) {
          const response = await pool.request({ path: path(jobId), method: 'GET', headers: signed(origin.host, path(jobId)) });
          const body = (await response.body.json()) as { status?: unknown };
          if (response.statusCode !== 200 || typeof body.status !== 'string') throw new Error(`HTTP ${response.statusCode}`);
        },
        close: () => pool.close(),
      };
    }
    case 'fetch':
      return {
        async get(jobId) {
          const response = await fetch(new URL(path(jobId), origin), { headers: signed(origin.host, path(jobId)) });
          const body = (await response.json()) as { status?: unknown };
          if (response.status !== 200 || typeof body.status !== 'string') throw new Error(`HTTP ${response.status}`);
        },
        close: () => Promise.resolve(),
      };
    case 'huawei-sdk': {
      const credentials = new BasicCredentials().withAk(ACCESS_KEY).withSk(SECRET_KEY).withProjectId(target.projectId);
      const client = ecs.EcsClient.newBuilder().withCredential(credentials).withEndpoint(target.url).build();
      silence(client);
      return {
        async get(jobId) {
          const job = await client.showJob(new ecs.ShowJobRequest().withJobId(jobId));
          if (job.httpStatusCode !== 200 || typeof job.status !== 'string') throw new Error(`HTTP ${String(job.httpStatusCode)}`);
        },
        close: () => Promise.resolve(),
      };
    }
  }
}

/** The SDK logs failed requests with their headers (signatures included): swap its loggers for silent ones. */
function silence(client: object): void {
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const hc = (client as { hcClient?: { logger?: unknown; httpClient?: { _logger?: unknown } } }).hcClient;
  if (hc === undefined || hc.httpClient === undefined) throw new Error('huawei sdk internals changed: cannot silence its logger');
  hc.logger = quiet;
  hc.httpClient._logger = quiet;
}
