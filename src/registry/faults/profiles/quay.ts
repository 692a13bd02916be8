import type { RegistryProfile } from './behaviour.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 100;

/**
 * Quay: the tag list pages with an opaque `next_page=` token in a relative `Link`, and ignores `last`; a client
 * must follow the link as given. Pages hold 50 tags unless `n` asks for fewer (at most 100).
 */
export const quayProfile: RegistryProfile = {
  name: 'quay',
  describe: 'Quay: tag pages linked by an opaque next_page token in a relative Link; last is ignored',
  sources: [
    'https://github.com/deitch/docker_registry2/issues/56',
    'https://github.com/regclient/regclient/issues/272',
    'https://github.com/ivanilves/lstags/issues/185',
  ],
  create() {
    return {
      tagPaging: {
        page(query) {
          const asked = Number(query.get('n') ?? DEFAULT_PAGE);
          const n = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_PAGE) : DEFAULT_PAGE;
          const token = query.get('next_page');
          return { n, last: token ? Buffer.from(token, 'base64url').toString('utf8').replace(/^quay:/, '') : undefined };
        },
        link: (path, n, last) => `<${path}?next_page=${Buffer.from(`quay:${last}`).toString('base64url')}&n=${n}>; rel="next"`,
      },
    };
  },
};
