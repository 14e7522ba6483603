import fc from 'fast-check';
import { appendFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import { EvsError } from '../../src/errors/evs-error.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import { NetworkError } from '../../src/errors/request-errors.js';
import type { Job } from '../../src/model/job.js';
import { parseJobText } from '../../src/model/parse-job.js';
import { expectQuiet, guardProcess } from './support/guard.js';

// Fuzzing the response parser and, through a tiny raw-TCP server, the client.
// Reproduce: npx vitest run test/reliability/fuzz-parser.test.ts
// (fast-check prints the seed and the shrunk counterexample of any failure).

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

// No parse can hang on the generated bodies, by construction: each is bounded (at most a few KiB), and
// the parser is JSON.parse plus a walk at most 8 levels deep with anchored regexes of no nested
// repetition (linear). The megabyte bodies, where a quadratic parse would show, also run in a worker
// thread under a generous limit: a parse that never ends fails the test instead of freezing the run.

/** What is wrong with `job` as a Job (recursively); empty when it is well formed. */
function problems(job: Job, depth = 0): string[] {
  const found: string[] = [];
  if (depth > 8) found.push('nested deeper than 8');
  for (const [name, text] of [['jobId', job.jobId], ['status', job.status]] as const) {
    if (typeof text !== 'string' || text === '' || text.length > 4096) found.push(`${name} ${String(text)}`);
  }
  if (typeof job.jobType !== 'string') found.push('jobType');
  for (const time of [job.beginTime, job.endTime]) if (time !== undefined && !Number.isFinite(time.getTime())) found.push('an invalid Date');
  for (const text of [job.errorCode, job.failReason, job.entities.volumeId]) if (text !== undefined && (typeof text !== 'string' || text === '')) found.push('an empty optional string');
  if (!Array.isArray(job.entities.subJobs)) found.push('subJobs');
  if (Object.getPrototypeOf(job.entities.other) !== Object.prototype) found.push('entities.other has another prototype');
  if (typeof job.raw !== 'object' || job.raw === null || Array.isArray(job.raw)) found.push('raw');
  for (const sub of job.entities.subJobs) found.push(...problems(sub, depth + 1));
  return found;
}

function expectValidJob(job: Job): void {
  expect(problems(job)).toEqual([]);
}

/** Parses `text`: returns the job, or the InvalidResponseError; anything else fails the test. */
function parseOrInvalid(text: string): Job | InvalidResponseError {
  let outcome: Job | InvalidResponseError;
  try {
    outcome = parseJobText(text);
  } catch (error) {
    if (!(error instanceof InvalidResponseError)) throw new Error(`parseJobText threw ${String(error)} for ${JSON.stringify(text.slice(0, 200))}`, { cause: error });
    outcome = error;
  }
  if (outcome instanceof InvalidResponseError) {
    if (outcome.code !== 'EVS_INVALID_RESPONSE' || typeof outcome.field !== 'string') throw new Error(`malformed InvalidResponseError ${outcome.message}`);
  } else {
    const wrong = problems(outcome);
    if (wrong.length > 0) throw new Error(`parseJobText returned a malformed Job (${wrong.join(', ')}) for ${JSON.stringify(text.slice(0, 200))}`);
  }
  return outcome;
}

const timestamp = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((date) => date.toISOString().replace('T', ' ').replace('Z', '+08:00')),
  fc.constantFrom('', '2016-02-30T00:00:00Z', '2016-03-08T24:00:00Z', '2016-03-08T07:40:13.123456789Z', '2016-03-08T07:40:13', '0000-02-29T00:00:00Z', '+275760-09-13T00:00:00Z', '2016-03-08T07:40:13+99:99'),
  fc.string(),
);
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'RUNNING', 'SUCCESS', 'FAIL', 'INIT', 'PENDING', '__proto__', 'constructor', 'x'.repeat(4097)));
const anyValue = fc.oneof({ weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 3, arbitrary: text });

/** Job-shaped wire objects: right and wrong field types, timestamps, nested sub-jobs, extra entity keys. */
const wireJob = fc.letrec<{ job: Record<string, unknown> }>((tie) => ({
  job: fc.record(
    {
      job_id: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), anyValue),
      status: fc.oneof(fc.constantFrom('INIT', 'RUNNING', 'SUCCESS', 'FAIL', 'PENDING', 'running'), anyValue),
      job_type: fc.oneof(fc.constantFrom('createVolume', 'batchCreateVolume', ''), anyValue),
      begin_time: fc.oneof(timestamp, anyValue),
      end_time: fc.oneof(timestamp, anyValue),
      error_code: fc.oneof(fc.constant(null), anyValue),
      fail_reason: fc.oneof(fc.constant(null), anyValue),
      entities: fc.oneof(
        fc.record(
          {
            volume_id: anyValue,
            sub_jobs: fc.oneof(fc.array(tie('job'), { maxLength: 3 }), anyValue),
            __proto__: fc.jsonValue({ maxDepth: 1 }),
            some_key: anyValue,
          },
          { requiredKeys: [] },
        ),
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
        anyValue,
      ),
    },
    { requiredKeys: [] },
  ),
}));

describe('parseJobText fuzzing: only InvalidResponseError or a valid Job, never another exception, never a hang', () => {
  it('on arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void parseOrInvalid(JSON.stringify(value) ?? 'null')), { numRuns: 2_000 });
  });

  it('on job-shaped objects with every field right or wrong', () => {
    let valid = 0;
    fc.assert(
      fc.property(wireJob.job, (value) => {
        if (!(parseOrInvalid(JSON.stringify(value)) instanceof InvalidResponseError)) valid += 1;
      }),
      { numRuns: 3_000 },
    );
    // The generator reaches the far side too: some inputs ARE jobs.
    expect(valid).toBeGreaterThan(50);
  });

  it('on arbitrary bytes decoded as UTF-8, and on arbitrary strings', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4_096 }), (bytes) => void parseOrInvalid(Buffer.from(bytes).toString('utf8'))), { numRuns: 2_000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2_000 }), (body) => void parseOrInvalid(body)), { numRuns: 2_000 });
  });

  it('on timestamps in the API\'s form: a real instant reads back exactly, anything else (30 February, 24:00, minute or second 60) is refused', () => {
    const pad = (value: number, width: number): string => String(value).padStart(width, '0');
    fc.assert(
      fc.property(
        fc.record({ year: fc.integer({ min: 1000, max: 9999 }), month: fc.integer({ min: 0, max: 13 }), day: fc.integer({ min: 0, max: 32 }), hour: fc.integer({ min: 0, max: 25 }), minute: fc.integer({ min: 0, max: 61 }), second: fc.integer({ min: 0, max: 61 }), ms: fc.integer({ min: 0, max: 999 }) }),
        ({ year, month, day, hour, minute, second, ms }) => {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms, 3)}Z`;
          const real = month >= 1 && month <= 12 && day >= 1 && hour < 24 && minute < 60 && second < 60 && new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
          const outcome = parseOrInvalid(JSON.stringify({ job_id: 'a', status: 'RUNNING', begin_time: text }));
          if (real) expect((outcome as Job).beginTime?.toISOString()).toBe(text);
          else expect(outcome).toBeInstanceOf(InvalidResponseError);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('on valid bodies truncated, spliced and mangled at random places', () => {
    const valid = JSON.stringify({
      status: 'RUNNING',
      entities: { sub_jobs: [{ status: 'SUCCESS', entities: { volume_id: 'v' }, job_id: 'b', job_type: 'createVolume', begin_time: '2016-02-04T01:43:37.445Z', end_time: '2016-02-04T01:44:02.239Z', error_code: null, fail_reason: null }] },
      job_id: '21917a8d52a19b040152a9f2f1eb003e',
      job_type: 'batchCreateVolume',
      begin_time: '2016-02-04T01:43:37.193Z',
      end_time: '',
      error_code: null,
      fail_reason: null,
    });
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(valid.length), fc.string({ unit: 'binary', maxLength: 8 }), (at, to, insert) => {
        void parseOrInvalid(valid.slice(0, at));
        void parseOrInvalid(valid.slice(0, Math.min(at, to)) + insert + valid.slice(Math.max(at, to)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('on megabyte and hostile bodies: each parse ends (in a worker thread a generous limit would stop), with a valid Job or InvalidResponseError', async () => {
    const parsed = await parseInWorker(HOSTILE, 30_000);

    expect(parsed).toEqual(HOSTILE.map(([name]) => ({ name, outcome: expect.stringMatching(/^(Job|InvalidResponseError)$/) as unknown })));
    // The same bodies in this thread, for the shape of what came out.
    for (const [, body] of HOSTILE) void parseOrInvalid(body);
  }, 60_000);
});

/** Bodies that would expose a super-linear parse (megabytes of nesting, digits or sub-jobs) or a careless one. */
const HOSTILE: readonly (readonly [name: string, body: string])[] = [
  ['nesting 100 000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
  ['unbalanced nesting 1 MB deep', '{"a":'.repeat(200_000)],
  ['sub_jobs nested 9 deep (1 over the limit)', nestSubJobs(9)],
  ['sub_jobs nested 8 deep (the limit)', nestSubJobs(8)],
  ['50 000 sub-jobs', JSON.stringify({ job_id: 'a', status: 'RUNNING', entities: { sub_jobs: Array.from({ length: 50_000 }, (_, i) => ({ job_id: `s${i}`, status: 'RUNNING' })) } })],
  ['a 4 097-character status', JSON.stringify({ job_id: 'a', status: 'x'.repeat(4_097) })],
  ['1 MB of digits', `{"job_id":"a","status":"RUNNING","n":${'9'.repeat(1_000_000)}}`],
  ['a lone surrogate', '{"job_id":"\\ud800","status":"RUNNING"}'],
  ['a NUL byte', '{"job_id":"a\\u0000","status":"RUNNING"}'],
  ['a BOM', '\ufeff{"job_id":"a","status":"RUNNING"}'],
  ['__proto__ entities', '{"job_id":"a","status":"RUNNING","entities":{"__proto__":{"volume_id":"x"},"constructor":1}}'],
];

/** Parses `bodies` with the built parser in a worker thread; rejects (and stops the worker) if they are not all parsed within `limit` ms. */
function parseInWorker(bodies: readonly (readonly [string, string])[], limit: number): Promise<{ name: string; outcome: string }[]> {
  const worker = new Worker(fileURLToPath(new URL('./fixtures/parse-bodies.mjs', import.meta.url)), { workerData: bodies });
  const parsed: { name: string; outcome: string }[] = [];
  return new Promise<{ name: string; outcome: string }[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the parser had not finished within ${limit} ms; done: ${parsed.map((entry) => entry.name).join(', ') || 'none'}`)), limit);
    worker.on('message', (entry: { name: string; outcome: string }) => parsed.push(entry));
    worker.once('error', reject);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve(parsed);
    });
  }).finally(() => void worker.terminate());
}

function nestSubJobs(depth: number): string {
  let job: Record<string, unknown> = { job_id: 'leaf', status: 'SUCCESS' };
  for (let level = 0; level < depth; level++) job = { job_id: `level${level}`, status: 'RUNNING', entities: { sub_jobs: [job] } };
  return JSON.stringify(job);
}

// ── through the client ─────────────────────────────────────────────────

/**
 * A raw TCP server: answers the first request after {@link respond} with those
 * bytes, every other request with a good job, and closes each connection after answering.
 */
class RawServer {
  readonly #server: Server;
  #next: Buffer | undefined;
  readonly #sockets = new Set<Socket>();
  requests = 0;

  constructor() {
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      let head = '';
      socket.on('data', (chunk) => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        head = '';
        this.requests += 1;
        socket.end(this.#next ?? good());
        this.#next = undefined;
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  respond(bytes: Buffer): void {
    this.#next = bytes;
  }

  /** Resolves once every connection is closed, so the next request opens a fresh one (not a socket the server just ended). */
  async idle(): Promise<void> {
    for (let turn = 0; this.#sockets.size > 0 && turn < 1_000; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const JOB_ID = '4010a32d535527910153552b492c0002';
const GOOD_BODY = JSON.stringify({ status: 'RUNNING', entities: { volume_id: 'bdf1bb37-f20f-4266-9a04-f43e0a127376' }, job_id: JOB_ID, job_type: 'createVolume', begin_time: '2016-03-08T07:40:13.219Z', end_time: '', error_code: null, fail_reason: null });

function good(): Buffer {
  return Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ndate: ${new Date().toUTCString()}\r\ncontent-length: ${Buffer.byteLength(GOOD_BODY)}\r\n\r\n${GOOD_BODY}`);
}

// Mostly well-framed answers, so the fuzz reaches the body parser and the error mapping; broken framing and raw garbage as a minority.
const headerText = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '-1', '0', '1e3', '99999999999999999999', 'NaN', 'Common.0011', 'APIGW.0308') },
);
const httpDate = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
  fc.constantFrom('Sat, 13 Sep 275760 00:00:00 GMT', 'Tue, 20 Apr -271821 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT', 'Sat, 01 Jan 10000 00:00:00 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT', 'garbage'),
  headerText,
);
const status = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(200, 200, 200, 201, 202, 204, 206, 301, 304, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 999 }) });
const body = fc.oneof(
  fc.constant(GOOD_BODY),
  fc.constant(GOOD_BODY),
  wireJob.job.map((job) => JSON.stringify(job)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? ''),
  fc.record({ error: fc.record({ code: headerText, message: headerText }, { requiredKeys: [] }) }).map((value) => JSON.stringify(value)),
  fc.record({ error_code: headerText, error_msg: headerText, request_id: headerText }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant('x'.repeat(5_000)),
);
const response = fc
  .record({
    status,
    reason: fc.constantFrom('OK', '', 'Whatever'),
    date: fc.option(httpDate),
    retryAfter: fc.option(fc.oneof(headerText, httpDate)),
    requestId: fc.option(headerText),
    length: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom('exact', 'exact', 'none', 'chunked') },
      { weight: 2, arbitrary: fc.constantFrom('short', 'long', 'garbage', 'bad-chunks', 'twice') },
    ),
    extra: fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), headerText), { maxLength: 3 }),
    body,
    // One answer in twenty is not HTTP at all.
    rawGarbage: fc.oneof({ weight: 19, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  })
  .map((r): Buffer => {
    if (r.rawGarbage !== null) return Buffer.from(r.rawGarbage);
    const bytes = Buffer.byteLength(r.body, 'latin1');
    const headers: string[] = [];
    if (r.date !== null) headers.push(`date: ${r.date}`);
    if (r.retryAfter !== null) headers.push(`retry-after: ${r.retryAfter}`);
    if (r.requestId !== null) headers.push(`x-request-id: ${r.requestId}`);
    for (const [name, value] of r.extra) headers.push(`${name}: ${value}`);
    let payload = r.body;
    switch (r.length) {
      case 'exact': headers.push(`content-length: ${bytes}`); break;
      case 'short': headers.push(`content-length: ${Math.max(0, bytes - 3)}`); break;
      case 'long': headers.push(`content-length: ${bytes + 10}`); break;
      case 'garbage': headers.push('content-length: 12abc'); break;
      case 'twice': headers.push(`content-length: ${bytes}`, `content-length: ${bytes + 1}`); break;
      case 'chunked': headers.push('transfer-encoding: chunked'); payload = `${bytes.toString(16)}\r\n${r.body}\r\n0\r\n\r\n`; break;
      case 'bad-chunks': headers.push('transfer-encoding: chunked'); payload = `zz\r\n${r.body}`; break;
      case 'none': break;
    }
    return Buffer.from(`HTTP/1.1 ${r.status} ${r.reason}\r\n${headers.map((line) => `${line}\r\n`).join('')}\r\n${payload}`, 'latin1');
  });

describe('EvsClient.getJob against a server answering fuzzed bytes', () => {
  const server = new RawServer();
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await server.listen();
  });
  afterAll(() => server.close());
  // AK/SK, so every request is signed with the clock the Date headers teach; a small size cap, so it is hit.
  // A fresh client per case, and one attempt per call, so a counterexample is the one answer that broke it.
  const newClient = (): EvsClient =>
    new EvsClient({ endpoint, projectId: 'fuzzproject', credentials: { accessKey: 'FUZZACCESSKEY0000001', secretKey: 'fuzz-secret' }, env: {}, timeout: 2_000, maxResponseSize: 4_096, retries: 0 });

  it('rejects only with the library’s error classes (or returns a valid Job), and the next good answer is read as usual', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(response, async (bytes) => {
        await server.idle();
        server.respond(bytes);
        await using client = newClient();
        try {
          expectValidJob(await client.getJob(JOB_ID));
          seen.set('Job', (seen.get('Job') ?? 0) + 1);
        } catch (error) {
          if (!(error instanceof EvsError)) throw new Error(`getJob threw a foreign error: ${String(error)}`, { cause: error });
          seen.set(error.name, (seen.get(error.name) ?? 0) + 1);
        }
        // Whatever that answer was (a poisoned Date header included), the client still works.
        await server.idle();
        const next = await client.getJob(JOB_ID).catch(async (error: unknown) => {
          // A connection the fuzzed answer left half-closed fails once; the watcher retries that at once too.
          if (error instanceof NetworkError) return client.getJob(JOB_ID);
          throw error;
        });
        expect(next.jobId).toBe(JOB_ID);
        expect(Math.abs(client.clockOffset)).toBeLessThan(10 * 365 * 86_400_000 * 1_000);
      }),
      { numRuns: 400 },
    );
    const report = process.env['RELIABILITY_REPORT'];
    if (report) appendFileSync(report, `${JSON.stringify({ name: 'client-fuzz', outcomes: Object.fromEntries(seen) })}\n`);
    // The fuzz reached every kind of outcome.
    for (const name of ['Job', 'HttpError', 'InvalidResponseError', 'ResponseTooLargeError', 'NetworkError', 'ThrottledError', 'AuthError', 'JobNotFoundError']) expect(seen.get(name), name).toBeGreaterThan(0);
  }, 60_000);
});
