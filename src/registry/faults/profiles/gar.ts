import { MediaType } from '../../../oci/media-types.js';
import { ApiError } from '../../api-error.js';
import type { RegistryProfile } from './behaviour.js';

/**
 * Google Artifact Registry (and Container Registry before it):
 * - a Docker manifest list carrying `annotations` (on the list or on an entry) is refused with 400
 *   `MANIFEST_INVALID` "Failed to deserialize": the Docker schema has no such field; OCI indexes may have them;
 * - image names are `PROJECT/REPOSITORY/IMAGE`: a name with fewer path components is refused.
 */
export const garProfile: RegistryProfile = {
  name: 'gar',
  describe: 'Google Artifact Registry: no annotations in Docker manifest lists, names PROJECT/REPOSITORY/IMAGE',
  sources: [
    'https://cloud.google.com/artifact-registry/docs/docker/names',
    'https://github.com/ko-build/ko/pull/385',
    'https://github.com/distribution/distribution/pull/2828',
  ],
  create() {
    return {
      refuse({ route }) {
        if (!('name' in route) || route.name.split('/').length >= 3) return undefined;
        return ApiError.of(
          400,
          'NAME_INVALID',
          `Invalid repository name "${route.name}": Artifact Registry image names have the form PROJECT/REPOSITORY/IMAGE`,
        );
      },
      refuseManifest(manifest, bytes, name) {
        if (manifest.mediaType !== MediaType.DockerManifestList || !hasAnnotations(bytes)) return undefined;
        return ApiError.of(
          400,
          'MANIFEST_INVALID',
          `Failed to parse manifest for request "/v2/${name}/manifests": Failed to deserialize ${MediaType.DockerManifestList}.`,
        );
      },
    };
  },
};

function hasAnnotations(bytes: Buffer): boolean {
  const document = JSON.parse(bytes.toString('utf8')) as { annotations?: unknown; manifests?: Array<{ annotations?: unknown }> };
  return document.annotations !== undefined || (document.manifests ?? []).some((m) => m.annotations !== undefined);
}
