import { got } from '../validation/numbers.js';
import { decodePath, encodePath } from './auth/signer.js';

/**
 * Every service whose job API the client can call. Each answers
 * `GET /v1/{project_id}/jobs/{job_id}` with the same body on
 * `https://{service}.{region}.myhuaweicloud.com` (huaweicloud-sdk-go-v3: EVS, ECS
 * and IMS `ShowJob`, BMS `ShowJobInfos`).
 */
export const SERVICES = ['evs', 'ecs', 'ims', 'bms'] as const;

/** A service of {@link SERVICES}. */
export type Service = (typeof SERVICES)[number];

/** Whether `value` names a service of {@link SERVICES}. */
export function isService(value: unknown): value is Service {
  return (SERVICES as readonly unknown[]).includes(value);
}

/** A resolved endpoint: the origin to connect to and the path prefix before `/v1/...`. */
export interface Endpoint {
  readonly origin: string;
  readonly host: string;
  /** The base path as it goes on the wire: each segment decoded once, then encoded by the signer's own encoder. */
  readonly basePath: string;
  /** The same base path decoded, as the signer canonicalises it (so the signature covers exactly {@link basePath}). */
  readonly decodedBasePath: string;
}

const REGION = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Resolves `endpoint`, or builds `https://{service}.{region}.myhuaweicloud.com`.
 * Plain `http://` is refused off loopback unless `allowInsecureHttp`: an AK/SK
 * signature or a token must not cross a network in clear text.
 * @throws {TypeError} on a missing region, a malformed URL, or insecure HTTP; the message never quotes the URL itself.
 */
export function resolveEndpoint(options: {
  endpoint?: string | undefined;
  region?: string | undefined;
  service: Service;
  allowInsecureHttp: boolean;
}): Endpoint {
  const { endpoint, region, service } = options;
  if (endpoint !== undefined && typeof endpoint !== 'string') throw new TypeError(`Expected \`endpoint\` to be a URL string, got ${typeof endpoint}`);
  if (options.allowInsecureHttp !== true && options.allowInsecureHttp !== false) throw new TypeError(`Expected \`allowInsecureHttp\` to be a boolean, got ${got(options.allowInsecureHttp)}`);
  if (endpoint === undefined) {
    if (typeof region !== 'string' || !REGION.test(region)) {
      throw new TypeError(
        `Expected \`region\` (or HUAWEICLOUD_SDK_REGION) like "cn-north-4" when no \`endpoint\` is given, got ${region === undefined ? 'none' : JSON.stringify(region)}`,
      );
    }
    const host = `${service}.${region}.myhuaweicloud.com`;
    return { origin: `https://${host}`, host, basePath: '', decodedBasePath: '' };
  }
  const url = parseUrl(endpoint);
  if (url.protocol === 'http:' && !options.allowInsecureHttp && !isLoopback(url.hostname)) {
    throw new TypeError(
      `Refusing plain http:// to ${url.hostname}: credentials would travel in clear text. Use https://, or set \`allowInsecureHttp: true\``,
    );
  }
  const decodedBasePath = decodeBasePath(url.pathname.replace(/\/+$/, ''));
  return { origin: url.origin, host: url.host, basePath: encodePath(decodedBasePath), decodedBasePath };
}

/** Parses an endpoint URL; what a failure message says about it is computed, never copied from it. */
function parseUrl(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`Expected \`endpoint\` to be an absolute http(s) URL like https://evs.cn-north-4.myhuaweicloud.com, got ${redactEndpoint(endpoint)}`);
  }
  // The scheme of `AK:SK@host` is `ak:`: not even the protocol is quoted.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('Expected `endpoint` to use https:// or http://');
  // An `@` past the host (`https://AK/SK@host` parses, as host `ak`) is as likely a mistyped user:password@.
  if (url.username || url.password || endpoint.includes('@')) {
    throw new TypeError('Expected `endpoint` without user:password@ (or any "@"; write one in a base path as %40): pass `credentials` instead');
  }
  if (url.search || url.hash) throw new TypeError('Expected `endpoint` without a query or fragment');
  return url;
}

/** The base path decoded once, as a gateway decodes what it receives before it canonicalises and verifies it. */
function decodeBasePath(pathname: string): string {
  // An encoded "/" would come back as a separator: the path signed would not be the path sent.
  const decoded = /%2f/i.test(pathname) ? undefined : decodePath(pathname);
  if (decoded === undefined) throw new TypeError('Expected the base path of `endpoint` to be valid percent-encoding without an encoded "/" (%2F)');
  return decoded;
}

/**
 * What an error may quote of an endpoint. A string that did not parse may hold
 * a secret anywhere (`http//AK:SK@host`, `https://AK:SK/x@host`, a leading
 * space), so only the origin of an http(s) URL is shown (it cannot contain
 * user:password@); anything else is described by computed hints, none of its
 * characters copied.
 */
export function redactEndpoint(endpoint: string): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:')) return url.origin;
  const hints = [
    /^\s|\s$/.test(endpoint) && 'it starts or ends with whitespace',
    !/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint.trim()) && 'it does not start with https://',
    endpoint.includes('@') && 'it contains "@": credentials belong in `credentials`, never in the URL',
  ].filter((hint) => hint !== false);
  return `(not quoted, it may hold a secret${hints.length > 0 ? `; ${hints.join('; ')}` : ''})`;
}

/** Whether `hostname` (as `URL` gives it) is a loopback address. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
