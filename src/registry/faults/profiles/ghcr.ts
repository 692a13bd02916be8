import { ApiError } from '../../api-error.js';
import type { RegistryProfile } from './behaviour.js';
import { goDuration, RateWindow } from './rate-window.js';

const FOUR_MIB = 4 * 1024 * 1024;
/** Tag-list requests per second before a burst gets 429 (GHCR's real figure is per minute and much larger). */
const TAG_LISTS_PER_SECOND = 4;
/** Upload starts per second before GHCR's secondary rate limit answers 403. */
const UPLOAD_STARTS_PER_SECOND = 30;

/**
 * GitHub Container Registry:
 * - an upload request body over 4 MiB gets 416 "exceeds the maximum permissible limit of 4.00MiB";
 * - no referrers API (404), so referrers go to the fallback tag;
 * - a burst of tag-list requests gets 429 `TOOMANYREQUESTS` whose wait is only in the message
 *   (`retry-after: 880.092µs, allowed: 44000/minute`), with no `Retry-After` header;
 * - too many upload starts get 403 `DENIED` "You have exceeded a secondary rate limit".
 */
export const ghcrProfile: RegistryProfile = {
  name: 'ghcr',
  describe: 'GitHub Container Registry: 4 MiB upload requests, no referrers API, 429 with the wait in the body, 403 secondary rate limit',
  sources: [
    'https://github.com/wasmCloud/wash-archive/issues/268',
    'https://github.com/ocx-sh/ocx/pull/237',
    'https://github.com/dependabot/cli/issues/380',
    'https://github.com/chainguard-images/images/issues/173',
    'https://github.com/markrussinovich/refchecker/pull/67',
    'https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
  ],
  maxUploadRequestBytes: FOUR_MIB,
  create() {
    const tagLists = new RateWindow(TAG_LISTS_PER_SECOND, 1000);
    const uploadStarts = new RateWindow(UPLOAD_STARTS_PER_SECOND, 1000);
    return {
      acknowledgesSubject: false,
      refuse({ route }) {
        if (route.kind === 'referrers') return ApiError.of(404, 'NAME_UNKNOWN', 'repository name not known to registry');
        if (route.kind === 'tags' && !tagLists.tryTake()) {
          const wait = goDuration(Math.max(0.001, tagLists.msUntilFree()));
          return ApiError.of(429, 'TOOMANYREQUESTS', `retry-after: ${wait}, allowed: 44000/minute`);
        }
        if (route.kind === 'upload-start' && !uploadStarts.tryTake()) {
          return ApiError.of(
            403,
            'DENIED',
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          );
        }
        return undefined;
      },
    };
  },
};
