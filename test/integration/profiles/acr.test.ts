/**
 * The `acr` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#azure-container-registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaType } from '../../../src/oci/media-types.js';
import { startRegistry, type RunningRegistry } from '../../../src/registry/index.js';
import { raw } from '../../helpers/registry-helpers.js';
import { profileClient, pushTestImage, unique } from './profile-helpers.js';

const TAGS = 1005;
let registry: RunningRegistry;
let repo: string;
let name: string;
beforeAll(async () => {
  registry = await startRegistry({ profile: 'acr' });
  name = unique('team/many');
  repo = `${registry.host}/${name}`;
  const client = profileClient();
  const image = await pushTestImage(client, `${repo}:seed`, 'amd64');
  for (let start = 0; start < TAGS; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, TAGS - start) }, (_, i) =>
        raw(registry, `/v2/${name}/manifests/t${String(start + i).padStart(4, '0')}`, {
          method: 'PUT',
          headers: { 'Content-Type': MediaType.OciManifest },
          body: image.manifest.bytes,
        }),
      ),
    );
  }
});
afterAll(async () => {
  await registry?.close();
});

describe('acr profile', () => {
  it('ignores n and answers 1000 tags per page with a Link; the client follows it to every tag', async () => {
    const first = await raw(registry, `/v2/${name}/tags/list?n=10`);
    expect(first.status).toBe(200);
    expect(first.json().tags).toHaveLength(1000);
    expect(first.headers.link).toMatch(/^<\/v2\/.+\/tags\/list\?last=t0998&n=1000&orderby=>; rel="next"$/);

    const tags = await profileClient().listTags(repo, { pageSize: 10 });
    expect(tags).toHaveLength(TAGS + 1);
    expect(new Set(tags).size).toBe(TAGS + 1);
  });
});
