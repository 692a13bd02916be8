/**
 * Referrers on real registries. CNCF distribution 2.8 has no referrers API and answers a manifest
 * with `subject` without `OCI-Subject`, so the client must keep the `<alg>-<hex>` fallback tag; the
 * embedded registry has the API, answers `OCI-Subject`, and the tag must stay absent there.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MediaType, type Descriptor, type RegistryClient } from '../../src/index.js';
import { digestOf } from '../../src/oci/index.js';
import { buildImage, type BuiltImage } from '../helpers/images.js';
import { skopeoInspectRaw } from '../helpers/skopeo.js';
import { allTargets, type RegistryTarget } from '../helpers/targets.js';

const SBOM = 'application/spdx+json';
const SIGNATURE = 'application/vnd.example.signature.v1+json';
const EMPTY = Buffer.from('{}');
const EMPTY_DESCRIPTOR = { mediaType: MediaType.OciEmpty, digest: digestOf(EMPTY), size: EMPTY.length };

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

interface Artifact {
  bytes: Buffer;
  digest: string;
  artifactType: string;
  annotations: Record<string, string>;
}

/** An artifact manifest in the image-spec's recommended shape: empty config, one layer, `subject`. */
function artifactFor(subject: BuiltImage, artifactType: string, content: string): { artifact: Artifact; layer: Buffer } {
  const layer = Buffer.from(content);
  const annotations = { 'org.opencontainers.image.created': '2024-05-01T00:00:00Z', 'org.example.content': content };
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType,
    config: EMPTY_DESCRIPTOR,
    layers: [{ mediaType: artifactType, digest: digestOf(layer), size: layer.length }],
    subject: { mediaType: MediaType.OciManifest, digest: subject.manifest.digest, size: subject.manifest.size },
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { artifact: { bytes, digest: digestOf(bytes), artifactType, annotations }, layer };
}

/** The descriptor a referrers list should hold for `artifact`. */
function listed(artifact: Artifact): Descriptor {
  return { mediaType: MediaType.OciManifest, digest: artifact.digest, size: artifact.bytes.length, artifactType: artifact.artifactType, annotations: artifact.annotations };
}

describe.each(await allTargets())('referrers against $name', (target: RegistryTarget) => {
  const client = target.client();
  afterAll(() => client.close());
  const hasReferrersApi = target.kind === 'embedded';

  /** Pushes an image to `repo:v1` and returns it with its fallback tag. */
  async function pushSubject(repo: string): Promise<{ subject: BuiltImage; tag: string }> {
    const subject = buildImage({ os: 'linux', architecture: 'amd64', content: `subject of ${repo}\n` });
    for (const blob of [subject.config, ...subject.layers]) await client.pushBlob(repo, blob.bytes);
    await client.putManifest(`${repo}:v1`, subject.manifest.bytes);
    await client.pushBlob(repo, EMPTY);
    return { subject, tag: subject.manifest.digest.replace(':', '-') };
  }

  async function pushArtifact(c: RegistryClient, repo: string, made: { artifact: Artifact; layer: Buffer }, options?: { referrersFallback?: boolean }): Promise<void> {
    await c.pushBlob(repo, made.layer);
    await c.putManifest(`${repo}@${made.artifact.digest}`, made.artifact.bytes, options);
  }

  async function fallbackIndex(repo: string, tag: string): Promise<{ mediaType: string; manifests: Descriptor[] }> {
    const raw = await skopeoInspectRaw(`docker://${repo}:${tag}`, { creds: target.skopeoCreds });
    return JSON.parse(raw.toString('utf8')) as { mediaType: string; manifests: Descriptor[] };
  }

  it('lists an SBOM pushed after its subject; a second referrer keeps both; a repeated push keeps one entry', async () => {
    const repo = `${target.host}/${unique('referrers')}`;
    const { subject, tag } = await pushSubject(repo);
    const sbom = artifactFor(subject, SBOM, '{"spdxVersion":"SPDX-2.3"}');
    const signature = artifactFor(subject, SIGNATURE, 'signature bytes');

    await pushArtifact(client, repo, sbom);

    expect(await client.listReferrers(`${repo}@${subject.manifest.digest}`)).toEqual([listed(sbom.artifact)]);
    if (hasReferrersApi) {
      expect(await client.manifestExists(`${repo}:${tag}`)).toBe(false);
    } else {
      const index = await fallbackIndex(repo, tag);
      expect(index.mediaType).toBe(MediaType.OciIndex);
      expect(index.manifests).toEqual([listed(sbom.artifact)]);
    }

    await pushArtifact(client, repo, signature);
    await pushArtifact(client, repo, sbom);

    const both = await client.listReferrers(`${repo}:v1`);
    expect(both).toHaveLength(2);
    expect(both).toEqual(expect.arrayContaining([listed(sbom.artifact), listed(signature.artifact)]));
    expect(await client.listReferrers(`${repo}@${subject.manifest.digest}`, { artifactType: SIGNATURE })).toEqual([listed(signature.artifact)]);
    if (hasReferrersApi) {
      expect(await client.manifestExists(`${repo}:${tag}`)).toBe(false);
    } else {
      expect((await fallbackIndex(repo, tag)).manifests).toEqual([listed(sbom.artifact), listed(signature.artifact)]);
    }
  });

  it('keeps every referrer that one client pushes concurrently for the same subject', async () => {
    const repo = `${target.host}/${unique('referrers-concurrent')}`;
    const { subject, tag } = await pushSubject(repo);
    const artifacts = Array.from({ length: 5 }, (_, i) => artifactFor(subject, i % 2 ? SIGNATURE : SBOM, `referrer ${i}`));

    await Promise.all(artifacts.map((made) => pushArtifact(client, repo, made)));

    const found = await client.listReferrers(`${repo}@${subject.manifest.digest}`);
    expect(found.map((d) => d.digest).sort()).toEqual(artifacts.map((made) => made.artifact.digest).sort());
    if (!hasReferrersApi) expect((await fallbackIndex(repo, tag)).manifests).toHaveLength(artifacts.length);
  });

  it('writes nothing but the manifest with referrersFallback: false', async () => {
    const repo = `${target.host}/${unique('referrers-off')}`;
    const { subject, tag } = await pushSubject(repo);
    const sbom = artifactFor(subject, SBOM, '{"spdxVersion":"SPDX-2.3"}');

    await pushArtifact(client, repo, sbom, { referrersFallback: false });

    expect(await client.manifestExists(`${repo}@${sbom.artifact.digest}`)).toBe(true);
    expect(await client.manifestExists(`${repo}:${tag}`)).toBe(false);
    expect(await client.listTags(repo)).toEqual(['v1']);
    // The embedded registry tracks `subject` itself; distribution knows nothing of it without the tag.
    expect(await client.listReferrers(`${repo}@${subject.manifest.digest}`)).toEqual(hasReferrersApi ? [listed(sbom.artifact)] : []);
  });
});
