/**
 * A copy writes an index only after the manifests it lists, also among referrers: the embedded
 * registry refuses an index whose children it lacks (MANIFEST_BLOB_UNKNOWN), and a delayed child PUT
 * at the target would let a concurrent index PUT overtake it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { MediaType } from '../../src/oci/media-types.js';
import { digestOf } from '../../src/oci/digest.js';
import { startRegistry } from '../../src/registry/index.js';
import { levelsChildrenFirst } from '../../src/copy/order.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { buildImage, buildIndex } from '../helpers/images.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('manifest order of a copy', async () => {
  const source = await startRegistry();
  const target = await startRegistry();
  const client = new RegistryClient({ dockerConfig: false, env: {} });
  afterAll(async () => {
    await client.close();
    await Promise.all([source.close(), target.close()]);
  });

  it('writes a referrer that is an index after its own children, even when a child PUT is slow', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'subject of an attestation index\n' });
    for (const blob of [image.config, ...image.layers]) await client.pushBlob(`${source.host}/app`, blob.bytes);
    await client.putManifest(`${source.host}/app:v1`, image.manifest.bytes);

    const empty = Buffer.from('{}');
    const statement = Buffer.from('{"predicateType":"https://slsa.dev/provenance/v1"}');
    const attestation = json({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: 'application/vnd.in-toto+json',
      config: { mediaType: MediaType.OciEmpty, digest: digestOf(empty), size: empty.length },
      layers: [{ mediaType: 'application/vnd.in-toto+json', digest: digestOf(statement), size: statement.length }],
    });
    const referrerIndex = json({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      artifactType: 'application/vnd.example.attestations',
      manifests: [{ mediaType: MediaType.OciManifest, digest: digestOf(attestation), size: attestation.length }],
      subject: { mediaType: MediaType.OciManifest, digest: image.manifest.digest, size: image.manifest.size },
    });
    await client.pushBlob(`${source.host}/app`, empty);
    await client.pushBlob(`${source.host}/app`, statement);
    await client.putManifest(`${source.host}/app@${digestOf(attestation)}`, attestation);
    await client.putManifest(`${source.host}/app@${digestOf(referrerIndex)}`, referrerIndex);

    // The index's child is slow to be stored: an index PUT sent beside it would arrive first and be refused.
    target.faults.add({ method: 'PUT', path: `/v2/app/manifests/${digestOf(attestation)}`, delayMs: 400 });
    const result = await client.copy(`${source.host}/app:v1`, `${target.host}/app:v1`, { referrers: true });

    expect(result.referrers.sort()).toEqual([digestOf(attestation), digestOf(referrerIndex)].sort());
    expect((await client.listReferrers(`${target.host}/app@${image.manifest.digest}`)).map((d) => d.digest)).toEqual([digestOf(referrerIndex)]);
    expect(await client.manifestExists(`${target.host}/app@${digestOf(attestation)}`)).toBe(true);
  });

  it('puts an index of indexes in three levels, children first', () => {
    const a = buildImage({ os: 'linux', architecture: 'amd64', content: 'a\n' });
    const b = buildImage({ os: 'linux', architecture: 'arm64', content: 'b\n' });
    const inner = buildIndex([a, b]);
    const outer = json({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciIndex, digest: inner.digest, size: inner.size }] });
    const item = (bytes: Buffer, mediaType: string) => ({ descriptor: { digest: digestOf(bytes) }, manifest: parseManifest(bytes, mediaType, 'test') });
    const items = [item(outer, MediaType.OciIndex), item(inner.bytes, MediaType.OciIndex), item(a.manifest.bytes, MediaType.OciManifest), item(b.manifest.bytes, MediaType.OciManifest)];

    const levels = levelsChildrenFirst(items).map((level) => level.map((i) => i.descriptor.digest));
    expect(levels).toEqual([[a.manifest.digest, b.manifest.digest], [inner.digest], [digestOf(outer)]]);
  });
});
