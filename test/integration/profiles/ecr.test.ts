/**
 * The `ecr` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#amazon-ecr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../../src/errors.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { startRegistry, type RunningRegistry } from '../../../src/registry/index.js';
import { buildImage } from '../../helpers/images.js';
import { codes, pushBlob, raw, sha256 } from '../../helpers/registry-helpers.js';
import { skopeoInspectRaw } from '../../helpers/skopeo.js';
import { profileClient, pushTestImage, unique } from './profile-helpers.js';

const USER = 'AWS';
const PASSWORD = 'ecr-password';
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const CREATED = ['team/app', 'team/src', 'team/dst', 'team/burst', 'team/probe'];

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry({ profile: { name: 'ecr', repositories: CREATED }, auth: { basic: { username: USER, password: PASSWORD } } });
});
afterAll(async () => {
  await registry?.close();
});

const client = (options: Parameters<typeof profileClient>[0] = {}) =>
  profileClient({ credentials: { [registry.host]: { username: USER, password: PASSWORD } }, ...options });

describe('ecr profile', () => {
  it('challenges with Basic, realm = the registry URL, service="ecr.amazonaws.com"; the client answers it', async () => {
    const res = await raw(registry, '/v2/');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Basic realm="${registry.url}/",service="ecr.amazonaws.com"`);
    expect(registry.stats.tokenRequests).toBe(0);

    await pushTestImage(client(), `${registry.host}/team/app:1`, 'amd64');
    expect((await client().headManifest(`${registry.host}/team/app:1`)).mediaType).toBe(MediaType.OciManifest);
  });

  it('refuses a push to a repository that was not created: the client says to create it first, without retrying', async () => {
    const name = unique('team/missing');
    const res = await raw(registry, `/v2/${name}/blobs/uploads/`, { method: 'POST', headers: { Authorization: basic } });
    expect(res.status).toBe(404);
    expect(codes(res)).toEqual(['NAME_UNKNOWN']);
    expect(res.json().errors[0].message).toMatch(/does not exist in the registry with id/);

    const posts = registry.stats.byRoute['POST upload'] ?? 0;
    const error = await client()
      .pushBlob(`${registry.host}/${name}`, Buffer.from('layer'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(404);
    expect((error as RegistryError).message).toMatch(/create the repository first/);
    expect(registry.stats.byRoute['POST upload']).toBe(posts + 1);

    await pushTestImage(client(), `${registry.host}/team/app:child`, 'amd64', 'child');
    const listError = await client()
      .pushManifestList({ image: `${registry.host}/${name}:1`, manifests: [{ image: `${registry.host}/team/app:child` }] })
      .catch((e: unknown) => e);
    expect(listError).toBeInstanceOf(RegistryError);
    expect((listError as Error).message).toMatch(/create the repository first/);
  });

  it('refuses a list naming children of another repository; pushManifestList brings them into the target first', async () => {
    const amd = await pushTestImage(client(), `${registry.host}/team/src:amd64`, 'amd64', 'list');
    const arm = await pushTestImage(client(), `${registry.host}/team/src:arm64`, 'arm64', 'list');
    const list = {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [amd, arm].map((i) => ({ mediaType: i.manifest.mediaType, digest: i.manifest.digest, size: i.manifest.size, platform: i.platform })),
    };
    const res = await raw(registry, '/v2/team/dst/manifests/raw', {
      method: 'PUT',
      headers: { Authorization: basic, 'Content-Type': MediaType.OciIndex },
      body: JSON.stringify(list),
    });
    expect(res.status).toBe(400);
    expect(codes(res)).toContain('MANIFEST_BLOB_UNKNOWN');

    const pushed = await client().pushManifestList({
      image: `${registry.host}/team/dst:multi`,
      manifests: [{ image: `${registry.host}/team/src:amd64` }, { image: `${registry.host}/team/src:arm64` }],
    });
    expect(pushed.plan.map((c) => c.action)).toEqual(['mount', 'mount']);
    const inspected = await client().inspect(`${registry.host}/team/dst:multi`);
    expect(inspected.entries.map((e) => e.platform)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    const read = await skopeoInspectRaw(`docker://${registry.host}/team/dst:multi`, { creds: { username: USER, password: PASSWORD } });
    expect(sha256(read)).toBe(pushed.digest);
  });

  it('mounts only blobs a manifest references: otherwise 202 with a session, and the client uploads into it', async () => {
    const loose = Buffer.from(unique('unreferenced blob'));
    const digest = await pushBlob(registry, 'team/src', loose, { Authorization: basic });
    const res = await raw(registry, `/v2/team/dst/blobs/uploads/?mount=${digest}&from=team/src`, { method: 'POST', headers: { Authorization: basic } });
    expect(res.status).toBe(202);
    expect(res.headers.location).toMatch(/\/v2\/team\/dst\/blobs\/uploads\//);

    const result = await client().mountBlob(`${registry.host}/team/dst`, digest, { from: `${registry.host}/team/src` });
    expect(result.outcome).toBe('uploaded');
    expect((await client().getBlobBytes(`${registry.host}/team/dst`, digest)).equals(loose)).toBe(true);

    const image = buildImage({ os: 'linux', architecture: 'riscv64', content: unique('mounted') });
    const res2 = await client().pushBlob(`${registry.host}/team/src`, image.layers[0]!.bytes);
    await client().pushBlob(`${registry.host}/team/src`, image.config.bytes);
    await client().putManifest(`${registry.host}/team/src:riscv`, image.manifest.bytes);
    const mounted = await client().mountBlob(`${registry.host}/team/dst`, res2.digest, { from: `${registry.host}/team/src` });
    expect(mounted.outcome).toBe('mounted');
  });

  it('has no referrers API (404) although it answers a manifest with subject with OCI-Subject', async () => {
    const subject = await pushTestImage(client(), `${registry.host}/team/app:subject`, 'amd64', 'subject');
    const res = await raw(registry, `/v2/team/app/referrers/${subject.manifest.digest}`, { headers: { Authorization: basic } });
    expect(res.status).toBe(404);
    const referrer = {
      ...JSON.parse(subject.manifest.bytes.toString('utf8')),
      subject: { mediaType: subject.manifest.mediaType, digest: subject.manifest.digest, size: subject.manifest.size },
    };
    const put = await raw(registry, '/v2/team/app/manifests/referrer', {
      method: 'PUT',
      headers: { Authorization: basic, 'Content-Type': MediaType.OciManifest },
      body: JSON.stringify(referrer),
    });
    expect(put.status).toBe(201);
    expect(put.headers['oci-subject']).toBe(subject.manifest.digest);
  });

  it('a referrer pushed to ECR is found by listReferrers: the client probes for the API instead of trusting OCI-Subject', async () => {
    const c = client();
    const subject = await pushTestImage(c, `${registry.host}/team/probe:probed`, 'amd64', unique('probed'));
    const artifact = await c.pushArtifact({
      subject: `${registry.host}/team/probe:probed`,
      artifactType: 'application/vnd.example.sbom+json',
      layers: [{ data: Buffer.from('{"sbom":true}'), mediaType: 'application/json' }],
    });
    const fallbackTag = subject.manifest.digest.replace(':', '-');
    const fallback = await raw(registry, `/v2/team/probe/manifests/${fallbackTag}`, {
      headers: { Authorization: basic, Accept: MediaType.OciIndex },
    });
    expect(fallback.status).toBe(200);
    expect(JSON.parse(fallback.text).manifests.map((m: { digest: string }) => m.digest)).toEqual([artifact.digest]);
    const listed = await c.listReferrers(`${registry.host}/team/probe@${subject.manifest.digest}`);
    expect(listed.map((d) => d.digest)).toEqual([artifact.digest]);
  });

  it('answers 429 past 10 manifest PUTs per second; the client backs off and every PUT lands', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'burst' });
    const c = client({ retry: { minDelayMs: 150, maxDelayMs: 1500, retries: 8 } });
    for (const blob of [image.config, ...image.layers]) await c.pushBlob(`${registry.host}/team/burst`, blob.bytes);
    const statuses = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        raw(registry, `/v2/team/burst/manifests/raw-${i}`, {
          method: 'PUT',
          headers: { Authorization: basic, 'Content-Type': image.manifest.mediaType },
          body: image.manifest.bytes,
        }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1100));

    const tags = Array.from({ length: 14 }, (_, i) => `client-${i}`);
    await Promise.all(tags.map((tag) => c.putManifest(`${registry.host}/team/burst:${tag}`, image.manifest.bytes)));
    const listed = await c.listTags(`${registry.host}/team/burst`);
    expect(listed).toEqual(expect.arrayContaining(tags));

    await new Promise((r) => setTimeout(r, 1100));
    const more = Array.from({ length: 14 }, (_, i) => `tagged-${i}`);
    await c.tag(`${registry.host}/team/burst:client-0`, ...more);
    expect(await c.listTags(`${registry.host}/team/burst`)).toEqual(expect.arrayContaining(more));
  });

  it('loses the answer to a manifest PUT after storing it: the client confirms with a HEAD instead of sending it again', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: unique('ambiguous') });
    const c = client();
    for (const blob of [image.config, ...image.layers]) await c.pushBlob(`${registry.host}/team/app`, blob.bytes);
    registry.faults.add({ method: 'PUT', path: /\/manifests\/lost-raw$/, dropAfterCommit: true });
    await expect(
      raw(registry, '/v2/team/app/manifests/lost-raw', {
        method: 'PUT',
        headers: { Authorization: basic, 'Content-Type': image.manifest.mediaType },
        body: image.manifest.bytes,
      }),
    ).rejects.toThrow();
    expect((await raw(registry, '/v2/team/app/manifests/lost-raw', { method: 'HEAD', headers: { Authorization: basic } })).status).toBe(200);

    const puts = registry.stats.byRoute['PUT manifest'] ?? 0;
    const heads = registry.stats.byRoute['HEAD manifest'] ?? 0;
    registry.faults.add({ method: 'PUT', path: /\/manifests\/lost$/, dropAfterCommit: true });
    const written = await c.putManifest(`${registry.host}/team/app:lost`, image.manifest.bytes);
    expect(written.digest).toBe(image.manifest.digest);
    expect((registry.stats.byRoute['PUT manifest'] ?? 0) - puts).toBe(1);
    expect((registry.stats.byRoute['HEAD manifest'] ?? 0) - heads).toBeGreaterThanOrEqual(1);
  });

  it('refuses token authentication in the profile: ECR has no token server', async () => {
    await expect(startRegistry({ profile: 'ecr', auth: { token: {} } })).rejects.toThrow(/ecr profile answers basic authentication only/);
  });
});

