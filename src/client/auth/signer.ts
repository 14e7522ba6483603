import { createHash, createHmac } from 'node:crypto';

/** Huawei Cloud's AK/SK signing algorithm name, as it appears in `Authorization`. */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** The header carrying the signing time, `YYYYMMDDTHHMMSSZ`. */
export const SDK_DATE_HEADER = 'x-sdk-date';

/** A request as the signer sees it. Header names are case-insensitive. */
export interface SignableRequest {
  readonly method: string;
  /** Decoded path, e.g. `/v1/{project_id}/jobs/{job_id}`; each segment is percent-encoded when signed. */
  readonly path: string;
  /** Decoded query parameters. */
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** Every header to sign; must include `host` and `x-sdk-date`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Request body; empty when absent. */
  readonly body?: string | Uint8Array;
}

/** An access key pair. The secret never leaves this module except into an HMAC. */
export interface AccessKeyPair {
  readonly accessKey: string;
  readonly secretKey: string;
}

/**
 * Computes the `Authorization` header value for `request`
 * (`SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`).
 */
export function authorization(request: SignableRequest, keys: AccessKeyPair): string {
  const { signedHeaders, signature } = sign(request, keys.secretKey);
  return `${SIGNING_ALGORITHM} Access=${keys.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/** Signs `request` with `secretKey`; exported for the simulator, which verifies signatures. */
export function sign(request: SignableRequest, secretKey: string): { signedHeaders: string; signature: string } {
  const headers = lowerCaseHeaders(request.headers);
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonical = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query ?? {}),
    names.map((name) => `${name}:${headers[name]}\n`).join(''),
    signedHeaders,
    request.body === undefined || request.body.length === 0 ? EMPTY_BODY_HASH : sha256Hex(request.body),
  ].join('\n');
  const stringToSign = [SIGNING_ALGORITHM, headers[SDK_DATE_HEADER] ?? '', sha256Hex(canonical)].join('\n');
  return { signedHeaders, signature: createHmac('sha256', secretKey).update(stringToSign).digest('hex') };
}

/** Percent-encodes each path segment and ends the path with `/`, as Huawei's signers do. */
export function canonicalUri(path: string): string {
  const encoded = path.split('/').map(encodeRfc3986).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** The wire form of a decoded path: the canonical URI without the signing-only trailing `/`. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeRfc3986).join('/');
}

/** The inverse of {@link encodePath}: each segment decoded once; `undefined` when one is not valid percent-encoding. */
export function decodePath(path: string): string | undefined {
  try {
    return path.split('/').map((segment) => decodeURIComponent(segment)).join('/');
  } catch {
    return undefined;
  }
}

/** Sorted `key=value` pairs joined by `&`, each side percent-encoded; array values sorted too. */
export function canonicalQuery(query: Readonly<Record<string, string | readonly string[]>>): string {
  const pairs: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key] ?? '';
    const values = typeof value === 'string' ? [value] : [...value].sort();
    for (const item of values) pairs.push(`${encodeRfc3986(key)}=${encodeRfc3986(item)}`);
  }
  return pairs.join('&');
}

/** Percent-encodes everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`), UTF-8, upper-case hex. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Formats a time as `X-Sdk-Date` wants it: `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(time: number): string {
  // Every request of a second shares one string: formatting was a visible share of a request's CPU.
  const second = Math.floor(time / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastFormatted = new Date(second * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  }
  return lastFormatted;
}

let lastSecond = Number.NaN;
let lastFormatted = '';

/** Parses an `X-Sdk-Date` value; `undefined` when it is not `YYYYMMDDTHHMMSSZ`. */
export function parseSdkDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const time = Date.parse(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`);
  // Date.parse rolls 30 February over to 2 March and reads T24:00:00 as the next day: only a round trip proves the date real.
  return Number.isNaN(time) || formatSdkDate(time) !== text ? undefined : time;
}

function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return lower;
}

/** SHA-256 of an empty body (every GET). */
const EMPTY_BODY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Lower-case hex SHA-256. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
