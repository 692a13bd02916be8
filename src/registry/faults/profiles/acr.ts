import type { RegistryProfile } from './behaviour.js';

/** Tags per page of ACR's tag list, whatever `n` asks for. */
export const ACR_TAG_PAGE_SIZE = 1000;

/**
 * Azure Container Registry: the tag list ignores `n` and answers pages of 1000 tags, with a `Link` to the next
 * page carrying ACR's own parameters (`orderby=`). A client must follow the `Link`, not count on `n`.
 */
export const acrProfile: RegistryProfile = {
  name: 'acr',
  describe: 'Azure Container Registry: tag pages of 1000 whatever n says, Link with its own parameters',
  sources: [
    'https://learn.microsoft.com/en-us/azure/container-registry/container-registry-concepts',
    'https://github.com/Azure/acr/issues/749',
  ],
  create() {
    return {
      tagPaging: {
        page: (query) => ({ n: ACR_TAG_PAGE_SIZE, last: query.get('last') ?? undefined }),
        link: (path, n, last) => `<${path}?last=${encodeURIComponent(last)}&n=${n}&orderby=>; rel="next"`,
      },
    };
  },
};
