/** The pure referrers rules of src/oci/referrers.ts: the fallback tag's name, a referrer's entry, adding it to an index. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { parseManifest, type OciImageIndex } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { validateTag } from '../../src/oci/reference.js';
import { emptyReferrersIndex, hasSubject, referrerDescriptor, referrersTag, withReferrer } from '../../src/oci/referrers.js';
import { referrersTag as publicReferrersTag } from '../../src/oci/index.js';

const SBOM = 'application/vnd.example.sbom.v1+json';
const sha256 = (text: string) => digestOf(Buffer.from(text));
const manifestOf = (doc: object) => parseManifest(Buffer.from(JSON.stringify(doc)), undefined, 'test');

describe('referrersTag', () => {
  it('joins algorithm and encoded part with "-", truncated to 32 and 64 characters (distribution-spec examples)', () => {
    expect(referrersTag(`sha256:${'a'.repeat(64)}`)).toBe(`sha256-${'a'.repeat(64)}`);
    expect(referrersTag(`sha512:${'a'.repeat(128)}`)).toBe(`sha512-${'a'.repeat(64)}`);
    expect(
      referrersTag(
        'test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation',
      ),
    ).toBe('test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot');
  });

  it('is a valid tag for any digest the grammar allows', () => {
    const component = fc.stringMatching(/^[a-z0-9]{1,12}$/);
    const algorithm = fc
      .tuple(component, fc.array(fc.tuple(fc.constantFrom('+', '.', '_', '-'), component), { maxLength: 6 }))
      .map(([first, rest]) => first + rest.map(([sep, part]) => sep + part).join(''));
    const encoded = fc.stringMatching(/^[a-zA-Z0-9=_-]{1,150}$/);
    fc.assert(
      fc.property(algorithm, encoded, (alg, enc) => {
        const tag = referrersTag(`${alg}:${enc}`);
        expect(validateTag(tag)).toBe(tag);
        expect(tag.length).toBeLessThanOrEqual(32 + 1 + 64);
      }),
    );
  });

  it('is exported from the package entry point', () => {
    expect(publicReferrersTag).toBe(referrersTag);
  });
});

describe('referrerDescriptor', () => {
  const pushed = { mediaType: MediaType.OciManifest, digest: sha256('pushed'), size: 123 };
  const config = { mediaType: 'application/vnd.example.config.v1+json', digest: sha256('c'), size: 1 };

  it("takes the manifest's artifactType and copies its annotations", () => {
    const manifest = manifestOf({ schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: SBOM, config, layers: [], annotations: { 'org.example.k': 'v' } });
    expect(referrerDescriptor(manifest, pushed)).toEqual({ ...pushed, artifactType: SBOM, annotations: { 'org.example.k': 'v' } });
  });

  it("uses the config's mediaType for an image manifest without (or with an empty) artifactType", () => {
    expect(referrerDescriptor(manifestOf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [] }), pushed)).toEqual({
      ...pushed,
      artifactType: config.mediaType,
    });
    expect(referrerDescriptor(manifestOf({ schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: '', config, layers: [] }), pushed)).toEqual({
      ...pushed,
      artifactType: config.mediaType,
    });
  });

  it('gives an index its own artifactType, or none', () => {
    const index = { mediaType: MediaType.OciIndex, digest: sha256('index'), size: 10 };
    expect(referrerDescriptor(manifestOf({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }), index)).toEqual(index);
    expect(referrerDescriptor(manifestOf({ schemaVersion: 2, mediaType: MediaType.OciIndex, artifactType: SBOM, manifests: [] }), index)).toEqual({
      ...index,
      artifactType: SBOM,
    });
  });
});

describe('hasSubject', () => {
  const config = { mediaType: MediaType.OciEmpty, digest: sha256('{}'), size: 2 };
  const subject = { mediaType: MediaType.OciManifest, digest: sha256('subject'), size: 7 };

  it('is true for an OCI manifest or index that names a subject, false otherwise', () => {
    expect(hasSubject(manifestOf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [], subject }))).toBe(true);
    expect(hasSubject(manifestOf({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [], subject }))).toBe(true);
    expect(hasSubject(manifestOf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [] }))).toBe(false);
  });
});

describe('withReferrer', () => {
  const entry = { mediaType: MediaType.OciManifest, digest: sha256('referrer'), size: 42, artifactType: SBOM };
  const other = { mediaType: MediaType.OciManifest, digest: sha256('other'), size: 7 };

  it('appends the entry to an empty index', () => {
    expect(withReferrer(emptyReferrersIndex(), entry)).toEqual({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [entry] });
  });

  it('keeps the entries and other fields already there, and leaves the given index unchanged', () => {
    const index: OciImageIndex = { ...emptyReferrersIndex(), manifests: [other], annotations: { 'org.example.k': 'v' } };
    expect(withReferrer(index, entry)).toEqual({ ...index, manifests: [other, entry] });
    expect(index.manifests).toEqual([other]);
  });

  it('is undefined when an entry with the same digest is listed already, whatever its other fields', () => {
    const index: OciImageIndex = { ...emptyReferrersIndex(), manifests: [{ ...entry, artifactType: 'application/vnd.example.other' }] };
    expect(withReferrer(index, entry)).toBeUndefined();
  });
});
