/** A route the simulator serves. */
export type KnownRoute = 'showJob' | 'createVolume' | 'volumeAction' | 'deleteVolume';

/** Name of a route; `unknown` for everything else (answered 404 `APIGW.0101`). */
export type RouteName = KnownRoute | 'unknown';

/** Every route name, for zero-filled counters. */
export const ROUTE_NAMES: readonly RouteName[] = ['showJob', 'createVolume', 'volumeAction', 'deleteVolume', 'unknown'];

/** A matched request with its decoded path parameters. */
export type Route =
  | { readonly name: 'unknown' }
  | {
      readonly name: KnownRoute;
      readonly projectId: string;
      /** The job id (`showJob`), the volume id (`volumeAction`, `deleteVolume`), or `''` (`createVolume`). */
      readonly resourceId: string;
    };

interface Pattern {
  readonly name: KnownRoute;
  readonly method: string;
  /** Literal segments, and `{…}` placeholders: the project id, then at most one resource id. */
  readonly segments: readonly string[];
}

const PATTERNS: readonly Pattern[] = [
  // The same path serves ECS jobs: the official ECS SDK's `showJob` uses it.
  { name: 'showJob', method: 'GET', segments: ['v1', '{project_id}', 'jobs', '{job_id}'] },
  { name: 'createVolume', method: 'POST', segments: ['v2', '{project_id}', 'cloudvolumes'] },
  { name: 'volumeAction', method: 'POST', segments: ['v2.1', '{project_id}', 'cloudvolumes', '{volume_id}', 'action'] },
  { name: 'deleteVolume', method: 'DELETE', segments: ['v2', '{project_id}', 'cloudvolumes', '{volume_id}'] },
];

const UNKNOWN: Route = { name: 'unknown' };

/** Matches a decoded path (`undefined` when it could not be decoded); one trailing `/` is tolerated. */
export function matchRoute(method: string, path: string | undefined): Route {
  if (path === undefined) return UNKNOWN;
  const parts = path.replace(/(.)\/$/, '$1').split('/').slice(1);
  for (const pattern of PATTERNS) {
    const params = pattern.method === method ? capture(pattern.segments, parts) : undefined;
    if (params) return { name: pattern.name, projectId: params[0] ?? '', resourceId: params[1] ?? '' };
  }
  return UNKNOWN;
}

/** The placeholder values in order, or `undefined` when `parts` does not fit `segments`. */
function capture(segments: readonly string[], parts: readonly string[]): string[] | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const part = parts[index] ?? '';
    if (segment.startsWith('{')) {
      if (part === '') return undefined;
      params.push(part);
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}
