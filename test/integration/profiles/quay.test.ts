/**
 * The `quay` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#quay.
 */
import { describe, expect, it } from 'vitest';
import { raw } from '../../helpers/registry-helpers.js';
import { profileClient, pushTestImage, unique, useRegistry } from './profile-helpers.js';

const registry = useRegistry({ profile: 'quay' });

describe('quay profile', () => {
  it('pages tags with an opaque next_page token in a relative Link and ignores last; the client follows the link as given', async () => {
    const client = profileClient();
    const name = unique('org/app');
    const repo = `${registry.host}/${name}`;
    const image = await pushTestImage(client, `${repo}:seed`, 'amd64');
    const tags = Array.from({ length: 120 }, (_, i) => `v${String(i).padStart(3, '0')}`);
    await Promise.all(tags.map((tag) => client.putManifest(`${repo}:${tag}`, image.manifest.bytes)));

    const first = await raw(registry, `/v2/${name}/tags/list`);
    expect(first.json().tags).toHaveLength(50);
    const link = first.headers.link as string;
    expect(link).toMatch(/^<\/v2\/.+\/tags\/list\?next_page=[A-Za-z0-9_-]+&n=50>; rel="next"$/);
    const byLast = await raw(registry, `/v2/${name}/tags/list?last=${first.json().tags[49]}`);
    expect(byLast.json().tags).toEqual(first.json().tags);
    const second = await raw(registry, /<([^>]+)>/.exec(link)![1]!);
    expect(second.json().tags[0] > first.json().tags[49]).toBe(true);

    const listed = await client.listTags(repo);
    expect(listed.sort()).toEqual([...tags, 'seed'].sort());
  });
});
