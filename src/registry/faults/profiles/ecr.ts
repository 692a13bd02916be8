import { ApiError } from '../../api-error.js';
import type { RegistryState } from '../../storage/state.js';
import type { ProfileRequest, RegistryProfile } from './behaviour.js';
import { RateWindow } from './rate-window.js';

/** ECR's documented default for PutImage: 10 requests per second per repository, bursts included. */
const MANIFEST_PUTS_PER_SECOND = 10;
const ACCOUNT_ID = '000000000000';

/**
 * Amazon ECR (private registries):
 * - a Basic challenge naming the registry URL as realm and `service="ecr.amazonaws.com"`, never a token server;
 * - a push to a repository that was not created first fails 404 `NAME_UNKNOWN` ("create the repository first");
 * - a cross-repository mount succeeds only for a blob some manifest of the source repository references,
 *   otherwise it answers 202 with an upload session;
 * - no referrers API (404), while a manifest with `subject` is still answered with `OCI-Subject`;
 * - manifest PUTs past 10 per second in one repository get 429 `TOOMANYREQUESTS`.
 */
export const ecrProfile: RegistryProfile = {
  name: 'ecr',
  describe: 'Amazon ECR: Basic challenge, repositories created beforehand, mounts of referenced blobs only, no referrers API, 10 manifest PUTs/s',
  sources: [
    'https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html',
    'https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html',
    'https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-create.html',
    'https://github.com/aws/containers-roadmap/issues/2860',
    'https://github.com/aws/containers-roadmap/issues/1459',
  ],
  authSchemes: ['basic'],
  create(settings) {
    const created = new Set(settings.repositories ?? []);
    /** One window per repository, as ECR counts PutImage calls. */
    const manifestPuts = new Map<string, RateWindow>();
    const putWindow = (name: string): RateWindow => {
      let window = manifestPuts.get(name);
      if (!window) manifestPuts.set(name, (window = new RateWindow(MANIFEST_PUTS_PER_SECOND, 1000)));
      return window;
    };
    const exists = (state: RegistryState, name: string): boolean => created.has(name) || state.get(name) !== undefined;
    /** `repository digest` of every blob an accepted manifest names: the only blobs ECR mounts. */
    const referenced = new Set<string>();
    return {
      challenge: (origin) => `Basic realm="${origin}/",service="ecr.amazonaws.com"`,
      refuse(request: ProfileRequest) {
        const { route, method } = request;
        if (route.kind === 'referrers') {
          return ApiError.of(404, 'UNSUPPORTED', 'Not Found');
        }
        const pushes = route.kind === 'upload-start' || (route.kind === 'manifest' && method === 'PUT');
        if (pushes && !exists(request.state, route.name)) {
          return ApiError.of(
            404,
            'NAME_UNKNOWN',
            `The repository with name '${route.name}' does not exist in the registry with id '${ACCOUNT_ID}'`,
          );
        }
        if (route.kind === 'manifest' && method === 'PUT' && !putWindow(route.name).tryTake()) {
          return ApiError.of(429, 'TOOMANYREQUESTS', 'Rate exceeded');
        }
        return undefined;
      },
      refuseManifest(manifest, _bytes, name) {
        for (const { digest, kind } of manifest.references) if (kind === 'blob') referenced.add(`${name} ${digest}`);
        return undefined;
      },
      mountable: (state, from, digest) => referenced.has(`${from} ${digest}`) && state.get(from) !== undefined,
    };
  },
};
