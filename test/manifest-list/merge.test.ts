import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { ValidationError } from '../../src/errors.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { parseAddressedAnnotations } from '../../src/manifest-list/addressed-annotations.js';
import type { OciImageIndex } from '../../src/oci/manifest.js';

/** createManifestList against two embedded registries: what the target repositories hold afterwards. */

let here: RunningRegistry;
let elsewhere: RunningRegistry;
let client: RegistryClient;
const amd64 = randomImage({ platform: 'linux/amd64', seed: 'merge-amd64' });
const arm64 = randomImage({ platform: 'linux/arm64/v8', seed: 'merge-arm64' });
const s390x = randomImage({ platform: 'linux/s390x', seed: 'merge-s390x' });
const sbom = randomImage({ platform: 'unknown/unknown', seed: 'merge-sbom' });
let sourceIndex: string;

const attestationOf = (digest: string) => ({ 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': digest });

beforeAll(async () => {
  [here, elsewhere] = await Promise.all([startRegistry(), startRegistry()]);
  client = new RegistryClient({ dockerConfig: false });
  await pushImage(client, `${here.host}/src-a@${amd64.manifest.digest}`, amd64);
  await pushImage(client, `${here.host}/src-b@${arm64.manifest.digest}`, arm64);
  await pushImage(client, `${here.host}/src-b@${sbom.manifest.digest}`, sbom);
  await pushImage(client, `${elsewhere.host}/far@${s390x.manifest.digest}`, s390x);
  const index = await client.pushManifestList({
    image: `${here.host}/src-b:multi`,
    manifests: [
      { image: `${here.host}/src-b@${arm64.manifest.digest}` },
      { image: `${here.host}/src-b@${sbom.manifest.digest}`, annotations: attestationOf(arm64.manifest.digest) },
    ],
  });
  sourceIndex = `${here.host}/src-b@${index.digest}`;
});

afterAll(async () => {
  await client?.close();
  await Promise.all([here?.close(), elsewhere?.close()]);
});

describe('createManifestList', () => {
  it('merges images and a flattened index from other repositories and registries into every tag', async () => {
    const result = await client.createManifestList({
      tags: [`${here.host}/app:1.0`, `${here.host}/app:latest`, `${elsewhere.host}/mirror:1.0`],
      sources: [`${here.host}/src-a@${amd64.manifest.digest}`, sourceIndex, `${elsewhere.host}/far@${s390x.manifest.digest}`],
      annotations: ['index:org.opencontainers.image.version=1.0', 'plain=on-index', 'manifest-descriptor[linux/amd64]:note=fast'],
    });
    const expected = [amd64.manifest.digest, arm64.manifest.digest, sbom.manifest.digest, s390x.manifest.digest];
    expect(result.children.map((c) => c.digest)).toEqual(expected);
    expect(result.children.map((c) => c.attestation)).toEqual([false, false, true, false]);
    for (const tag of [`${here.host}/app:1.0`, `${here.host}/app:latest`, `${elsewhere.host}/mirror:1.0`]) {
      const stored = await client.getManifest(tag);
      expect(stored.descriptor.digest).toBe(result.digest);
      expect(stored.bytes.equals(result.bytes)).toBe(true);
    }
    const index = (await client.getManifest(`${here.host}/app:1.0`)).manifest as OciImageIndex;
    expect(index.annotations).toEqual({ 'org.opencontainers.image.version': '1.0', plain: 'on-index' });
    expect(index.manifests[0]?.annotations).toEqual({ note: 'fast' });
    expect(index.manifests[1]?.annotations).toBeUndefined();
    // Every child and blob is now in both target repositories: a pull by digest works there.
    for (const digest of expected) {
      expect(await client.manifestExists(`${here.host}/app@${digest}`)).toBe(true);
      expect(await client.manifestExists(`${elsewhere.host}/mirror@${digest}`)).toBe(true);
    }
    expect(await client.blobExists(`${elsewhere.host}/mirror`, arm64.layers[0]!.digest)).toBe(true);
  });

  it('keeps only the platforms asked for, with their attestations, and writes nothing on a dry run', async () => {
    const before = here.stats.byRoute['PUT manifest'] ?? 0;
    const result = await client.createManifestList({
      tags: [`${here.host}/app:arm-only`],
      sources: [`${here.host}/src-a@${amd64.manifest.digest}`, sourceIndex],
      platforms: ['linux/arm64'],
      dryRun: true,
    });
    expect(result.children.map((c) => c.digest)).toEqual([arm64.manifest.digest, sbom.manifest.digest]);
    expect(result.dryRun).toBe(true);
    expect(here.stats.byRoute['PUT manifest'] ?? 0).toBe(before);
    expect(await client.manifestExists(`${here.host}/app:arm-only`)).toBe(false);
  });

  it('appends to the index already at the first tag, keeping its entries and annotations first', async () => {
    await client.createManifestList({ tags: [`${here.host}/grow:1`], sources: [`${here.host}/src-a@${amd64.manifest.digest}`], annotations: { keep: 'me' } });
    const result = await client.createManifestList({ tags: [`${here.host}/grow:1`], sources: [`${elsewhere.host}/far@${s390x.manifest.digest}`], append: true });
    expect(result.children.map((c) => c.digest)).toEqual([amd64.manifest.digest, s390x.manifest.digest]);
    expect((result.index as OciImageIndex).annotations).toEqual({ keep: 'me' });
  });

  it('reads a bare digest as that digest in the first tag\'s repository, as buildx imagetools create does', async () => {
    await pushImage(client, `${here.host}/by-digest@${amd64.manifest.digest}`, amd64);
    await pushImage(client, `${here.host}/by-digest@${arm64.manifest.digest}`, arm64);
    const result = await client.createManifestList({
      tags: [`${here.host}/by-digest:1.0`],
      sources: [amd64.manifest.digest, arm64.manifest.digest],
    });
    expect(result.children.map((c) => c.digest)).toEqual([amd64.manifest.digest, arm64.manifest.digest]);
    expect((await client.getManifest(`${here.host}/by-digest:1.0`)).descriptor.digest).toBe(result.digest);
    await expect(client.createManifestList({ tags: [`${here.host}/by-digest:2`], sources: ['sha256:1234'] })).rejects.toThrow(
      /sources\[0\]: sha256:1234 is not a digest/,
    );
  });

  it('rejects a platform that is in two sources, and annotations it cannot place, before writing', async () => {
    await expect(
      client.createManifestList({ tags: [`${here.host}/app:dup`], sources: [`${here.host}/src-a@${amd64.manifest.digest}`, `${here.host}/src-a@${amd64.manifest.digest}`] }),
    ).rejects.toThrow(/more than once/);
    await expect(client.createManifestList({ tags: [`${here.host}/app:x`], sources: [sourceIndex], annotations: ['manifest:a=b'] })).rejects.toThrow(/"manifest:" has nowhere to go/);
    await expect(client.createManifestList({ tags: [`${here.host}/app:x`], sources: [sourceIndex], bogus: 1 } as never)).rejects.toThrow(/unknown option "bogus"/);
    expect(await client.manifestExists(`${here.host}/app:dup`)).toBe(false);
  });
});

describe('parseAddressedAnnotations', () => {
  it('sorts lines by where they go, keeping colons and equals signs inside values', () => {
    const parsed = parseAddressedAnnotations(['a=b', 'index:c=d=e', 'manifest-descriptor[linux/arm64,linux/amd64]:f=g:h', 'x:y=z']);
    expect(parsed.index).toEqual({ a: 'b', c: 'd=e', 'x:y': 'z' });
    expect(parsed.descriptors).toEqual([{ key: 'f', value: 'g:h', platforms: [{ architecture: 'arm64', os: 'linux', variant: 'v8' }, { architecture: 'amd64', os: 'linux' }] }]);
  });

  it('refuses index-descriptor, a line without a key, and platforms on the index', () => {
    expect(() => parseAddressedAnnotations(['index-descriptor:a=b'])).toThrow(/no descriptor of an index/);
    expect(() => parseAddressedAnnotations(['=b'])).toThrow(ValidationError);
    expect(() => parseAddressedAnnotations(['index[linux/amd64]:a=b'])).toThrow(/take no platforms/);
  });
});
