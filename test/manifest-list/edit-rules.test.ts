import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { editEntries, parseSelectors, serializeEdited, type EditEntry } from '../../src/manifest-list/edit-rules.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { Platform } from '../../src/oci/schemas.js';

const d = (name: string) => digestOf(name);
const amd64: Platform = { architecture: 'amd64', os: 'linux' };
const arm64: Platform = { architecture: 'arm64', os: 'linux', variant: 'v8' };
const s390x: Platform = { architecture: 's390x', os: 'linux' };

/** An entry as another tool wrote it: keys in its own order, kept verbatim. */
function kept(name: string, platform: Platform, annotations?: Record<string, string>): EditEntry {
  const raw = { digest: d(name), mediaType: MediaType.OciManifest, size: 10, platform, ...(annotations ? { annotations } : {}) };
  return { descriptor: { mediaType: MediaType.OciManifest, digest: d(name), size: 10, platform, ...(annotations ? { annotations } : {}) }, kept: raw };
}
const fresh = (name: string, platform: Platform): EditEntry => ({ descriptor: { mediaType: MediaType.OciManifest, digest: d(name), size: 20 }, platform });
const attestation = (name: string, subject: string): EditEntry =>
  kept(name, { architecture: 'unknown', os: 'unknown' }, { 'vnd.docker.reference.digest': d(subject), 'vnd.docker.reference.type': 'attestation-manifest' });
const digests = (entries: EditEntry[]) => entries.map((e) => e.descriptor.digest);

// BuildKit's order: every image, then every attestation.
const buildx = [kept('amd64', amd64), kept('arm64', arm64), kept('s390x', s390x), attestation('att-amd64', 'amd64'), attestation('att-arm64', 'arm64')];

describe('editEntries', () => {
  it('removes an image by platform with its attestation, keeping the rest in order', () => {
    const { entries, removed } = editEntries(buildx, { remove: parseSelectors(['linux/arm64']) });
    expect(digests(entries)).toEqual([d('amd64'), d('s390x'), d('att-amd64')]);
    expect(digests(removed)).toEqual([d('arm64'), d('att-arm64')]);
  });

  it('removes by digest', () => {
    expect(digests(editEntries(buildx, { remove: parseSelectors([d('s390x')]) }).entries)).toEqual(digests(buildx).filter((x) => x !== d('s390x')));
  });

  it('replaces a platform in its place; the old attestation goes, the new one comes with its image', () => {
    const replacement = [fresh('arm64-new', arm64), { ...attestation('att-arm64-new', 'arm64-new'), kept: undefined } as EditEntry];
    const { entries, removed } = editEntries(buildx, { replace: replacement });
    expect(digests(entries)).toEqual([d('amd64'), d('arm64-new'), d('att-arm64-new'), d('s390x'), d('att-amd64')]);
    expect(digests(removed)).toEqual([d('arm64'), d('att-arm64')]);
  });

  it('appends additions; a platform already there is a conflict, a zstd sibling is not', () => {
    expect(digests(editEntries(buildx, { add: [fresh('riscv', { architecture: 'riscv64', os: 'linux' })] }).entries).at(-1)).toBe(d('riscv'));
    expect(() => editEntries(buildx, { add: [fresh('amd64-again', { architecture: 'x86_64', os: 'linux' })] })).toThrow(/already has linux\/amd64 \(sha256:/);
    const zstd = { ...fresh('amd64-zstd', amd64), annotations: { 'io.github.containers.compression.zstd': 'true' } };
    expect(digests(editEntries(buildx, { add: [zstd] }).entries).at(-1)).toBe(d('amd64-zstd'));
  });

  it('names what there is when a removal or replacement matches nothing', () => {
    expect(() => editEntries(buildx, { remove: parseSelectors(['windows/amd64']) })).toThrow(/remove windows\/amd64: no entry of the index matches; it has linux\/amd64/);
    expect(() => editEntries(buildx, { replace: [fresh('ppc', { architecture: 'ppc64le', os: 'linux' })] })).toThrow(ValidationError);
  });
});

describe('serializeEdited', () => {
  it('writes kept entries and unknown document fields with the same fields, values and order, and merges annotations', () => {
    const original = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: buildx.map((e) => e.kept), annotations: { a: '1', gone: 'x' }, 'x-extra': true };
    const { entries } = editEntries(buildx, { remove: parseSelectors(['linux/s390x']), add: [fresh('riscv', { architecture: 'riscv64', os: 'linux' })] });
    const result = serializeEdited(original, entries, { b: '2', gone: null });
    const written = JSON.parse(result.bytes.toString('utf8')) as Record<string, unknown> & { manifests: unknown[] };
    expect(Object.keys(written)).toEqual(['schemaVersion', 'mediaType', 'manifests', 'annotations', 'x-extra']);
    expect(JSON.stringify(written.manifests[0])).toBe(JSON.stringify(buildx[0]?.kept));
    expect(written.manifests[4]).toEqual({ mediaType: MediaType.OciManifest, digest: d('riscv'), size: 20, platform: { architecture: 'riscv64', os: 'linux' } });
    expect(written.annotations).toEqual({ a: '1', b: '2' });
    expect(result.digest).toBe(digestOf(result.bytes));
  });
});
