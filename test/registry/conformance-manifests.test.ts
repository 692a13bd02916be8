// What the OCI conformance suite (distribution-spec v1.1.1) checks of manifest reads by a reference that
// names no manifest: its pull and push workflows GET and HEAD `.INVALID_MANIFEST_NAME` (not a valid tag)
// and expect 404. The spec agrees: end-3 lists only 404 as the failure of GET/HEAD on a manifest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { codes, pushBlob, pushImage, raw } from '../helpers/registry-helpers.js';

const SUITE_REFERENCE = '.INVALID_MANIFEST_NAME';

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry();
  await pushImage(registry, 'conformance/pull', 'tagtest0');
  // The push workflow asks before any manifest exists: the repository holds only blobs.
  await pushBlob(registry, 'conformance/push', 'blob a');
});
afterAll(async () => {
  await registry.close();
});

describe('GET/HEAD of a manifest reference that is neither a tag nor a digest', () => {
  for (const repo of ['conformance/pull', 'conformance/push']) {
    for (const method of ['GET', 'HEAD']) {
      it(`${method} ${repo}/manifests/${SUITE_REFERENCE} is 404`, async () => {
        const res = await raw(registry, `/v2/${repo}/manifests/${SUITE_REFERENCE}`, { method });
        expect(res.status).toBe(404);
        if (method === 'GET') expect(codes(res)).toEqual(['MANIFEST_UNKNOWN']);
      });
    }
  }

  it('a malformed digest, an unsupported algorithm and an over-long tag are not found either', async () => {
    for (const reference of ['sha256:1234', `md5:${'a'.repeat(32)}`, 'a'.repeat(129), 'x'.repeat(5000)]) {
      const res = await raw(registry, `/v2/conformance/pull/manifests/${reference}`);
      expect(res.status).toBe(404);
      expect(codes(res)).toEqual(['MANIFEST_UNKNOWN']);
    }
  });

  it('an unknown repository stays NAME_UNKNOWN', async () => {
    const res = await raw(registry, `/v2/conformance/none/manifests/${SUITE_REFERENCE}`);
    expect(res.status).toBe(404);
    expect(codes(res)).toEqual(['NAME_UNKNOWN']);
  });

  it('writes still refuse the malformed reference with 400 (PUT TAG_INVALID, DELETE as the spec allows)', async () => {
    const put = await raw(registry, `/v2/conformance/pull/manifests/${SUITE_REFERENCE}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      body: '{}',
    });
    expect(put.status).toBe(400);
    expect(codes(put)).toEqual(['TAG_INVALID']);
    const del = await raw(registry, `/v2/conformance/pull/manifests/${SUITE_REFERENCE}`, { method: 'DELETE' });
    expect(del.status).toBe(400);
    expect(codes(del)).toEqual(['TAG_INVALID']);
  });
});
