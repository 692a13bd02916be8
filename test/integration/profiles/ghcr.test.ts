/**
 * The `ghcr` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#github-container-registry.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../../src/errors.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { codes, raw, sha256 } from '../../helpers/registry-helpers.js';
import { profileClient, pushTestImage, unique, useRegistry } from './profile-helpers.js';

const registry = useRegistry({ profile: 'ghcr' });

const waitForWindow = () => new Promise((r) => setTimeout(r, 1100));

describe('ghcr profile', () => {
  it('refuses an upload request over 4 MiB with 416; a client sending chunks of 4 MiB or less gets through', async () => {
    const name = unique('owner/big');
    const start = await raw(registry, `/v2/${name}/blobs/uploads/`, { method: 'POST' });
    const big = randomBytes(4 * 1024 * 1024 + 1);
    const patch = await raw(registry, start.headers.location as string, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${big.length - 1}` },
      body: big,
    });
    expect(patch.status).toBe(416);
    expect(patch.text).toMatch(/exceeds the maximum permissible limit of 4\.00MiB/);

    const client = profileClient({ chunkSize: 4 * 1024 * 1024 });
    const pushed = await client.pushBlob(`${registry.host}/${name}`, Readable.from([big]), { digest: sha256(big), size: big.length });
    expect(pushed.outcome).toBe('uploaded');
    expect((await client.headBlob(`${registry.host}/${name}`, pushed.digest)).size).toBe(big.length);
  });

  it.todo('pushBlob of bytes over 4 MiB re-chunks after the 416 (the single-PUT/re-chunking work in blob-push.ts)');

  it('has no referrers API and no OCI-Subject: the client keeps the fallback tag and lists referrers through it', async () => {
    const client = profileClient();
    const ref = `${registry.host}/${unique('owner/app')}`;
    const subject = await pushTestImage(client, `${ref}:1`, 'amd64');
    const api = await raw(registry, `/v2/${ref.slice(registry.host.length + 1)}/referrers/${subject.manifest.digest}`);
    expect(api.status).toBe(404);

    const referrer = {
      ...JSON.parse(subject.manifest.bytes.toString('utf8')),
      artifactType: 'application/vnd.example.sbom',
      subject: { mediaType: subject.manifest.mediaType, digest: subject.manifest.digest, size: subject.manifest.size },
    };
    const bytes = Buffer.from(JSON.stringify(referrer));
    const put = await raw(registry, `/v2/${ref.slice(registry.host.length + 1)}/manifests/${sha256(bytes)}`, {
      method: 'PUT',
      headers: { 'Content-Type': MediaType.OciManifest },
      body: bytes,
    });
    expect(put.status).toBe(201);
    expect(put.headers['oci-subject']).toBeUndefined();

    await client.putManifest(`${ref}@${sha256(bytes)}`, bytes);
    const tags = await client.listTags(ref);
    expect(tags).toContain(subject.manifest.digest.replace(':', '-'));
    const referrers = await client.listReferrers(`${ref}@${subject.manifest.digest}`);
    expect(referrers.map((d) => d.digest)).toEqual([sha256(bytes)]);
  });

  it('answers a tag-list burst with 429 and the wait only in the message; the client reads it and lists every time', async () => {
    const client = profileClient();
    const ref = `${registry.host}/${unique('owner/tags')}`;
    await pushTestImage(client, `${ref}:1`, 'amd64');
    await waitForWindow();
    const path = `/v2/${ref.slice(registry.host.length + 1)}/tags/list`;
    const burst = await Promise.all(Array.from({ length: 8 }, () => raw(registry, path)));
    const limited = burst.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expect(codes(limited!)).toEqual(['TOOMANYREQUESTS']);
    expect(limited!.json().errors[0].message).toMatch(/^retry-after: [\d.]+(µs|ms), allowed: 44000\/minute$/);
    expect(limited!.headers['retry-after']).toBeUndefined();

    const once = profileClient({ retry: false });
    const error = await once.listTags(ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(429);
    expect((error as RegistryError).retryAfterMs).toBeGreaterThan(0);
    expect((error as RegistryError).retryAfterMs).toBeLessThanOrEqual(1000);

    await waitForWindow();
    const patient = profileClient({ maxConcurrentRequests: 2, retry: { minDelayMs: 50, maxDelayMs: 500, retries: 10 } });
    const lists = await Promise.all(Array.from({ length: 10 }, () => patient.listTags(ref)));
    expect(lists.every((tags) => tags.includes('1'))).toBe(true);
  });

  it('answers too many upload starts with 403 "secondary rate limit"; the client waits and retries them', async () => {
    const name = unique('owner/uploads');
    await waitForWindow();
    const burst = await Promise.all(Array.from({ length: 40 }, () => raw(registry, `/v2/${name}/blobs/uploads/`, { method: 'POST' })));
    const denied = burst.find((r) => r.status === 403);
    expect(denied).toBeDefined();
    expect(codes(denied!)).toEqual(['DENIED']);
    expect(denied!.text).toMatch(/secondary rate limit/);

    await waitForWindow();
    const client = profileClient({ retry: { minDelayMs: 200, maxDelayMs: 1500, retries: 6 } });
    const blobs = Array.from({ length: 40 }, (_, i) => Buffer.from(`${name} blob ${i}`));
    const results = await Promise.all(blobs.map((b) => client.pushBlob(`${registry.host}/${name}`, b)));
    expect(results.every((r) => r.outcome === 'uploaded')).toBe(true);
  });
});
