/**
 * The `artifactory` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#jfrog-artifactory.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../../src/registry/index.js';
import { codes, raw, sha256 } from '../../helpers/registry-helpers.js';
import { profileClient, unique } from './profile-helpers.js';

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry({ profile: 'artifactory' });
});
afterAll(async () => {
  await registry?.close();
});

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

  it.todo('pushBlob of bytes falls back to a chunked upload after the 404 (blob-push.ts, shared with the single-PUT work)');
});
