import { decodePath } from '../client/auth/signer.js';

/** A request target (`req.url`) split and percent-decoded, as routing and signature checks need it. */
export interface RequestTarget {
  /** The path exactly as received, without the query. */
  readonly rawPath: string;
  /** The decoded path; `undefined` when a segment is not valid percent-encoding. */
  readonly path: string | undefined;
  /** Decoded query parameters; repeated keys collect into arrays. */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
}

/** Splits `url` into its decoded parts; never throws. */
export function parseTarget(url: string): RequestTarget {
  const mark = url.indexOf('?');
  const rawPath = mark === -1 ? url : url.slice(0, mark);
  return {
    rawPath,
    // Each segment on its own, as the signer re-encodes each one.
    path: decodePath(rawPath),
    query: mark === -1 ? {} : parseQuery(url.slice(mark + 1)),
  };
}

/** The rest of a decoded `path` under `basePath` (decoded); `undefined` when it is not under it. */
export function underBasePath(path: string | undefined, basePath: string): string | undefined {
  if (basePath === '' || path === undefined) return path;
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
}

/** `+` stays a plus: Huawei's signers encode spaces as `%20`. Undecodable pairs are kept raw. */
function parseQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of search.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = safeDecode(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : safeDecode(pair.slice(equals + 1));
    const previous = query[key];
    query[key] = previous === undefined ? value : [...(typeof previous === 'string' ? [previous] : previous), value];
  }
  return query;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
