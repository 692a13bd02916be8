import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chooseIndexFormat, composeIndex, type IndexEntry } from '../../src/manifest-list/compose.js';
import { digestOf, type Digest } from '../../src/oci/digest.js';
import { InvalidDigestError, UnsupportedMediaTypeError, ValidationError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { Platform } from '../../src/oci/schemas.js';

const d = (name: string): Digest => digestOf(name);

function oci(name: string, platform?: Platform, size = 500): IndexEntry {
  return { descriptor: { mediaType: MediaType.OciManifest, digest: d(name), size }, ...(platform ? { platform } : {}) };
}

function docker(name: string, platform?: Platform, size = 500): IndexEntry {
  return { descriptor: { mediaType: MediaType.DockerManifest, digest: d(name), size }, ...(platform ? { platform } : {}) };
}

function attestationFor(name: string, image: Digest): IndexEntry {
  return {
    descriptor: {
      mediaType: MediaType.OciManifest,
      digest: d(name),
      size: 840,
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': image },
    },
  };
}

const amd64: Platform = { architecture: 'amd64', os: 'linux' };
const arm64: Platform = { architecture: 'arm64', os: 'linux', variant: 'v8' };

/** The error thrown by `run`, which must throw. */
function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('composeIndex: output', () => {
  it('writes compact JSON with a fixed key order, and the digest of exactly those bytes', () => {
    const result = composeIndex([oci('amd64', amd64, 100), oci('arm64', { os: 'linux', architecture: 'aarch64' }, 200)]);
    const text = result.bytes.toString('utf8');
    expect(text).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[' +
        `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${d('amd64')}","size":100,"platform":{"architecture":"amd64","os":"linux"}},` +
        `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${d('arm64')}","size":200,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}` +
        ']}',
    );
    expect(text.endsWith('\n')).toBe(false);
    const expected = `sha256:${createHash('sha256').update(result.bytes).digest('hex')}`;
    expect(result.digest).toBe(expected);
    expect(result.size).toBe(result.bytes.length);
    expect(result.mediaType).toBe(MediaType.OciIndex);
    expect(result.descriptor).toStrictEqual({ mediaType: MediaType.OciIndex, digest: expected, size: result.bytes.length });
    expect(result.index).toStrictEqual(JSON.parse(text));
  });

  it('matches a pinned golden digest', () => {
    const result = composeIndex(
      [
        docker('golden-amd64', { os: 'linux', architecture: 'amd64' }, 1234),
        docker('golden-arm64', { os: 'linux', architecture: 'arm64' }, 1235),
        docker('golden-armv7', { os: 'linux', architecture: 'arm', variant: 'v7' }, 1236),
      ],
      {},
    );
    expect(result.mediaType).toBe(MediaType.DockerManifestList);
    expect(result.size).toBe(GOLDEN_SIZE);
    expect(result.digest).toBe(GOLDEN_DIGEST);
  });

  it('is deterministic regardless of the key order of its input', () => {
    const entries: IndexEntry[] = [
      {
        descriptor: { mediaType: MediaType.OciManifest, digest: d('a'), size: 10 },
        platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234', 'os.features': ['win32k'] },
        annotations: { 'org.example.b': '2', 'org.example.a': '1' },
      },
      oci('b', arm64),
    ];
    const shuffled: IndexEntry[] = [
      {
        annotations: { 'org.example.a': '1', 'org.example.b': '2' },
        platform: { 'os.features': ['win32k'], 'os.version': '10.0.17763.1234', architecture: 'amd64', os: 'windows' },
        descriptor: { size: 10, digest: d('a'), mediaType: MediaType.OciManifest },
      },
      { descriptor: { size: 500, mediaType: MediaType.OciManifest, digest: d('b') }, platform: { variant: 'v8', os: 'linux', architecture: 'arm64' } },
    ];
    const first = composeIndex(entries, { annotations: { 'z.key': 'z', 'a.key': 'a' } });
    const second = composeIndex(shuffled, { annotations: { 'a.key': 'a', 'z.key': 'z' } });
    const again = composeIndex(entries, { annotations: { 'z.key': 'z', 'a.key': 'a' } });
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(again.bytes.equals(first.bytes)).toBe(true);
    expect(second.digest).toBe(first.digest);
    const text = first.bytes.toString('utf8');
    expect(text.indexOf('"a.key"')).toBeLessThan(text.indexOf('"z.key"'));
    expect(text.indexOf('"org.example.a"')).toBeLessThan(text.indexOf('"org.example.b"'));
    expect(Object.keys(first.index)).toEqual(['schemaVersion', 'mediaType', 'manifests', 'annotations']);
    expect(Object.keys(first.index.manifests[0] ?? {})).toEqual(['mediaType', 'digest', 'size', 'platform', 'annotations']);
    expect(Object.keys(first.index.manifests[0]?.platform ?? {})).toEqual(['architecture', 'os', 'os.version', 'os.features']);
  });

  it('keeps entries in the order given', () => {
    const order = ['s390x', 'amd64', 'ppc64le', 'arm64'];
    const result = composeIndex(order.map((arch) => oci(arch, { os: 'linux', architecture: arch })));
    expect(result.index.manifests.map((m) => m.platform?.architecture)).toEqual(order);
  });

  it('writes a Windows child with os.version and os.features', () => {
    const result = composeIndex([
      docker('win', { os: 'Windows', architecture: 'AMD64', 'os.version': '10.0.17763.1234', 'os.features': ['win32k'] }),
      docker('linux', amd64),
    ]);
    expect(result.index.manifests[0]?.platform).toStrictEqual({
      architecture: 'amd64',
      os: 'windows',
      'os.version': '10.0.17763.1234',
      'os.features': ['win32k'],
    });
  });

  it('treats Windows children that differ only in os.version as different platforms', () => {
    const result = composeIndex([
      docker('ltsc2019', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' }),
      docker('ltsc2022', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.1' }),
    ]);
    expect(result.index.manifests).toHaveLength(2);
  });

  it('normalises platforms: aarch64 and arm64 without variant become arm64/v8', () => {
    const result = composeIndex([oci('x', { os: 'linux', architecture: 'aarch64' }), oci('y', { os: 'Linux', architecture: 'x86_64' })]);
    expect(result.index.manifests.map((m) => m.platform)).toStrictEqual([arm64, amd64]);
  });

  it('takes the platform from the descriptor when the entry has none, and prefers the entry platform', () => {
    const fromDescriptor = composeIndex([{ descriptor: { mediaType: MediaType.OciManifest, digest: d('x'), size: 1, platform: arm64 } }]);
    expect(fromDescriptor.index.manifests[0]?.platform).toStrictEqual(arm64);
    const overridden = composeIndex([
      { descriptor: { mediaType: MediaType.OciManifest, digest: d('x'), size: 1, platform: arm64 }, platform: amd64 },
    ]);
    expect(overridden.index.manifests[0]?.platform).toStrictEqual(amd64);
  });

  it('merges entry annotations over descriptor annotations', () => {
    const result = composeIndex([
      {
        descriptor: { mediaType: MediaType.OciManifest, digest: d('x'), size: 1, platform: amd64, annotations: { a: 'descriptor', b: 'kept' } },
        annotations: { a: 'entry' },
      },
    ]);
    expect(result.index.manifests[0]?.annotations).toStrictEqual({ a: 'entry', b: 'kept' });
  });

  it('drops fields other than mediaType, digest, size, artifactType, platform and annotations', () => {
    const result = composeIndex([
      {
        descriptor: {
          mediaType: MediaType.OciManifest,
          digest: d('x'),
          size: 1,
          urls: ['https://example.com/x'],
          data: 'e30=',
          platform: amd64,
        },
      },
    ]);
    expect(result.index.manifests[0]).toStrictEqual({ mediaType: MediaType.OciManifest, digest: d('x'), size: 1, platform: amd64 });
  });

  it('omits empty annotation objects', () => {
    const result = composeIndex([{ ...oci('x', amd64), annotations: {} }], { annotations: {} });
    expect(result.bytes.toString()).not.toContain('annotations');
  });

  it('accepts size 0', () => {
    expect(composeIndex([oci('x', amd64, 0)]).index.manifests[0]?.size).toBe(0);
  });
});

describe('composeIndex: attestations', () => {
  it('keeps attestation entries verbatim next to their image', () => {
    const entries = [oci('amd64', amd64), attestationFor('att-amd64', d('amd64')), oci('arm64', arm64), attestationFor('att-arm64', d('arm64'))];
    const result = composeIndex(entries);
    expect(result.mediaType).toBe(MediaType.OciIndex);
    expect(result.index.manifests.map((m) => m.digest)).toEqual([d('amd64'), d('att-amd64'), d('arm64'), d('att-arm64')]);
    expect(result.index.manifests[1]).toStrictEqual({
      mediaType: MediaType.OciManifest,
      digest: d('att-amd64'),
      size: 840,
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.digest': d('amd64'), 'vnd.docker.reference.type': 'attestation-manifest' },
    });
  });

  it('does not count several attestations as duplicate platforms', () => {
    expect(() =>
      composeIndex([oci('a', amd64), oci('b', arm64), attestationFor('att-a', d('a')), attestationFor('att-b', d('b'))]),
    ).not.toThrow();
  });

  it('recognises an attestation by its annotation even when it records a real platform', () => {
    const byAnnotation = { ...attestationFor('att-a', d('a')), platform: amd64 };
    const composed = composeIndex([oci('a', amd64), byAnnotation]);
    expect(composed.index.manifests).toHaveLength(2);
    expect(composed.index.manifests[1]?.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
  });

  it('rejects an attestation whose image is not in the index', () => {
    const error = errorOf(() => composeIndex([oci('a', amd64), attestationFor('att-missing', d('missing'))]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('att-missing'));
    expect(error.message).toContain(d('missing'));
  });

  it('rejects an attestation without a reference digest', () => {
    const entry = attestationFor('att', d('a'));
    delete entry.descriptor.annotations?.['vnd.docker.reference.digest'];
    expect(() => composeIndex([oci('a', amd64), entry])).toThrow(/refers to no image/);
  });

  it('needs an OCI index: Docker children with attestations are refused, naming them', () => {
    const error = errorOf(() => composeIndex([docker('a', amd64), attestationFor('att', d('a'))]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('a'));
  });
});

describe('chooseIndexFormat', () => {
  it('picks a Docker manifest list for Docker children', () => {
    expect(chooseIndexFormat([docker('a', amd64), docker('b', arm64)], {})).toBe('docker');
    expect(composeIndex([docker('a', amd64)]).index).toStrictEqual({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifestList,
      manifests: [{ mediaType: MediaType.DockerManifest, digest: d('a'), size: 500, platform: amd64 }],
    });
  });

  it('picks an OCI index for OCI children', () => {
    expect(chooseIndexFormat([oci('a', amd64), oci('b', arm64)], {})).toBe('oci');
    expect(chooseIndexFormat([oci('a', amd64), { descriptor: { mediaType: MediaType.OciIndex, digest: d('n'), size: 3 }, platform: arm64 }])).toBe(
      'oci',
    );
  });

  it('follows options.mediaType when the children fit', () => {
    expect(chooseIndexFormat([oci('a', amd64)], { mediaType: 'oci' })).toBe('oci');
    expect(chooseIndexFormat([docker('a', amd64)], { mediaType: 'docker' })).toBe('docker');
  });

  it('rejects an unknown forced format', () => {
    expect(() => chooseIndexFormat([oci('a', amd64)], { mediaType: 'v2' as 'oci' })).toThrow(/invalid index mediaType "v2"/);
  });

  it('rejects mixed children, naming them and suggesting mediaType', () => {
    const error = errorOf(() => composeIndex([oci('o', amd64), docker('k', arm64)]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('o'));
    expect(error.message).toContain(d('k'));
    expect(error.message).toContain('mediaType');
  });

  it('rejects an OCI child in a forced Docker list, naming it', () => {
    const error = errorOf(() => composeIndex([docker('k', amd64), oci('o', arm64)], { mediaType: 'docker' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('o'));
    expect(error.message).not.toContain(d('k'));
  });

  it('rejects a Docker child in a forced OCI index, naming it', () => {
    const error = errorOf(() => composeIndex([oci('o', amd64), docker('k', arm64)], { mediaType: 'oci' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('k'));
    expect(error.message).not.toContain(d('o'));
  });

  it('rejects annotations in a forced Docker list', () => {
    expect(() => composeIndex([docker('a', amd64)], { mediaType: 'docker', annotations: { a: 'b' } })).toThrow(/cannot carry annotations/);
    const error = errorOf(() => composeIndex([{ ...docker('a', amd64), annotations: { a: 'b' } }], { mediaType: 'docker' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('a'));
  });

  it('chooses OCI when annotations are present, and then refuses Docker children', () => {
    expect(chooseIndexFormat([oci('a', amd64)], { annotations: { 'org.opencontainers.image.source': 'x' } })).toBe('oci');
    const error = errorOf(() => composeIndex([docker('a', amd64)], { annotations: { k: 'v' } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('annotations');
    expect(error.message).toContain(d('a'));
  });

  it('writes index-level annotations in an OCI index', () => {
    const result = composeIndex([oci('a', amd64)], { annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' } });
    expect(result.index).toMatchObject({ annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' } });
  });

  it('allows artifact children in an OCI index as they are', () => {
    const artifact: IndexEntry = {
      descriptor: { mediaType: 'application/vnd.example.thing.v1+json', digest: d('art'), size: 5, artifactType: 'application/vnd.example.sbom' },
      platform: amd64,
    };
    const result = composeIndex([artifact]);
    expect(result.mediaType).toBe(MediaType.OciIndex);
    expect(result.index.manifests[0]).toStrictEqual({
      mediaType: 'application/vnd.example.thing.v1+json',
      digest: d('art'),
      size: 5,
      artifactType: 'application/vnd.example.sbom',
      platform: amd64,
    });
    expect(() => composeIndex([artifact, docker('k', arm64)])).toThrow(ValidationError);
  });

  it('refuses Docker schema1 children', () => {
    const error = errorOf(() =>
      composeIndex([{ descriptor: { mediaType: MediaType.DockerSchema1Signed, digest: d('s1'), size: 1 }, platform: amd64 }]),
    );
    expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    expect(error.message).toContain(d('s1'));
  });
});

describe('composeIndex: several variants of one platform', () => {
  const zstd = { 'io.github.containers.compression.zstd': 'true' };

  it('keeps a gzip image and its zstd sibling for the same platform, in the order given', () => {
    const result = composeIndex([oci('gzip', amd64), { ...oci('zstd', amd64), annotations: zstd }, oci('arm', arm64)]);
    expect(result.index.manifests.map((m) => m.digest)).toEqual([d('gzip'), d('zstd'), d('arm')]);
    expect(result.index.manifests[1]?.annotations).toEqual(zstd);
    expect(result.index.manifests[0]?.annotations).toBeUndefined();
  });

  it('accepts entries of one platform that differ in features or os.features', () => {
    const result = composeIndex([
      oci('plain', amd64),
      oci('sse4', { ...amd64, features: ['sse4'] }),
      oci('win32k', { os: 'windows', architecture: 'amd64', 'os.features': ['win32k'] }),
      oci('windows', { os: 'windows', architecture: 'amd64' }),
    ]);
    expect(result.index.manifests).toHaveLength(4);
  });

  it('still rejects two zstd entries, or two plain entries, of the same platform', () => {
    const twoZstd = errorOf(() => composeIndex([oci('gzip', amd64), { ...oci('z1', amd64), annotations: zstd }, { ...oci('z2', amd64), annotations: zstd }]));
    expect(twoZstd).toBeInstanceOf(ValidationError);
    expect(twoZstd.message).toContain(d('z2'));
    expect(twoZstd.message).not.toContain(d('gzip'));
    const zstdFalse = errorOf(() => composeIndex([oci('a', amd64), { ...oci('b', amd64), annotations: { 'io.github.containers.compression.zstd': 'false' } }]));
    expect(zstdFalse.message).toContain('more than one child for the same platform');
  });

  it('treats features as a set: the same features in another order are a duplicate', () => {
    const error = errorOf(() => composeIndex([oci('a', { ...amd64, features: ['x', 'y'] }), oci('b', { ...amd64, features: ['y', 'x'] })]));
    expect(error).toBeInstanceOf(ValidationError);
  });
});

describe('composeIndex: invalid input', () => {
  it('rejects an empty list', () => {
    expect(() => composeIndex([])).toThrow(ValidationError);
    expect(() => chooseIndexFormat([], {})).toThrow(/empty/);
  });

  it('rejects duplicate platforms, listing them', () => {
    const error = errorOf(() =>
      composeIndex([oci('a', amd64), oci('b', { os: 'linux', architecture: 'aarch64' }), oci('c', { os: 'linux', architecture: 'arm64', variant: 'v8' })]),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('linux/arm64/v8');
    expect(error.message).toContain(d('b'));
    expect(error.message).toContain(d('c'));
    expect(error.message).not.toContain(d('a'));
  });

  it('rejects the same digest twice', () => {
    const error = errorOf(() => composeIndex([oci('a', amd64), oci('a', arm64)]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('a'));
  });

  it('rejects a child without a platform, naming it', () => {
    const error = errorOf(() => composeIndex([oci('a')]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('a'));
    expect(error.message).toContain('platform');
  });

  it('rejects a platform without architecture, naming the child', () => {
    const error = errorOf(() => composeIndex([oci('a', { os: 'linux' } as Platform)]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('a'));
    expect(error.message).toContain('architecture');
  });

  it('rejects invalid digests', () => {
    const entry = (digest: string): IndexEntry => ({ descriptor: { mediaType: MediaType.OciManifest, digest, size: 1 }, platform: amd64 });
    expect(() => composeIndex([entry('sha256:abc')])).toThrow(InvalidDigestError);
    expect(() => composeIndex([entry(`md5:${'0'.repeat(32)}`)])).toThrow(InvalidDigestError);
    expect(() => composeIndex([entry(`sha256:${'A'.repeat(64)}`)])).toThrow(InvalidDigestError);
    expect(() => composeIndex([{ descriptor: { mediaType: MediaType.OciManifest, size: 1 } as never, platform: amd64 }])).toThrow(
      /child #1: descriptor has no digest/,
    );
  });

  it.each([-1, 1.5, Number.NaN, '10', undefined, 2 ** 60])('rejects size %j', (size) => {
    const error = errorOf(() =>
      composeIndex([{ descriptor: { mediaType: MediaType.OciManifest, digest: d('a'), size: size as number }, platform: amd64 }]),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(d('a'));
    expect(error.message).toContain('size');
  });

  it('rejects a missing or malformed mediaType, naming the child', () => {
    const missing = errorOf(() => composeIndex([{ descriptor: { digest: d('a'), size: 1 } as never, platform: amd64 }]));
    expect(missing).toBeInstanceOf(ValidationError);
    expect(missing.message).toContain(d('a'));
    expect(() => composeIndex([{ descriptor: { mediaType: 'not a type', digest: d('a'), size: 1 }, platform: amd64 }])).toThrow(
      /invalid mediaType/,
    );
  });

  it('rejects non-string annotation values', () => {
    expect(() => composeIndex([{ ...oci('a', amd64), annotations: { n: 1 as unknown as string } }])).toThrow(/annotation "n" must be a string/);
    expect(() => composeIndex([oci('a', amd64)], { annotations: { n: null as unknown as string } })).toThrow(ValidationError);
  });

  it('rejects entries with no descriptor', () => {
    expect(() => composeIndex([{} as IndexEntry])).toThrow(/child #1: needs a descriptor/);
  });
});

// Computed once from the input above and checked by eye:
// {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
//  {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:c26e5873…","size":1234,"platform":{"architecture":"amd64","os":"linux"}},
//  {…"digest":"sha256:4e83c833…","size":1235,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
//  {…"digest":"sha256:cb086a6a…","size":1236,"platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}
const GOLDEN_SIZE = 772;
const GOLDEN_DIGEST = 'sha256:7a55a18d4b6e2472e5eb0fe248dc03259619043164f125f72e5f7e9938188a1b';
