/**
 * The `gar` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#google-artifact-registry.
 */
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../../src/errors.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { buildIndex } from '../../helpers/images.js';
import { codes, raw } from '../../helpers/registry-helpers.js';
import { profileClient, pushTestImage, unique, useRegistry } from './profile-helpers.js';

const registry = useRegistry({ profile: 'gar' });

describe('gar profile', () => {
  it('refuses a Docker manifest list with annotations; the client suggests an OCI index, which is accepted', async () => {
    const client = profileClient();
    const repo = `${registry.host}/${unique('project/repo/app')}`;
    const amd = await pushTestImage(client, `${repo}:amd64`, 'amd64');
    const docker = buildIndex([amd], 'docker');
    const annotatedList = JSON.parse(docker.bytes.toString('utf8'));
    annotatedList.annotations = { 'org.opencontainers.image.source': 'https://example.com/app' };
    const bytes = Buffer.from(JSON.stringify(annotatedList));
    const res = await raw(registry, `/v2/${repo.slice(registry.host.length + 1)}/manifests/list`, {
      method: 'PUT',
      headers: { 'Content-Type': MediaType.DockerManifestList },
      body: bytes,
    });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['MANIFEST_INVALID']);
    expect(res.json().errors[0].message).toMatch(/Failed to deserialize/);

    const error = await client.putManifest(`${repo}:list`, bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(/push an OCI index instead \(mediaType 'oci', CLI --type oci\)/);

    const pushed = await client.pushManifestList({
      image: `${repo}:list`,
      manifests: [{ image: `${repo}:amd64` }],
      annotations: { 'org.opencontainers.image.source': 'https://example.com/app' },
    });
    expect(pushed.mediaType).toBe(MediaType.OciIndex);
    const plain = await client.pushManifestList({ image: `${repo}:plain`, mediaType: 'docker', manifests: [{ image: `${repo}:amd64` }] });
    expect(plain.mediaType).toBe(MediaType.DockerManifestList);
  });

  it('needs PROJECT/REPOSITORY/IMAGE names: the client surfaces the registry message', async () => {
    const res = await raw(registry, '/v2/project/app/tags/list');
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['NAME_INVALID']);

    const error = await profileClient()
      .inspect(`${registry.host}/project/app:1`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(/NAME_INVALID: .*Artifact Registry image names have the form PROJECT\/REPOSITORY\/IMAGE/);
  });
});
