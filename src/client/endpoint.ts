/** Services that answer `GET /v1/{project_id}/jobs/{job_id}` with the same shape. */
export type Service = 'evs' | 'ecs';

/** A resolved endpoint: the origin to connect to and the path prefix before `/v1/...`. */
export interface Endpoint {
  readonly origin: string;
  readonly host: string;
  readonly basePath: string;
}

const REGION = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Resolves `endpoint`, or builds `https://{service}.{region}.myhuaweicloud.com`.
 * Plain `http://` is refused off loopback unless `allowInsecureHttp`: an AK/SK
 * signature or a token must not cross a network in clear text.
 * @throws {TypeError} on a missing region, a malformed URL, or insecure HTTP.
 */
export function resolveEndpoint(options: {
  endpoint?: string | undefined;
  region?: string | undefined;
  service: Service;
  allowInsecureHttp: boolean;
}): Endpoint {
  const { endpoint, region, service } = options;
  if (endpoint === undefined) {
    if (region === undefined || !REGION.test(region)) {
      throw new TypeError(
        `Expected \`region\` (or HUAWEICLOUD_SDK_REGION) like "cn-north-4" when no \`endpoint\` is given, got ${region === undefined ? 'none' : JSON.stringify(region)}`,
      );
    }
    return { origin: `https://${service}.${region}.myhuaweicloud.com`, host: `${service}.${region}.myhuaweicloud.com`, basePath: '' };
  }
  const url = parseUrl(endpoint);
  if (url.protocol === 'http:' && !options.allowInsecureHttp && !isLoopback(url.hostname)) {
    throw new TypeError(
      `Refusing plain http:// to ${url.hostname}: credentials would travel in clear text. Use https://, or set \`allowInsecureHttp: true\``,
    );
  }
  return { origin: url.origin, host: url.host, basePath: url.pathname.replace(/\/+$/, '') };
}

function parseUrl(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`Expected \`endpoint\` to be an absolute http(s) URL, got ${JSON.stringify(redactEndpoint(endpoint))}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`Expected \`endpoint\` to use https:// or http://, got ${url.protocol}`);
  }
  if (url.username || url.password) throw new TypeError('Expected `endpoint` without user:password@: pass `credentials` instead');
  if (url.search || url.hash) throw new TypeError('Expected `endpoint` without a query or fragment');
  return url;
}

/**
 * An endpoint as an error may quote it: a `user:password@` in it becomes `***@`.
 * A URL that did not parse used to be quoted whole, so a password (or an AK/SK,
 * or a token) someone put in it ended up in the error message and the CLI's output.
 */
export function redactEndpoint(endpoint: string): string {
  return endpoint.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i, (_match, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** Whether `hostname` (as `URL` gives it) is a loopback address. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
