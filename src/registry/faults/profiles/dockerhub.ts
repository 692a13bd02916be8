import { ApiError } from '../../api-error.js';
import type { ProfileRequest, RegistryProfile } from './behaviour.js';

/** Docker Hub's anonymous pull limit, per six hours (21600 s). */
export const DOCKER_HUB_PULL_LIMIT = 100;
const WINDOW_SECONDS = 21600;
export const DOCKER_HUB_SERVICE = 'registry.docker.io';

/**
 * Docker Hub:
 * - `ratelimit-limit: 100;w=21600` and `ratelimit-remaining` on every response; a manifest GET counts as a
 *   pull (a HEAD does not), and once the limit is spent a GET gets 429 `TOOMANYREQUESTS`;
 * - a repository that does not exist (or is private) answers a read with 401 `UNAUTHORIZED` and a Bearer
 *   challenge, even to a caller holding a valid token for it: indistinguishable from "not authorized" (a caller
 *   who may push there, the namespace's owner, gets the spec's 404s and can create it by pushing).
 */
export const dockerHubProfile: RegistryProfile = {
  name: 'dockerhub',
  describe: 'Docker Hub: pull-limit headers and 429 on manifest GETs (HEAD is free), 401 for unknown or private repositories',
  sources: [
    'https://docs.docker.com/docker-hub/usage/pulls/',
    'https://docs.docker.com/docker-hub/usage/',
    'https://github.com/moby/moby/issues/30498',
    'https://github.com/dependabot/cli/issues/380',
  ],
  authSchemes: ['token'],
  create(settings) {
    const limit = settings.pullLimit ?? DOCKER_HUB_PULL_LIMIT;
    let pulls = 0;
    return {
      headers: () => ({
        'ratelimit-limit': `${limit};w=${WINDOW_SECONDS}`,
        'ratelimit-remaining': `${Math.max(0, limit - pulls)};w=${WINDOW_SECONDS}`,
        'docker-ratelimit-source': '127.0.0.1',
      }),
      refuse(request) {
        const { route, method } = request;
        const reads = method === 'GET' || method === 'HEAD';
        if (reads && 'name' in route && !request.mayPush && !request.state.get(route.name)) {
          return notFoundOrUnauthorized(request, route.name);
        }
        if (route.kind === 'manifest' && method === 'GET') {
          if (pulls >= limit) {
            return ApiError.of(
              429,
              'TOOMANYREQUESTS',
              "You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit",
            );
          }
          pulls += 1;
        }
        return undefined;
      },
    };
  },
};

function notFoundOrUnauthorized(request: ProfileRequest, name: string): ApiError {
  const scope = `repository:${name}:pull`;
  return ApiError.of(
    401,
    'UNAUTHORIZED',
    'authentication required',
    [{ Type: 'repository', Class: '', Name: name, Action: 'pull' }],
    { 'WWW-Authenticate': `Bearer realm="${request.origin}/token",service="${DOCKER_HUB_SERVICE}",scope="${scope}",error="insufficient_scope"` },
  );
}
