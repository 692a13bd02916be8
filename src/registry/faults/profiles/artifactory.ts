import { ApiError } from '../../api-error.js';
import type { RegistryProfile } from './behaviour.js';

/**
 * JFrog Artifactory: the "POST then PUT" monolithic upload (the whole blob in the closing PUT of a session that
 * got no PATCH) fails with 404 `BLOB_UNKNOWN`; the same bytes sent as a PATCH and an empty closing PUT work.
 */
export const artifactoryProfile: RegistryProfile = {
  name: 'artifactory',
  describe: 'JFrog Artifactory: a monolithic POST+PUT upload fails 404 BLOB_UNKNOWN; chunked uploads work',
  sources: [
    'https://github.com/jfrog/charts/issues/1921',
    'https://github.com/oras-project/rust-oci-client/issues/205',
  ],
  create() {
    /** Upload sessions that received a PATCH. */
    const patched = new Set<string>();
    return {
      refuse({ route, method, headers }) {
        if (route.kind !== 'upload') return undefined;
        if (method === 'PATCH') patched.add(route.id);
        if (method !== 'PUT') return undefined;
        const length = Number(headers['content-length'] ?? 0);
        if (patched.delete(route.id) || !(length > 0)) return undefined;
        return ApiError.of(404, 'BLOB_UNKNOWN', 'blob unknown to registry');
      },
    };
  },
};
