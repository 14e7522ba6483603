import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvsError } from '../../src/errors/evs-error.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import { parseErrorBody } from '../../src/model/error-body.js';
import type { Job } from '../../src/model/job.js';
import { parseJob, parseJobText } from '../../src/model/parse-job.js';

/** The reference page's running single job, verbatim. */
const RUNNING_JOB =
  '{"status":"RUNNING","entities":{"volume_id":"bdf1bb37-f20f-4266-9a04-f43e0a127376"},"job_id":"4010a32d535527910153552b492c0002","job_type":"createVolume","begin_time":"2016-03-08T07:40:13.219Z","end_time":"","error_code":null,"fail_reason":null}';

/** The reference page's finished batch job with two sub-jobs, verbatim. */
const BATCH_JOB =
  '{"status":"SUCCESS","entities":{"sub_jobs":[{"status":"SUCCESS","entities":{"volume_id":"0b549095-4937-4849-8e4c-52aa027d64f7"},"job_id":"21917a8d52a19b040152a9f2f2e50041","job_type":"createVolume","begin_time":"2016-02-04T01:43:37.445Z","end_time":"2016-02-04T01:44:02.239Z","error_code":null,"fail_reason":null},{"status":"SUCCESS","entities":{"volume_id":"e7bca1a2-d3ed-434f-86f4-a1f11aa80072"},"job_id":"21917a8d52a19b040152a9f2f2f60042","job_type":"createVolume","begin_time":"2016-02-04T01:43:37.462Z","end_time":"2016-02-04T01:44:02.245Z","error_code":null,"fail_reason":null}]},"job_id":"21917a8d52a19b040152a9f2f1eb003e","job_type":"batchCreateVolume","begin_time":"2016-02-04T01:43:37.193Z","end_time":"2016-02-04T01:44:08.283Z","error_code":null,"fail_reason":null}';

/** A minimal valid wire job, to be broken field by field. */
function wireJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    status: 'RUNNING',
    entities: { volume_id: 'bdf1bb37-f20f-4266-9a04-f43e0a127376' },
    job_id: '4010a32d535527910153552b492c0002',
    job_type: 'createVolume',
    begin_time: '2016-03-08T07:40:13.219Z',
    end_time: '',
    error_code: null,
    fail_reason: null,
    ...overrides,
  };
}

/** Runs `parse` and returns the {@link InvalidResponseError} it throws; fails the test if it throws anything else or nothing. */
function invalidResponse(parse: () => unknown): InvalidResponseError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidResponseError);
    return error as InvalidResponseError;
  }
  throw new Error('expected an InvalidResponseError, but parsing succeeded');
}

describe('parseJobText', () => {
  describe('on the reference page samples', () => {
    it('parses a running single job into camelCase fields', () => {
      const job = parseJobText(RUNNING_JOB);

      expect(job.jobId).toBe('4010a32d535527910153552b492c0002');
      expect(job.jobType).toBe('createVolume');
      expect(job.status).toBe('RUNNING');
      expect(job.entities).toEqual({ volumeId: 'bdf1bb37-f20f-4266-9a04-f43e0a127376', subJobs: [], other: {} });
    });

    it('turns begin_time into a Date at the exact millisecond', () => {
      const job = parseJobText(RUNNING_JOB);

      expect(job.beginTime).toBeInstanceOf(Date);
      expect(job.beginTime?.toISOString()).toBe('2016-03-08T07:40:13.219Z');
    });

    it('leaves endTime, errorCode and failReason absent when the wire has "" or null', () => {
      const job = parseJobText(RUNNING_JOB);

      expect(job).not.toHaveProperty('endTime');
      expect(job).not.toHaveProperty('errorCode');
      expect(job).not.toHaveProperty('failReason');
    });

    it('keeps the wire object untouched in raw', () => {
      const job = parseJobText(RUNNING_JOB);

      expect(job.raw).toEqual(JSON.parse(RUNNING_JOB));
    });

    it('parses a finished batch job with its two sub-jobs recursively', () => {
      const job = parseJobText(BATCH_JOB);

      expect(job.jobId).toBe('21917a8d52a19b040152a9f2f1eb003e');
      expect(job.jobType).toBe('batchCreateVolume');
      expect(job.status).toBe('SUCCESS');
      expect(job.beginTime?.toISOString()).toBe('2016-02-04T01:43:37.193Z');
      expect(job.endTime?.toISOString()).toBe('2016-02-04T01:44:08.283Z');
      expect(job.entities.volumeId).toBeUndefined();
      expect(job.entities.other).toEqual({});
      expect(job.entities.subJobs).toHaveLength(2);

      const [first, second] = job.entities.subJobs as [Job, Job];
      expect(first).toMatchObject({
        jobId: '21917a8d52a19b040152a9f2f2e50041',
        jobType: 'createVolume',
        status: 'SUCCESS',
        entities: { volumeId: '0b549095-4937-4849-8e4c-52aa027d64f7', subJobs: [], other: {} },
      });
      expect(first.beginTime?.toISOString()).toBe('2016-02-04T01:43:37.445Z');
      expect(first.endTime?.toISOString()).toBe('2016-02-04T01:44:02.239Z');
      expect(second).toMatchObject({
        jobId: '21917a8d52a19b040152a9f2f2f60042',
        entities: { volumeId: 'e7bca1a2-d3ed-434f-86f4-a1f11aa80072', subJobs: [] },
      });
      expect(second.endTime!.getTime() - second.beginTime!.getTime()).toBe(24_783);
    });

    it('keeps each sub-job’s own wire object in its raw', () => {
      const wire = JSON.parse(BATCH_JOB) as { entities: { sub_jobs: unknown[] } };
      const job = parseJobText(BATCH_JOB);

      expect(job.raw).toEqual(wire);
      expect(job.entities.subJobs.map((sub) => sub.raw)).toEqual(wire.entities.sub_jobs);
    });
  });

  describe('on lenient inputs', () => {
    it('keeps an unknown status string as is', () => {
      expect(parseJob(wireJob({ status: 'PENDING_APPROVAL' })).status).toBe('PENDING_APPROVAL');
    });

    it('accepts every documented status', () => {
      for (const status of ['INIT', 'RUNNING', 'SUCCESS', 'FAIL']) {
        expect(parseJob(wireJob({ status })).status).toBe(status);
      }
    });

    it('keeps an unknown job type as is, and uses "" when job_type is absent', () => {
      expect(parseJob(wireJob({ job_type: 'createServer' })).jobType).toBe('createServer');
      expect(parseJob(wireJob({ job_type: undefined })).jobType).toBe('');
    });

    it('camelCases every other entity field into entities.other, values as sent', () => {
      const job = parseJob(
        wireJob({
          entities: {
            volume_id: 'v-1',
            server_id: 's-1',
            bulk_delete_volume_ids: ['a', 'b'],
            nested_thing: { inner_key: 1 },
            already: true,
          },
        }),
      );

      expect(job.entities.volumeId).toBe('v-1');
      expect(job.entities.other).toEqual({
        serverId: 's-1',
        bulkDeleteVolumeIds: ['a', 'b'],
        nestedThing: { inner_key: 1 },
        already: true,
      });
    });

    it('treats absent or null entities as empty', () => {
      const empty = { subJobs: [], other: {} };
      expect(parseJob(wireJob({ entities: undefined })).entities).toEqual(empty);
      expect(parseJob(wireJob({ entities: null })).entities).toEqual(empty);
    });

    it('treats an empty sub_jobs list as no sub-jobs', () => {
      expect(parseJob(wireJob({ entities: { sub_jobs: [] } })).entities.subJobs).toEqual([]);
    });

    it('treats a null begin_time and end_time as absent', () => {
      const job = parseJob(wireJob({ begin_time: null, end_time: null }));

      expect(job).not.toHaveProperty('beginTime');
      expect(job).not.toHaveProperty('endTime');
    });

    it('reads a failed job’s error_code and fail_reason', () => {
      const job = parseJob(wireJob({ status: 'FAIL', error_code: 'EVS.2024', fail_reason: 'quota exceeded' }));

      expect(job.errorCode).toBe('EVS.2024');
      expect(job.failReason).toBe('quota exceeded');
    });

    it('reads timestamps without a zone as UTC, and honours an explicit offset', () => {
      expect(parseJob(wireJob({ begin_time: '2016-03-08 07:40:13' })).beginTime?.toISOString()).toBe(
        '2016-03-08T07:40:13.000Z',
      );
      expect(parseJob(wireJob({ begin_time: '2016-03-08T07:40:13.219+08:00' })).beginTime?.toISOString()).toBe(
        '2016-03-07T23:40:13.219Z',
      );
      expect(parseJob(wireJob({ begin_time: '2016-03-08T07:40:13.219+0800' })).beginTime?.toISOString()).toBe(
        '2016-03-07T23:40:13.219Z',
      );
    });
  });

  describe('on broken bodies', () => {
    it('rejects text that is not JSON, naming the whole body', () => {
      const error = invalidResponse(() => parseJobText('{"status":"RUNNING"'));

      expect(error.field).toBe('$');
      expect(error.code).toBe('EVS_INVALID_RESPONSE');
      expect(error.cause).toBeInstanceOf(SyntaxError);
      expect(error).toBeInstanceOf(EvsError);
    });

    it('rejects an empty body', () => {
      expect(invalidResponse(() => parseJobText('')).field).toBe('$');
    });

    it.each([
      ['an array', '[]', 'array'],
      ['null', 'null', 'null'],
      ['a number', '42', 'number'],
      ['a string', '"SUCCESS"', 'string'],
    ])('rejects a body that is %s instead of an object', (_what, text, type) => {
      const error = invalidResponse(() => parseJobText(text));

      expect(error.field).toBe('$');
      expect(error.code).toBe('EVS_INVALID_RESPONSE');
      expect(error.message).toBe(`invalid response: expected an object, got ${type}`);
    });

    it.each([
      ['a missing status', { status: undefined }, 'status'],
      ['a null status', { status: null }, 'status'],
      ['a missing job_id', { job_id: undefined }, 'job_id'],
      ['a numeric status', { status: 3 }, 'status'],
      ['a numeric job_id', { job_id: 12 }, 'job_id'],
      ['a boolean job_type', { job_type: true }, 'job_type'],
      ['entities as a string', { entities: 'volume_id' }, 'entities'],
      ['entities as an array', { entities: [] }, 'entities'],
      ['a numeric volume_id', { entities: { volume_id: 7 } }, 'entities.volume_id'],
      ['sub_jobs as an object', { entities: { sub_jobs: { 0: {} } } }, 'entities.sub_jobs'],
      ['a begin_time that is not a timestamp', { begin_time: 'yesterday' }, 'begin_time'],
      ['a begin_time in month 13', { begin_time: '2016-13-08T07:40:13.219Z' }, 'begin_time'],
      ['a numeric begin_time', { begin_time: 1457422813219 }, 'begin_time'],
      ['an end_time at minute 60', { end_time: '2016-03-08T07:60:13Z' }, 'end_time'],
      ['an object error_code', { error_code: { code: 'x' } }, 'error_code'],
      ['a numeric fail_reason', { fail_reason: 500 }, 'fail_reason'],
      ['a job_id longer than 4096 characters', { job_id: 'a'.repeat(4097) }, 'job_id'],
      ['an empty job_id', { job_id: '' }, 'job_id'],
      ['an empty status', { status: '' }, 'status'],
      ['a begin_time on 30 February', { begin_time: '2016-02-30T07:40:13.219Z' }, 'begin_time'],
      ['an end_time at hour 24', { end_time: '2016-03-08T24:00:00Z' }, 'end_time'],
    ])('rejects %s, naming the field', (_what, overrides, field) => {
      const error = invalidResponse(() => parseJobText(JSON.stringify(wireJob(overrides))));

      expect(error.field).toBe(field);
      expect(error.code).toBe('EVS_INVALID_RESPONSE');
      expect(error.message).toContain(`${field}: `);
    });

    it('says what it got instead of the expected type', () => {
      expect(invalidResponse(() => parseJob(wireJob({ status: 3 }))).message).toBe(
        'invalid response: status: expected a string, got number',
      );
      expect(invalidResponse(() => parseJob(wireJob({ status: undefined }))).message).toBe(
        'invalid response: status: missing',
      );
    });

    it('names the path of a broken field inside a sub-job', () => {
      const wire = JSON.parse(BATCH_JOB) as { entities: { sub_jobs: Record<string, unknown>[] } };
      wire.entities.sub_jobs[1]!['status'] = 42;

      const error = invalidResponse(() => parseJobText(JSON.stringify(wire)));

      expect(error.field).toBe('entities.sub_jobs[1].status');
      expect(error.code).toBe('EVS_INVALID_RESPONSE');
      expect(error.message).toBe('invalid response: entities.sub_jobs[1].status: expected a string, got number');
    });

    it('names the path of a sub-job that is not an object', () => {
      const error = invalidResponse(() => parseJob(wireJob({ entities: { sub_jobs: [wireJob(), 'oops'] } })));

      expect(error.field).toBe('entities.sub_jobs[1]');
    });

    it('names the path of a broken field in a sub-job of a sub-job', () => {
      const inner = wireJob({ end_time: 'soon' });
      const error = invalidResponse(() =>
        parseJob(wireJob({ entities: { sub_jobs: [wireJob({ entities: { sub_jobs: [wireJob(), inner] } })] } })),
      );

      expect(error.field).toBe('entities.sub_jobs[0].entities.sub_jobs[1].end_time');
    });

    it('accepts sub_jobs nested 8 levels deep and rejects a 9th level', () => {
      const nest = (levels: number): Record<string, unknown> =>
        levels === 0 ? wireJob({ entities: {} }) : wireJob({ entities: { sub_jobs: [nest(levels - 1)] } });

      let job = parseJob(nest(8));
      for (let level = 0; level < 8; level++) job = job.entities.subJobs[0]!;
      expect(job.entities.subJobs).toEqual([]);

      const error = invalidResponse(() => parseJob(nest(9)));
      expect(error.field).toBe(`${'entities.sub_jobs[0].'.repeat(8)}entities.sub_jobs`);
    });
  });

  describe('as a boundary (property)', () => {
    /** How many generated bodies parsed to a job, so a property can prove it did not only see rejections. */
    let parsed = 0;

    /** Calls `parse`; true when it returned a job or threw {@link InvalidResponseError}, rethrows anything else. */
    function returnsJobOrInvalidResponse(parse: () => Job): boolean {
      try {
        const job = parse();
        expect(typeof job.jobId).toBe('string');
        expect(typeof job.status).toBe('string');
        parsed++;
        return true;
      } catch (error) {
        if (error instanceof InvalidResponseError && error.code === 'EVS_INVALID_RESPONSE') return true;
        throw error;
      }
    }

    it('returns a Job or throws InvalidResponseError for any JSON value, never another exception', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => returnsJobOrInvalidResponse(() => parseJobText(JSON.stringify(value)))),
        { numRuns: 500 },
      );
    });

    it('returns a Job or throws InvalidResponseError for any job-shaped JSON value', () => {
      // Plain `fc.jsonValue()` rarely produces an object with the right keys; this one puts
      // mostly valid, sometimes wrong values under the real field names, recursively through sub_jobs.
      const anyValue = fc.jsonValue({ maxDepth: 2 });
      const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
        fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
      const timestamp = fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
        .map((date) => date.toISOString());
      const { job } = fc.letrec<{ job: Record<string, unknown> }>((tie) => ({
        job: fc.record(
          {
            status: mostly(fc.constantFrom('INIT', 'RUNNING', 'SUCCESS', 'FAIL', 'UNKNOWN')),
            job_id: mostly(fc.stringMatching(/^[0-9a-f]{32}$/)),
            job_type: mostly(fc.constantFrom('createVolume', 'batchCreateVolume', 'deleteVolume', '')),
            begin_time: mostly(timestamp),
            end_time: mostly(fc.oneof(fc.constant(''), timestamp)),
            error_code: mostly(fc.option(fc.string())),
            fail_reason: mostly(fc.option(fc.string())),
            entities: mostly(
              fc.record(
                {
                  volume_id: mostly(fc.uuid()),
                  sub_jobs: mostly(fc.array(tie('job'), { maxLength: 3, depthIdentifier: 'job' })),
                  other_field: anyValue,
                },
                { requiredKeys: [] },
              ),
            ),
          },
          { requiredKeys: ['status', 'job_id'] },
        ),
      }));

      parsed = 0;
      fc.assert(
        fc.property(job, (value) => returnsJobOrInvalidResponse(() => parseJobText(JSON.stringify(value)))),
        { numRuns: 500 },
      );
      expect(parsed).toBeGreaterThan(0);
    });

    it('returns a Job or throws InvalidResponseError for any string', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (text) =>
          returnsJobOrInvalidResponse(() => parseJobText(text)),
        ),
        { numRuns: 500 },
      );
    });
  });
});

describe('parseErrorBody', () => {
  it('reads the EVS shape {"error":{"message","code"}}', () => {
    expect(parseErrorBody('{"error":{"message":"XXXX","code":"XXX"}}')).toEqual({ code: 'XXX', message: 'XXXX' });
  });

  it('reads the API gateway shape {"error_msg","error_code","request_id"}', () => {
    const body = '{"error_msg":"The throttling threshold has been reached","error_code":"APIGW.0308","request_id":"bd5b2b3c2ab0e1a8b3c6a9d7f5e4c3b2"}';

    expect(parseErrorBody(body)).toEqual({
      code: 'APIGW.0308',
      message: 'The throttling threshold has been reached',
      requestId: 'bd5b2b3c2ab0e1a8b3c6a9d7f5e4c3b2',
    });
  });

  it('reads a flat {"code","message"} body', () => {
    expect(parseErrorBody('{"code":"Common.0011","message":"job not found"}')).toEqual({
      code: 'Common.0011',
      message: 'job not found',
    });
  });

  it('prefers the nested EVS fields over the flat ones', () => {
    expect(parseErrorBody('{"error":{"code":"EVS.1"},"error_code":"APIGW.2","error_msg":"flat"}')).toEqual({
      code: 'EVS.1',
      message: 'flat',
    });
  });

  it('leaves out fields that are empty, null or not strings', () => {
    expect(parseErrorBody('{"error":{"message":"","code":null},"request_id":7}')).toEqual({});
  });

  it('cuts a message longer than 512 characters', () => {
    const message = parseErrorBody(JSON.stringify({ error_msg: 'x'.repeat(2000) })).message;

    expect(message).toHaveLength(512);
  });

  it.each([
    ['an empty body', ''],
    ['HTML from a proxy', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated JSON', '{"error":{"message":"XX'],
    ['a JSON array', '[{"error_code":"APIGW.0308"}]'],
    ['JSON null', 'null'],
    ['a JSON string', '"APIGW.0308"'],
    ['an unrelated object', '{"status":"RUNNING"}'],
  ])('returns {} for %s', (_what, text) => {
    expect(parseErrorBody(text)).toEqual({});
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.json()), (text) => {
        const body = parseErrorBody(text);
        for (const value of Object.values(body)) expect(typeof value).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});
