/**
 * A referrers answer split into pages (`Link: <…>; rel="next"`, which the distribution spec allows):
 * the embedded registry pages it with `referrersPageSize`, and the client follows every page, the
 * `artifactType` filter included, merging the manifests in order.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { MediaType } from '../../src/oci/media-types.js';
import { digestOf } from '../../src/oci/digest.js';
import { startRegistry } from '../../src/registry/index.js';
import { buildImage } from '../helpers/images.js';

const EMPTY = Buffer.from('{}');

function artifact(subject: { digest: string; size: number }, artifactType: string, note: string): Buffer {
  const empty = { mediaType: MediaType.OciEmpty, digest: digestOf(EMPTY), size: EMPTY.length };
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType,
      config: empty,
      layers: [empty],
      subject: { mediaType: MediaType.OciManifest, ...subject },
      annotations: { note },
    }),
  );
}

describe('referrers answered in pages', async () => {
  const registry = await startRegistry({ referrersPageSize: 2 });
  const client = new RegistryClient({ dockerConfig: false, env: {} });
  afterAll(async () => {
    await client.close();
    await registry.close();
  });

  it('follows every page of the referrers API and keeps the filter on each', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'paged referrers\n' });
    for (const blob of [image.config, ...image.layers, { bytes: EMPTY }]) await client.pushBlob(`${registry.host}/app`, blob.bytes);
    await client.putManifest(`${registry.host}/app:v1`, image.manifest.bytes);
    const types = ['application/vnd.example.sbom', 'application/vnd.example.signature'];
    const pushed: Array<{ digest: string; type: string }> = [];
    for (let i = 0; i < 5; i++) {
      const type = types[i % 2]!;
      const bytes = artifact(image.manifest, type, `referrer ${i}`);
      await client.putManifest(`${registry.host}/app@${digestOf(bytes)}`, bytes);
      pushed.push({ digest: digestOf(bytes), type });
    }
    const before = registry.stats.byRoute['GET referrers'] ?? 0;

    const all = await client.listReferrers(`${registry.host}/app@${image.manifest.digest}`);
    expect(all.map((d) => d.digest)).toEqual(pushed.map((p) => p.digest));
    expect((registry.stats.byRoute['GET referrers'] ?? 0) - before).toBe(3);

    const sboms = await client.listReferrers(`${registry.host}/app@${image.manifest.digest}`, { artifactType: types[0] });
    expect(sboms.map((d) => d.digest)).toEqual(pushed.filter((p) => p.type === types[0]).map((p) => p.digest));

    const copied = await client.copy(`${registry.host}/app:v1`, `${registry.host}/copy:v1`, { referrers: true });
    expect(copied.referrers.sort()).toEqual(pushed.map((p) => p.digest).sort());
  });

  it('refuses a page size that is not a positive integer', async () => {
    await expect(startRegistry({ referrersPageSize: 0 })).rejects.toThrow(/referrersPageSize must be a positive integer, got 0/);
  });
});
