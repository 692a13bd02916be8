/**
 * The `artifactory` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#jfrog-artifactory.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { codes, raw, sha256 } from '../../helpers/registry-helpers.js';
import { skopeoInspectRaw } from '../../helpers/skopeo.js';
import { profileClient, pushTestImage, unique, useRegistry } from './profile-helpers.js';

const registry = useRegistry({ profile: 'artifactory' });

describe('artifactory profile', () => {
  it('refuses a monolithic POST+PUT upload with 404 BLOB_UNKNOWN; a PATCH then an empty PUT works', async () => {
    const name = unique('docker-local/app');
    const blob = Buffer.from(unique('monolithic'));
    const start = await raw(registry, `/v2/${name}/blobs/uploads/`, { method: 'POST' });
    const put = await raw(registry, `${start.headers.location as string}?digest=${sha256(blob)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: blob,
    });
    expect(put.status).toBe(404);
    expect(codes(put)).toEqual(['BLOB_UNKNOWN']);

    const client = profileClient();
    const streamed = await client.pushBlob(`${registry.host}/${name}`, Readable.from([blob]), { digest: sha256(blob), size: blob.length });
    expect(streamed.outcome).toBe('uploaded');
  });

  it('the client falls back to a chunked upload for bytes, and a list push succeeds', async () => {
    const client = profileClient();
    const repo = `${registry.host}/${unique('docker-local/list')}`;
    const blob = Buffer.from(unique('bytes'));
    const patches = registry.stats.byRoute['PATCH upload'] ?? 0;
    const pushed = await client.pushBlob(repo, blob);
    expect(pushed.outcome).toBe('uploaded');
    expect((await client.getBlobBytes(repo, pushed.digest)).equals(blob)).toBe(true);
    expect((registry.stats.byRoute['PATCH upload'] ?? 0) - patches).toBe(1);

    const amd = await pushTestImage(client, `${repo}:amd64`, 'amd64');
    const arm = await pushTestImage(client, `${repo}:arm64`, 'arm64');
    const list = await client.pushManifestList({ image: `${repo}:multi`, manifests: [{ image: `${repo}:amd64` }, { image: `${repo}:arm64` }] });
    const inspected = await client.inspect(`${repo}:multi`);
    expect(inspected.entries.map((e) => e.digest)).toEqual([amd.manifest.digest, arm.manifest.digest]);
    expect(list.plan.map((c) => c.action)).toEqual(['present', 'present']);
    expect(sha256(await skopeoInspectRaw(`docker://${repo}:multi`))).toBe(list.digest);
  });
});
