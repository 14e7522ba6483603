import { systemClock, type Clock } from '../clock/clock.js';
import { errorFromResponse } from '../client/response-error.js';
import { AbortError } from '../errors/request-errors.js';
import { addAbortListener, removeAbortListener } from '../lifecycle/abort-listeners.js';
import type { Job } from '../model/job.js';
import { parseJob } from '../model/parse-job.js';
import { assertSafeId } from '../validation/ids.js';
import { assertOptions } from '../validation/options.js';
import type { JobSource } from '../watcher/job-source.js';
import type { FromHuaweiSdkOptions, HuaweiSdkClient } from './options.js';
import { answerStatus, toWireJob } from './sdk-answer.js';
import { fromSdkError } from './sdk-error.js';

const OPTION_KEYS = ['clock'] as const satisfies readonly (keyof FromHuaweiSdkOptions)[];

/**
 * A {@link JobSource} over an official Huawei Cloud SDK client you already
 * configured (credentials, endpoint, proxy): `new JobWatcher({ client: fromHuaweiSdk(ecsClient) })`.
 *
 * Each poll calls `client.showJob()`, parses the answer with `parseJob`, and maps
 * the SDK's exceptions to this library's classes, so the watcher stops on refused
 * credentials (`AuthError`, before the access key is locked), pauses on 429
 * (`ThrottledError`), rejects unknown jobs (`JobNotFoundError`, after its
 * `notFoundChecks`) and retries network failures (`NetworkError`). The SDK drops
 * response headers from its exceptions, so a 429's `Retry-After` does not reach the
 * watcher, which then pauses by its own backoff (`throttleDelay`).
 *
 * The SDK cannot cancel a request: an aborted `signal` rejects the poll with
 * `AbortError` at once, and no request starts after it; one already sent finishes unseen.
 *
 * @throws {TypeError} when `client` has no `showJob` method or an option is wrong.
 */
export function fromHuaweiSdk(client: HuaweiSdkClient, options: FromHuaweiSdkOptions = {}): JobSource {
  if (typeof (client as Partial<HuaweiSdkClient> | null)?.showJob !== 'function') {
    throw new TypeError('Expected `client` to be an official SDK client with a showJob() method (e.g. EcsClient)');
  }
  assertOptions('options', options, OPTION_KEYS);
  if (options.clock !== undefined && typeof options.clock.wallNow !== 'function') {
    throw new TypeError('Expected `options.clock` to be a Clock (with wallNow())');
  }
  const clock = options.clock ?? systemClock;
  return {
    clock,
    getJob: async (jobId, { signal } = {}) => {
      assertSafeId('jobId', jobId);
      if (signal?.aborted) throw aborted(signal);
      return abortable(showJob(client, jobId, clock), signal);
    },
  };
}

async function showJob(client: HuaweiSdkClient, jobId: string, clock: Clock): Promise<Job> {
  let answer: unknown;
  try {
    // Both spellings: generated clients read `job_id` from a plain object (the class's storage), and `jobId` costs nothing.
    const request = { jobId, job_id: jobId };
    answer = await client.showJob(request);
  } catch (error) {
    throw fromSdkError(error, jobId, clock.wallNow());
  }
  const status = answerStatus(answer);
  // A client configured to resolve every status (axios `validateStatus`) hands error bodies over as answers.
  if (status !== undefined && (status < 200 || status > 299)) {
    throw errorFromResponse({ status, text: JSON.stringify(toWireJob(answer)), requestId: undefined, retryAfter: undefined, serverNow: clock.wallNow() }, jobId);
  }
  return parseJob(toWireJob(answer));
}

/** `request`, unless `signal` aborts first: then `AbortError`, and nothing more is heard of the request. */
function abortable<T>(request: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return request;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted(signal));
    addAbortListener(signal, onAbort);
    request.then(resolve, reject).finally(() => removeAbortListener(signal, onAbort));
  });
}

function aborted(signal: AbortSignal): AbortError {
  return new AbortError('the request was aborted', { cause: signal.reason });
}
