import { ApiError } from '../../api-error.js';
import type { RegistryProfile } from './behaviour.js';

/** Harbor's token service name. */
const SERVICE = 'harbor-registry';

const project = (name: string): string => name.split('/')[0] ?? name;

/**
 * Harbor: a cross-repository mount from a project the caller cannot see (or that does not exist) answers
 * 401 `UNAUTHORIZED` "project … not found" with a challenge, where the spec asks for a 202 upload session.
 * A client must fall back to uploading the blob, without answering the challenge again and again.
 */
export const harborProfile: RegistryProfile = {
  name: 'harbor',
  describe: 'Harbor: a mount from a project the caller cannot see answers 401 instead of 202',
  sources: [
    'https://github.com/goharbor/harbor/issues/17097',
    'https://github.com/google/go-containerregistry/issues/1393',
  ],
  create() {
    return {
      refuse({ route, query, origin }) {
        if (route.kind !== 'upload-start' || !query.has('mount')) return undefined;
        const from = query.get('from');
        if (!from || project(from) === project(route.name)) return undefined;
        const message = `project ${project(from)} not found: project ${project(from)} not found`;
        return ApiError.of(401, 'UNAUTHORIZED', message, undefined, {
          'WWW-Authenticate': `Bearer realm="${origin}/token",service="${SERVICE}",scope="repository:${from}:pull"`,
        });
      },
    };
  },
};
