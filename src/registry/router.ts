import { OAUTH2_EXCHANGE_PATH, OAUTH2_TOKEN_PATH } from '../oci/oauth2-exchange.js';

/** The endpoint a request path names. Repository names may contain `/`, so they are found by the endpoint suffix. */
export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'token' }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'upload-start'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'tags'; name: string }
  | { kind: 'referrers'; name: string; digest: string }
  | { kind: 'unknown' };

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => Route]> = [
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'upload-start', name: m[1] ?? '' })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1] ?? '', id: m[2] ?? '' })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1] ?? '', digest: m[2] ?? '' })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1] ?? '', reference: m[2] ?? '' })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1] ?? '' })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1] ?? '', digest: m[2] ?? '' })],
];

/** Maps a raw request path to its endpoint. */
export function matchRoute(path: string): Route {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  if (path === '/token' || path === OAUTH2_TOKEN_PATH || path === OAUTH2_EXCHANGE_PATH) return { kind: 'token' };
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) return build(match);
  }
  return { kind: 'unknown' };
}

/** Methods each endpoint answers. */
export const ALLOWED_METHODS: Record<Route['kind'], readonly string[]> = {
  base: ['GET', 'HEAD'],
  catalog: ['GET'],
  token: ['GET', 'POST'],
  blob: ['GET', 'HEAD', 'DELETE'],
  'upload-start': ['POST'],
  upload: ['GET', 'PATCH', 'PUT', 'DELETE'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  tags: ['GET'],
  referrers: ['GET'],
  unknown: [],
};

/** The key under which `stats.byRoute` counts a request, e.g. `PUT manifest` or `PATCH upload`. */
export function routeLabel(method: string, route: Route): string {
  const names: Record<Route['kind'], string> = {
    base: 'base',
    catalog: 'catalog',
    token: 'token',
    blob: 'blob',
    'upload-start': 'upload',
    upload: 'upload',
    manifest: 'manifest',
    tags: 'tags',
    referrers: 'referrers',
    unknown: 'unknown',
  };
  return `${method} ${names[route.kind]}`;
}
