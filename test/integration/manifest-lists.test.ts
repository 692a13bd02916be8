import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, contextOf } from '../../src/client.js';
import { digestOf, type Digest } from '../../src/oci/digest.js';
import { DigestMismatchError, InvalidReferenceError, ValidationError } from '../../src/errors.js';
import type { ManifestListSpec, PushManifestListResult } from '../../src/manifest-list/types.js';
import { MediaType } from '../../src/oci/media-types.js';
import { inspect } from '../../src/manifest-list/inspect.js';
import { MissingChildrenError } from '../../src/errors.js';
import { pushManifestList } from '../../src/manifest-list/push.js';
import { buildImage, type BuiltBlob, type BuiltImage, type ImageFormat } from '../helpers/images.js';
import { sharedRegistries, type RegistryCoordinates, type SharedRegistries } from '../helpers/registries.js';
import { startEmbeddedRegistries } from '../helpers/targets.js';
import { skopeoCopy, skopeoInspectRaw, type SkopeoCredentials } from '../helpers/skopeo.js';

/**
 * pushManifestList and inspect against the real distribution registries of the integration
 * project (plain, Basic auth, token auth). Children are pushed with the library; every list is
 * read back with skopeo and copied with `skopeo copy --all`.
 */

/** The shared distribution registries and, held to the same behaviour, the embedded ones. */
const embedded = await startEmbeddedRegistries();
const allRegistries = (): Record<RegistryName, RegistryCoordinates> => ({
  ...sharedRegistries(),
  'embedded-plain': embedded.plain,
  'embedded-basic': embedded.basic,
  'embedded-token': embedded.token,
});
type RegistryName = keyof SharedRegistries | 'embedded-plain' | 'embedded-basic' | 'embedded-token';

const suffix = (): string => randomBytes(4).toString('hex');
const repoName = (prefix: string): string => `lists/${prefix}-${suffix()}`;

function credsOf(registry: RegistryCoordinates): SkopeoCredentials | undefined {
  return registry.username && registry.password ? { username: registry.username, password: registry.password } : undefined;
}

/** A client with the credentials of every shared registry, so children and target may be on different ones. */
function clientForAll(registries: Record<RegistryName, RegistryCoordinates>): RegistryClient {
  const credentials: Record<string, { username: string; password: string }> = {};
  for (const registry of Object.values(registries)) {
    if (registry.username && registry.password) credentials[registry.host] = { username: registry.username, password: registry.password };
  }
  return new RegistryClient({ dockerConfig: false, credentials });
}

/** Pushes an image's blobs and manifest with the library; returns `host/repo:tag`. */
async function pushImage(client: RegistryClient, repo: string, image: BuiltImage | AttestationImage, tag?: string): Promise<string> {
  for (const blob of [image.config, ...image.layers]) await client.pushBlob(repo, blob.bytes, { digest: blob.digest });
  const ref = tag ? `${repo}:${tag}` : `${repo}@${image.manifest.digest}`;
  await client.putManifest(ref, image.manifest.bytes);
  return ref;
}

/** A BuildKit-style attestation manifest: an in-toto statement about `subject`, as one layer. */
interface AttestationImage {
  manifest: BuiltBlob;
  config: BuiltBlob;
  layers: BuiltBlob[];
  subject: Digest;
}

function blobOf(bytes: Buffer, mediaType: string): BuiltBlob {
  return { bytes, digest: digestOf(bytes), size: bytes.length, mediaType };
}

function buildAttestation(subject: BuiltImage): AttestationImage {
  const statement = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://spdx.dev/Document',
    subject: [{ name: 'image', digest: { sha256: subject.manifest.digest.slice('sha256:'.length) } }],
    predicate: { spdxVersion: 'SPDX-2.3', name: `sbom of ${subject.platform.os}/${subject.platform.architecture}` },
  };
  const layer = blobOf(Buffer.from(JSON.stringify(statement)), 'application/vnd.in-toto+json');
  const config = blobOf(
    Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [layer.digest] } })),
    MediaType.OciConfig,
  );
  const manifest = blobOf(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size, annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } }],
      }),
    ),
    MediaType.OciManifest,
  );
  return { manifest, config, layers: [layer], subject: subject.manifest.digest };
}

/** The OCI index buildx pushes with `--attest type=sbom`: every image, then every attestation manifest. */
function buildxIndex(images: BuiltImage[], attestations: AttestationImage[]): BuiltBlob {
  const document = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      ...images.map((image) => ({ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size, platform: image.platform })),
      ...attestations.map((a) => ({
        mediaType: MediaType.OciManifest,
        digest: a.manifest.digest,
        size: a.manifest.size,
        annotations: { 'vnd.docker.reference.digest': a.subject, 'vnd.docker.reference.type': 'attestation-manifest' },
        platform: { architecture: 'unknown', os: 'unknown' },
      })),
    ],
  };
  return blobOf(Buffer.from(JSON.stringify(document)), MediaType.OciIndex);
}

interface IndexDocument {
  mediaType: string;
  manifests: Array<{ mediaType: string; digest: string; size: number; platform?: Record<string, unknown>; annotations?: Record<string, string> }>;
  annotations?: Record<string, string>;
}

const documentOf = (result: PushManifestListResult): IndexDocument => JSON.parse(result.bytes.toString('utf8')) as IndexDocument;

describe.each(['plain', 'basic', 'token', 'embedded-plain', 'embedded-basic', 'embedded-token'] as const)('manifest lists on the %s registry', (name: RegistryName) => {
  let registries: Record<RegistryName, RegistryCoordinates>;
  let registry: RegistryCoordinates;
  let client: RegistryClient;

  beforeAll(() => {
    registries = allRegistries();
    registry = registries[name];
    client = clientForAll(registries);
  });
  afterAll(async () => {
    await client.close();
  });

  const repo = (prefix: string): string => `${registry.host}/${repoName(`${name}-${prefix}`)}`;
  const dockerRef = (ref: string): string => `docker://${ref}`;

  /** skopeo reads the list back byte for byte, and `skopeo copy --all` copies it (and every child) to another repository. */
  async function checkWithSkopeo(ref: string, result: PushManifestListResult): Promise<void> {
    const raw = await skopeoInspectRaw(dockerRef(ref), { creds: credsOf(registry) });
    expect(raw.equals(result.bytes)).toBe(true);
    const copy = `${repo('copy')}:all`;
    await skopeoCopy(dockerRef(ref), dockerRef(copy), { all: true, preserveDigests: true, srcCreds: credsOf(registry), destCreds: credsOf(registry) });
    const copied = await skopeoInspectRaw(dockerRef(copy), { creds: credsOf(registry) });
    expect(digestOf(copied)).toBe(result.digest);
  }

  it.each(['oci', 'docker'] as const)('composes a %s list from same-repository children, platforms read from their configs', async (format: ImageFormat) => {
    const target = repo(`same-${format}`);
    const content = `same ${name} ${format}\n`;
    const amd64 = buildImage({ os: 'linux', architecture: 'amd64', format, content });
    const arm64 = buildImage({ os: 'linux', architecture: 'arm64', format, content }); // config has no variant
    const windows = buildImage({ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1234', format, content });
    const refs = [
      await pushImage(client, target, amd64, 'linux-amd64'),
      await pushImage(client, target, arm64, 'linux-arm64'),
      await pushImage(client, target, windows, 'windows-amd64'),
    ];

    const result = await client.pushManifestList({ image: `${target}:1.0`, manifests: refs.map((image) => ({ image })) });

    expect(result.mediaType).toBe(format === 'oci' ? MediaType.OciIndex : MediaType.DockerManifestList);
    expect(result.dryRun).toBe(false);
    expect(result.tags).toEqual(['1.0']);
    expect(result.skipped).toEqual([]);
    expect(result.digest).toBe(digestOf(result.bytes));
    expect(result.size).toBe(result.bytes.length);
    const document = documentOf(result);
    expect(document.manifests.map((m) => m.digest)).toEqual([amd64, arm64, windows].map((i) => i.manifest.digest));
    expect(document.manifests.map((m) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
      { architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.1234' },
    ]);
    expect(result.plan.map((p) => [p.image, p.action, p.blobs.length])).toEqual(refs.map((image) => [image, 'present', 0]));

    const inspected = await client.inspect(`${target}:1.0`);
    expect(inspected).toMatchObject({ isList: true, digest: result.digest, mediaType: result.mediaType });
    expect(inspected.bytes.equals(result.bytes)).toBe(true);
    expect(inspected.entries.map((e) => e.platform)).toEqual(['linux/amd64', 'linux/arm64/v8', 'windows/amd64:10.0.17763.1234']);
    expect(inspected.entries.every((e) => !e.attestation)).toBe(true);
    const single = await client.inspect(refs[1] as string);
    expect(single).toMatchObject({ isList: false, platform: 'linux/arm64/v8', digest: arm64.manifest.digest, entries: [] });

    await checkWithSkopeo(`${target}:1.0`, result);
  });

  it('mounts children from other repositories of the same registry, and a second push changes nothing', async () => {
    const content = `cross-repo ${name}\n`;
    const amd64 = buildImage({ os: 'linux', architecture: 'amd64', content, layers: 2 });
    const arm = buildImage({ os: 'linux', architecture: 'arm', variant: 'v7', content });
    const amd64Ref = await pushImage(client, repo('src-amd64'), amd64, 'v1');
    const armRef = await pushImage(client, repo('src-arm'), arm, 'v1');
    const target = repo('cross-repo');
    const spec: ManifestListSpec = { image: `${target}:v1`, manifests: [{ image: amd64Ref }, { image: armRef }] };

    const first = await client.pushManifestList(spec);
    expect(first.plan.map((p) => p.action)).toEqual(['mount', 'mount']);
    expect(first.plan[0]?.blobs.map((b) => b.digest).sort()).toEqual([amd64.config, ...amd64.layers].map((b) => b.digest).sort());
    expect(first.plan[1]?.platform).toEqual({ architecture: 'arm', os: 'linux', variant: 'v7' });
    for (const image of [amd64, arm]) {
      expect(await client.manifestExists(`${target}@${image.manifest.digest}`)).toBe(true);
      for (const blob of [image.config, ...image.layers]) expect(await client.blobExists(target, blob.digest)).toBe(true);
    }
    await checkWithSkopeo(`${target}:v1`, first);

    const second = await client.pushManifestList(spec);
    expect(second.digest).toBe(first.digest);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(second.plan.map((p) => [p.action, p.blobs.length])).toEqual([
      ['present', 0],
      ['present', 0],
    ]);
  });

  it('copies children from another registry, streaming every blob', async () => {
    const sourceName: RegistryName = name === 'plain' ? 'token' : 'plain';
    const source = registries[sourceName];
    const content = `cross-registry ${name}\n`;
    const amd64 = buildImage({ os: 'linux', architecture: 'amd64', content });
    const s390x = buildImage({ os: 'linux', architecture: 's390x', content });
    const sourceRepo = `${source.host}/${repoName(`from-${sourceName}`)}`;
    const refs = [await pushImage(client, sourceRepo, amd64, 'amd64'), await pushImage(client, sourceRepo, s390x, 's390x')];
    const target = repo('cross-registry');

    const result = await client.pushManifestList({ image: `${target}:multi`, manifests: refs.map((image) => ({ image })) });

    expect(result.plan.map((p) => p.action)).toEqual(['copy', 'copy']);
    expect(result.plan.map((p) => p.blobs.length)).toEqual([2, 2]);
    for (const image of [amd64, s390x]) {
      expect(await client.manifestExists(`${target}@${image.manifest.digest}`)).toBe(true);
      expect(await client.blobExists(target, image.layers[0]?.digest as string)).toBe(true);
    }
    await checkWithSkopeo(`${target}:multi`, result);
  });

  it('flattens a buildx index with attestations, keeping each attestation after the image it describes', async () => {
    const content = `buildx ${name}\n`;
    const amd64 = buildImage({ os: 'linux', architecture: 'amd64', content });
    const arm64 = buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', content });
    const attestations = [buildAttestation(amd64), buildAttestation(arm64)];
    const buildRepo = repo('buildx');
    for (const part of [amd64, arm64, ...attestations]) await pushImage(client, buildRepo, part);
    const index = buildxIndex([amd64, arm64], attestations);
    await client.putManifest(`${buildRepo}:build`, index.bytes);
    const windows = buildImage({ os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2227', content });
    const windowsRef = await pushImage(client, repo('windows'), windows, 'ltsc2022');
    const target = repo('flattened');

    const result = await client.pushManifestList({
      image: `${target}:1`,
      manifests: [{ image: `${buildRepo}:build` }, { image: windowsRef, annotations: { 'org.example.os': 'windows' } }],
      annotations: { 'org.opencontainers.image.version': '1' },
    });

    const document = documentOf(result);
    expect(document.mediaType).toBe(MediaType.OciIndex);
    expect(document.annotations).toEqual({ 'org.opencontainers.image.version': '1' });
    expect(document.manifests.map((m) => m.digest)).toEqual([
      amd64.manifest.digest,
      attestations[0]?.manifest.digest,
      arm64.manifest.digest,
      attestations[1]?.manifest.digest,
      windows.manifest.digest,
    ]);
    expect(document.manifests[1]).toMatchObject({
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.digest': amd64.manifest.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    });
    expect(document.manifests[3]?.annotations?.['vnd.docker.reference.digest']).toBe(arm64.manifest.digest);
    expect(document.manifests[4]?.annotations).toEqual({ 'org.example.os': 'windows' });
    expect(result.plan.map((p) => p.action)).toEqual(['mount', 'mount', 'mount', 'mount', 'mount']);
    expect(result.plan[0]?.image).toBe(`${buildRepo}@${amd64.manifest.digest}`);
    for (const part of [amd64, arm64, ...attestations, windows]) {
      expect(await client.manifestExists(`${target}@${part.manifest.digest}`)).toBe(true);
      for (const blob of [part.config, ...part.layers]) expect(await client.blobExists(target, blob.digest)).toBe(true);
    }

    const inspected = await inspect(contextOf(client), `${target}:1`);
    expect(inspected.entries.map((e) => [e.platform, e.attestation])).toEqual([
      ['linux/amd64', false],
      ['unknown/unknown', true],
      ['linux/arm64/v8', false],
      ['unknown/unknown', true],
      ['windows/amd64:10.0.20348.2227', false],
    ]);
    await checkWithSkopeo(`${target}:1`, result);
  });

  it('takes one platform out of a child index when the spec names it, with its attestation only', async () => {
    const content = `pick ${name}\n`;
    const amd64 = buildImage({ os: 'linux', architecture: 'amd64', content });
    const arm64 = buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', content });
    const attestations = [buildAttestation(amd64), buildAttestation(arm64)];
    const buildRepo = repo('pick-src');
    for (const part of [amd64, arm64, ...attestations]) await pushImage(client, buildRepo, part);
    await client.putManifest(`${buildRepo}:build`, buildxIndex([amd64, arm64], attestations).bytes);
    const target = repo('pick');

    const result = await client.pushManifestList({ image: `${target}:arm`, manifests: [{ image: `${buildRepo}:build`, platform: { os: 'linux', architecture: 'arm64' } }] });

    expect(documentOf(result).manifests.map((m) => m.digest)).toEqual([arm64.manifest.digest, attestations[1]?.manifest.digest]);
    await expect(
      client.pushManifestList({ image: `${target}:none`, manifests: [{ image: `${buildRepo}:build`, platform: { os: 'linux', architecture: 'ppc64le' } }] }),
    ).rejects.toThrow(/no manifest in the index matches the platform/);
  });

  it('dryRun reads only: returns index and plan, writes no tag, manifest or blob', async () => {
    const content = `dry ${name}\n`;
    const amd64 = buildImage({ os: 'linux', architecture: 'amd64', content });
    const arm64 = buildImage({ os: 'linux', architecture: 'arm64', content });
    const refs = [await pushImage(client, repo('dry-a'), amd64, 'v1'), await pushImage(client, repo('dry-b'), arm64, 'v1')];
    const target = repo('dry');
    const spec: ManifestListSpec = { image: `${target}:v1`, tags: ['latest'], manifests: refs.map((image) => ({ image })) };

    const dry = await client.pushManifestList({ ...spec, dryRun: true });

    expect(dry.dryRun).toBe(true);
    expect(dry.tags).toEqual(['v1', 'latest']);
    expect(dry.plan.map((p) => [p.action, p.blobs.length])).toEqual([
      ['mount', 2],
      ['mount', 2],
    ]);
    expect(await client.manifestExists(`${target}:v1`)).toBe(false);
    expect(await client.manifestExists(`${target}:latest`)).toBe(false);
    expect(await client.manifestExists(`${target}@${amd64.manifest.digest}`)).toBe(false);
    expect(await client.blobExists(target, amd64.config.digest)).toBe(false);
    await expect(skopeoInspectRaw(dockerRef(`${target}:v1`), { creds: credsOf(registry) })).rejects.toThrow(/manifest unknown|name unknown|not found/i);

    const real = await client.pushManifestList(spec);
    expect(real.digest).toBe(dry.digest);
    expect(real.bytes.equals(dry.bytes)).toBe(true);
  });

  it('writes every extra tag with the same bytes', async () => {
    const content = `tags ${name}\n`;
    const target = repo('tags');
    const refs = [
      await pushImage(client, target, buildImage({ os: 'linux', architecture: 'amd64', content }), 'amd64'),
      await pushImage(client, target, buildImage({ os: 'linux', architecture: 'riscv64', content }), 'riscv64'),
    ];

    const result = await client.pushManifestList({ image: `${target}:1.2.3`, tags: ['1.2', '1', 'latest'], manifests: refs.map((image) => ({ image })) });

    expect(result.tags).toEqual(['1.2.3', '1.2', '1', 'latest']);
    for (const tag of result.tags) {
      const raw = await skopeoInspectRaw(dockerRef(`${target}:${tag}`), { creds: credsOf(registry) });
      expect(raw.equals(result.bytes)).toBe(true);
      expect((await client.headManifest(`${target}:${tag}`)).digest).toBe(result.digest);
    }
  });

  it.each([
    ['docker', 'oci'],
    ['oci', 'docker'],
  ] as const)('converts %s children when mediaType %s is forced', async (from, to) => {
    const content = `convert ${name} ${from}\n`;
    const amd64 = buildImage({ os: 'linux', architecture: 'amd64', format: from, content });
    const arm64 = buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', format: from, content });
    const source = repo(`convert-${from}`);
    const refs = [await pushImage(client, source, amd64, 'amd64'), await pushImage(client, source, arm64, 'arm64')];
    const target = repo(`converted-${to}`);

    await expect(
      client.pushManifestList({
        image: `${target}:mixed`,
        manifests: [{ image: refs[0] as string }, { image: await pushImage(client, source, buildImage({ os: 'linux', architecture: 'ppc64le', format: to, content }), 'ppc') }],
      }),
    ).rejects.toThrow(/mix OCI and Docker media types/);

    const result = await client.pushManifestList({ image: `${target}:v1`, mediaType: to, manifests: refs.map((image) => ({ image })) });

    expect(result.mediaType).toBe(to === 'oci' ? MediaType.OciIndex : MediaType.DockerManifestList);
    expect(result.plan.map((p) => p.action)).toEqual(['convert', 'convert']);
    expect(result.plan.map((p) => p.convertedFrom)).toEqual([amd64.manifest.digest, arm64.manifest.digest]);
    const wanted = to === 'oci' ? { manifest: MediaType.OciManifest, config: MediaType.OciConfig, layer: MediaType.OciLayerGzip } : { manifest: MediaType.DockerManifest, config: MediaType.DockerConfig, layer: MediaType.DockerLayerGzip };
    for (const [i, image] of [amd64, arm64].entries()) {
      const planned = result.plan[i];
      expect(planned?.digest).not.toBe(image.manifest.digest);
      const { manifest, descriptor } = await client.getManifest(`${target}@${planned?.digest}`);
      expect(descriptor.mediaType).toBe(wanted.manifest);
      if (manifest.mediaType !== MediaType.OciManifest && manifest.mediaType !== MediaType.DockerManifest) throw new Error('not an image manifest');
      expect(manifest.config).toMatchObject({ mediaType: wanted.config, digest: image.config.digest });
      expect(manifest.layers.map((l) => [l.mediaType, l.digest])).toEqual(image.layers.map((l) => [wanted.layer, l.digest]));
    }
    await checkWithSkopeo(`${target}:v1`, result);

    const again = await client.pushManifestList({ image: `${target}:v1`, mediaType: to, manifests: refs.map((image) => ({ image })) });
    expect(again.digest).toBe(result.digest);
    expect(again.plan.map((p) => [p.action, p.blobs.length])).toEqual([
      ['convert', 0],
      ['convert', 0],
    ]);
  });

  it('lists every missing child in one error and writes nothing; ignoreMissing skips them', async () => {
    const content = `missing ${name}\n`;
    const present = buildImage({ os: 'linux', architecture: 'amd64', content });
    const presentRef = await pushImage(client, repo('missing-src'), present, 'v1');
    const missingTag = `${presentRef.slice(0, presentRef.lastIndexOf(':'))}:no-such-tag`;
    const missingRepo = `${repo('never-pushed')}:v1`;
    const missingDigest = `${repo('missing-src')}@${digestOf('nothing here')}`;
    const target = repo('missing');
    const manifests = [{ image: missingTag }, { image: presentRef }, { image: missingRepo }, { image: missingDigest }];

    const failure = await client.pushManifestList({ image: `${target}:v1`, manifests }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MissingChildrenError);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as MissingChildrenError).missing).toEqual([missingTag, missingRepo, missingDigest]);
    for (const image of [missingTag, missingRepo, missingDigest]) expect((failure as Error).message).toContain(image);
    expect(await client.manifestExists(`${target}:v1`)).toBe(false);
    expect(await client.manifestExists(`${target}@${present.manifest.digest}`)).toBe(false);
    expect(await client.blobExists(target, present.config.digest)).toBe(false);

    const skipped = await client.pushManifestList({ image: `${target}:v1`, manifests, ignoreMissing: true });
    expect(skipped.skipped).toEqual([missingTag, missingRepo, missingDigest]);
    expect(documentOf(skipped).manifests.map((m) => m.digest)).toEqual([present.manifest.digest]);
    expect(await client.manifestExists(`${target}:v1`)).toBe(true);

    const none = await client.pushManifestList({ image: `${target}:v2`, manifests: [{ image: missingTag }, { image: missingRepo }], ignoreMissing: true }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(MissingChildrenError);
    expect(await client.manifestExists(`${target}:v2`)).toBe(false);
  });

  it('refuses a spec platform that contradicts the image config, naming the child, before writing', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: `contradiction ${name}\n` });
    const ref = await pushImage(client, repo('contra-src'), image, 'v1');
    const target = repo('contra');
    const failure = await client
      .pushManifestList({ image: `${target}:v1`, manifests: [{ image: ref, platform: { os: 'linux', architecture: 'arm64' } }] })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as Error).message).toContain(ref);
    expect((failure as Error).message).toMatch(/architecture "arm64" but the image config says "amd64"/);
    expect(await client.manifestExists(`${target}@${image.manifest.digest}`)).toBe(false);

    const agreeing = await client.pushManifestList({ image: `${target}:v1`, manifests: [{ image: ref, platform: { os: 'linux', architecture: 'x86_64', features: ['sse4'] } }] });
    expect(documentOf(agreeing).manifests[0]?.platform).toEqual({ architecture: 'amd64', os: 'linux', features: ['sse4'] });
  });

  it('rejects a malformed target reference with InvalidReferenceError', async () => {
    await expect(client.pushManifestList({ image: `${registry.host}/UPPER:1`, manifests: [{ image: `${registry.host}/a:1` }] })).rejects.toBeInstanceOf(
      InvalidReferenceError,
    );
  });

  it('pushes to a digest-only target, and gives the pinned golden digest for a known spec', async () => {
    const golden = [
      buildImage({ os: 'linux', architecture: 'amd64', content: 'golden\n' }),
      buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', content: 'golden\n' }),
      buildImage({ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1234', content: 'golden\n' }),
    ];
    const source = repo('golden');
    const refs = [];
    for (const [i, image] of golden.entries()) refs.push(await pushImage(client, source, image, `p${i}`));
    const spec: ManifestListSpec = { image: `${source}:golden`, manifests: refs.map((image) => ({ image })), annotations: { 'org.opencontainers.image.title': 'golden' } };

    const result = await pushManifestList(contextOf(client), spec);

    expect(result.bytes.toString('utf8')).toBe(GOLDEN_JSON);
    expect(result.digest).toBe(GOLDEN_DIGEST);
    const digestTarget = repo('golden-digest');
    const byDigest = await client.pushManifestList({ ...spec, image: `${digestTarget}@${GOLDEN_DIGEST}` });
    expect(byDigest.tags).toEqual([]);
    expect((await client.getManifest(`${digestTarget}@${GOLDEN_DIGEST}`)).bytes.equals(result.bytes)).toBe(true);
    await expect(client.pushManifestList({ ...spec, image: `${digestTarget}@${digestOf('another index')}` })).rejects.toBeInstanceOf(DigestMismatchError);
  });
});

/**
 * The index for the golden spec: the three children of buildImage with content 'golden\n' (linux/amd64,
 * linux/arm64/v8, windows/amd64:10.0.17763.1234) and one index annotation. Compact JSON, keys in
 * the composer's fixed order, entries in spec order. Checked by eye. A change in how indexes are
 * serialised would change the digest of every list users push from the same spec; this catches it.
 */
const GOLDEN_JSON =
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[' +
  '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3e78bbcf29de345c36c9147585de196314af3b37d8ca656e95d07eb054fea5d1","size":401,"platform":{"architecture":"amd64","os":"linux"}},' +
  '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:174e1994c3606137f2d8aac2993f29a6551b616f865f4d810f63fd254c5760bc","size":401,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},' +
  '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:6f549d78ac2e0ba19976b1ae7f671841f955ec1a9aa165a88aefa2d1ae3cffa4","size":401,"platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1234"}}' +
  '],"annotations":{"org.opencontainers.image.title":"golden"}}';
const GOLDEN_DIGEST = 'sha256:7215f55ac39ab9f7cc0d5121a2a081a94ee9a067f51196a1d4ad753d55d7f863';
