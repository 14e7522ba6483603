import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorization,
  canonicalQuery,
  canonicalUri,
  encodePath,
  encodeRfc3986,
  formatSdkDate,
  parseSdkDate,
  sign,
  type SignableRequest,
} from '../../../src/client/auth/signer.js';
import { AKSKSigner, type OfficialRequest } from '../../helpers/official-signer.js';

/** The request of Huawei Cloud's published AK/SK signing example. */
const PUBLISHED_EXAMPLE = {
  request: {
    method: 'GET',
    path: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs',
    query: { limit: '2', marker: '13551d6b-755d-4757-b956-536f674975c0' },
    headers: {
      'Content-Type': 'application/json',
      Host: 'service.region.example.com',
      'X-Sdk-Date': '20191115T033655Z',
    },
  },
  keys: { accessKey: 'QTWAOYTTINDUT2QVKYUC', secretKey: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' },
  authorization:
    'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
} as const satisfies { request: SignableRequest; keys: unknown; authorization: string };

describe('authorization', () => {
  it('reproduces Huawei Cloud’s published signing example exactly', () => {
    expect(authorization(PUBLISHED_EXAMPLE.request, PUBLISHED_EXAMPLE.keys)).toBe(PUBLISHED_EXAMPLE.authorization);
  });

  it('does not depend on the case of header names or of the method', () => {
    const { request, keys } = PUBLISHED_EXAMPLE;
    const lowered: SignableRequest = {
      ...request,
      method: 'get',
      headers: { 'content-type': 'application/json', host: 'service.region.example.com', 'x-sdk-date': '20191115T033655Z' },
    };

    expect(authorization(lowered, keys)).toBe(PUBLISHED_EXAMPLE.authorization);
  });

  it('does not depend on the order of query parameters or headers', () => {
    const { request, keys } = PUBLISHED_EXAMPLE;
    const reordered: SignableRequest = {
      ...request,
      query: { marker: request.query.marker, limit: request.query.limit },
      headers: { 'X-Sdk-Date': '20191115T033655Z', Host: 'service.region.example.com', 'Content-Type': 'application/json' },
    };

    expect(authorization(reordered, keys)).toBe(PUBLISHED_EXAMPLE.authorization);
  });

  it('changes the signature when any signed part changes', () => {
    const { request, keys } = PUBLISHED_EXAMPLE;
    const base = sign(request, keys.secretKey).signature;
    const variants: SignableRequest[] = [
      { ...request, method: 'DELETE' },
      { ...request, path: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpc' },
      { ...request, query: { ...request.query, limit: '3' } },
      { ...request, headers: { ...request.headers, 'X-Sdk-Date': '20191115T033656Z' } },
      { ...request, headers: { ...request.headers, 'X-Extra': '' } },
      { ...request, body: '{}' },
    ];

    for (const variant of variants) expect(sign(variant, keys.secretKey).signature).not.toBe(base);
    expect(sign(request, `${keys.secretKey}x`).signature).not.toBe(base);
  });

  it('signs a path with and without a trailing / alike, as Huawei’s signers do', () => {
    const { request, keys } = PUBLISHED_EXAMPLE;

    expect(authorization({ ...request, path: `${request.path}/` }, keys)).toBe(PUBLISHED_EXAMPLE.authorization);
  });

  it('signs a Uint8Array body like the same bytes as a string', () => {
    const { request, keys } = PUBLISHED_EXAMPLE;
    const body = '{"volume":{"size":10,"name":"数据盘"}}';

    expect(sign({ ...request, body: new TextEncoder().encode(body) }, keys.secretKey)).toEqual(
      sign({ ...request, body }, keys.secretKey),
    );
  });

  it('signs an absent body like an empty one', () => {
    const { request, keys } = PUBLISHED_EXAMPLE;

    expect(sign({ ...request, body: '' }, keys.secretKey)).toEqual(sign(request, keys.secretKey));
  });

  it('never puts the secret key in the header', () => {
    const { request, keys } = PUBLISHED_EXAMPLE;

    expect(authorization(request, keys)).not.toContain(keys.secretKey);
  });
});

describe('canonical parts', () => {
  it('percent-encodes each path segment and ends the canonical URI with /', () => {
    expect(canonicalUri('/v1/p/jobs/j')).toBe('/v1/p/jobs/j/');
    expect(canonicalUri('/v1/p/jobs/')).toBe('/v1/p/jobs/');
    expect(canonicalUri('/v1/a b/数据/x:y')).toBe('/v1/a%20b/%E6%95%B0%E6%8D%AE/x%3Ay/');
  });

  it('encodes the wire path like the canonical URI, without the added /', () => {
    expect(encodePath('/v1/a b/数据')).toBe('/v1/a%20b/%E6%95%B0%E6%8D%AE');
    expect(encodePath('/v1/p/jobs/')).toBe('/v1/p/jobs/');
  });

  it('leaves only RFC 3986 unreserved characters unencoded, with upper-case hex', () => {
    expect(encodeRfc3986("AZaz09-_.~!'()*; /?#[]@$&+,=%")).toBe(
      'AZaz09-_.~%21%27%28%29%2A%3B%20%2F%3F%23%5B%5D%40%24%26%2B%2C%3D%25',
    );
    expect(encodeRfc3986('é😀')).toBe('%C3%A9%F0%9F%98%80');
  });

  it('sorts query keys, repeats a key once per sorted value, and keeps empty values', () => {
    expect(canonicalQuery({ b: ['2', '10', '1'], a: '', 'c d': 'é' })).toBe('a=&b=1&b=10&b=2&c%20d=%C3%A9');
    expect(canonicalQuery({})).toBe('');
  });
});

describe('formatSdkDate and parseSdkDate', () => {
  it('format a time as YYYYMMDDTHHMMSSZ in UTC, dropping milliseconds', () => {
    expect(formatSdkDate(Date.UTC(2019, 10, 15, 3, 36, 55, 999))).toBe('20191115T033655Z');
    expect(formatSdkDate(0)).toBe('19700101T000000Z');
  });

  it('parse the published example’s date', () => {
    expect(parseSdkDate('20191115T033655Z')).toBe(Date.UTC(2019, 10, 15, 3, 36, 55));
  });

  it('round-trip every time from year 0 to 9999, to the second', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
        (date) => {
          const time = date.getTime();
          expect(parseSdkDate(formatSdkDate(time))).toBe(Math.floor(time / 1000) * 1000);
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each([
    ['an empty string', ''],
    ['no trailing Z', '20191115T033655'],
    ['a lower-case t and z', '20191115t033655z'],
    ['the extended ISO form', '2019-11-15T03:36:55Z'],
    ['milliseconds', '20191115T033655.000Z'],
    ['an offset instead of Z', '20191115T033655+0000'],
    ['surrounding spaces', ' 20191115T033655Z '],
    ['a two-digit year', '191115T033655Z'],
    ['an HTTP date', 'Fri, 15 Nov 2019 03:36:55 GMT'],
    ['month 13', '20191315T033655Z'],
    ['month 0', '20190015T033655Z'],
    ['day 0', '20191100T033655Z'],
    ['day 32', '20191132T033655Z'],
    ['30 February', '20190230T000000Z'],
    ['29 February in a common year', '20190229T000000Z'],
    ['31 April', '20190431T000000Z'],
    ['hour 24', '20191115T240000Z'],
    ['minute 60', '20191115T036055Z'],
    ['second 60', '20191115T033660Z'],
  ])('reject %s', (_what, text) => {
    expect(parseSdkDate(text)).toBeUndefined();
  });

  it('accept 29 February in a leap year', () => {
    expect(parseSdkDate('20200229T235959Z')).toBe(Date.UTC(2020, 1, 29, 23, 59, 59));
  });
});


/** `SignedHeaders` and `Signature` of an `Authorization` value. */
function signatureParts(header: string | undefined): { signedHeaders: string; signature: string } {
  const match = /^SDK-HMAC-SHA256 Access=[^,]*, SignedHeaders=([^,]*), Signature=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) throw new Error(`not an SDK-HMAC-SHA256 Authorization header: ${header}`);
  return { signedHeaders: match[1]!, signature: match[2]! };
}

/**
 * Characters a generated path may hold. The official SDK reads the path back out of
 * `request.endpoint` with Node's legacy `url.parse`, which rewrites some characters
 * before the signer sees them: it percent-escapes space, `"`, `'`, `<`, `>`, `\`, `^`,
 * `` ` ``, `{`, `|`, `}` (so the SDK would sign `%20` re-encoded as `%2520`), turns `\`
 * into `/`, cuts the path at `?` and `#`, and trims U+00A0 and U+FEFF at the URL's end.
 * Those are artefacts of how the SDK receives its input, not of the signing algorithm,
 * so paths avoid them; everything else, `%` included, reaches both signers as the same
 * decoded text.
 */
const PATH_ASCII = [...'abcxyzABCXYZ0189-._~!$&()*+,;=:@%'];
const NON_ASCII = fc
  .integer({ min: 0x80, max: 0x10ffff })
  .filter((code) => (code < 0xd800 || code > 0xdfff) && code !== 0xa0 && code !== 0xfeff)
  .map((code) => String.fromCodePoint(code));
const segment = fc.string({ unit: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PATH_ASCII) }, { weight: 1, arbitrary: NON_ASCII }), maxLength: 12 });
const path = fc.array(segment, { maxLength: 6 }).map((segments) => `/${segments.join('/')}`);

/** Query keys and values: any code point (no lone surrogates), so reserved and non-ASCII characters appear often. */
const queryText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', ' ', '&=?#/+%', 'a b', '数据盘', '😀'));
const query = fc.dictionary(queryText, fc.oneof(queryText, fc.array(queryText, { maxLength: 4 })), { maxKeys: 6 });

/**
 * Extra headers: lower-case names, printable ASCII values. Names the SDK treats specially
 * are left out: `host` and `x-sdk-date` (set by the test), `content-type` (dropped when it
 * is multipart) and `x-sdk-content-sha256` (taken as the payload hash).
 */
const RESERVED_HEADERS = new Set(['host', 'x-sdk-date', 'content-type', 'x-sdk-content-sha256', 'authorization']);
const headerName = fc.stringMatching(/^[a-z0-9-]{1,20}$/).filter((name) => !RESERVED_HEADERS.has(name));
const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
const extraHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 5 });

/**
 * JSON bodies as objects or arrays. The SDK hashes `JSON.stringify(data)` only when `data` is
 * truthy, so a top-level `0`, `""`, `false` or `null` body would be signed as empty by it.
 */
const body = fc.option(
  fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ stringUnit: 'binary' })), fc.array(fc.jsonValue({ maxDepth: 2 }))),
  { nil: undefined },
);

const sdkDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((date) => formatSdkDate(date.getTime()));

const keys = fc.record({
  accessKey: fc.stringMatching(/^[A-Z0-9]{20}$/),
  secretKey: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
});

const host = fc.constantFrom('service.region.example.com', 'evs.cn-north-4.myhuaweicloud.com', 'ecs.ap-southeast-1.myhuaweicloud.com:443');

describe('agreement with the official Huawei Cloud Node.js SDK signer', () => {
  it('reproduces the published example with the SDK too (the harness itself is right)', () => {
    const { request, keys: pair } = PUBLISHED_EXAMPLE;
    const headers = signedBySdk({
      method: request.method,
      endpoint: `https://${request.headers.Host}${request.path}`,
      queryParams: { ...request.query },
      headers: { 'Content-Type': 'application/json', host: request.headers.Host, 'X-Sdk-Date': request.headers['X-Sdk-Date'] },
    }, pair);

    expect(headers['Authorization']).toBe(PUBLISHED_EXAMPLE.authorization);
  });

  it('computes the same SignedHeaders and Signature on randomized requests', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        host,
        path,
        query,
        extraHeaders,
        body,
        sdkDate,
        keys,
        (method, hostName, requestPath, queryParams, extra, data, date, pair) => {
          // `host` is lower-case because the SDK looks it up under that exact key.
          const headers = { 'Content-Type': 'application/json;charset=UTF-8', host: hostName, 'X-Sdk-Date': date, ...extra };
          const ours = signatureParts(
            authorization(
              {
                method,
                path: requestPath,
                query: queryParams,
                headers,
                ...(data !== undefined && { body: JSON.stringify(data) }),
              },
              pair,
            ),
          );
          const theirs = signatureParts(
            signedBySdk(
              {
                method,
                endpoint: `https://${hostName}${requestPath}`,
                // The SDK sorts array values in place: give it its own copy.
                queryParams: structuredClone(queryParams),
                headers: { ...headers },
                ...(data !== undefined && { data }),
              },
              pair,
            )['Authorization'],
          );

          expect(ours).toEqual(theirs);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function signedBySdk(request: OfficialRequest, pair: { accessKey: string; secretKey: string }): Record<string, string> {
  return AKSKSigner.sign(request, { getAk: () => pair.accessKey, getSk: () => pair.secretKey });
}
