/**
 * The referrers fallback tag (distribution-spec "Pushing Manifests with Subject"): what a push
 * of a manifest with `subject` writes to `<alg>-<hex>` when the registry does not answer
 * `OCI-Subject`, and what it leaves alone. Every request goes through a MockAgent.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryError, SchemaError } from '../../src/errors.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { validateTag } from '../../src/oci/reference.js';
import { referrerDescriptor, referrersTag } from '../../src/remote/referrers.js';
import { referrersTag as publicReferrersTag } from '../../src/oci/index.js';
import { MockRegistry, errorReply, manifestReply, ociManifest, rejection, sha256, type Reply, type SeenRequest } from '../helpers/mock-registry.js';

const EMPTY = Buffer.from('{}');
const SBOM = 'application/vnd.example.sbom.v1+json';
const SIGNATURE = 'application/vnd.example.signature.v1';

/** An artifact manifest (empty config, one empty layer) that refers to `subject`. */
function artifact(subject: { digest: string; bytes: Buffer }, fields: Record<string, unknown> = {}): { bytes: Buffer; digest: `sha256:${string}`; mediaType: string } {
  const empty = { mediaType: MediaType.OciEmpty, digest: sha256(EMPTY), size: EMPTY.length };
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: SBOM,
    config: empty,
    layers: [empty],
    subject: { mediaType: MediaType.OciManifest, digest: subject.digest, size: subject.bytes.length },
    ...fields,
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { bytes, digest: sha256(bytes), mediaType: MediaType.OciManifest };
}

const subject = ociManifest('subject');
const TAG = `sha256-${subject.digest.slice('sha256:'.length)}`;
const TAG_PATH = `/v2/app/manifests/${TAG}`;
const refOf = (m: { digest: string }) => `registry.test/app@${m.digest}`;
const putPath = (m: { digest: string }) => `/v2/app/manifests/${m.digest}`;

/** What the registry's PUT answers: its digest, with or without `OCI-Subject`. */
function accepted(m: { digest: string }, ociSubject?: string): Reply {
  return { status: 201, headers: { 'docker-content-digest': m.digest, ...(ociSubject ? { 'oci-subject': ociSubject } : {}) } };
}

function indexSent(req: SeenRequest | undefined): { mediaType?: string; manifests: Array<Record<string, unknown>>; annotations?: Record<string, string> } {
  if (!req || !Buffer.isBuffer(req.body)) throw new Error('expected a PUT with a body');
  return JSON.parse(req.body.toString('utf8')) as ReturnType<typeof indexSent>;
}

/**
 * A registry without the referrers API that keeps what is PUT to the fallback tag and serves it
 * back, so that concurrent pushes really read what earlier ones wrote. `getDelayMs` holds each
 * GET of the tag back, widening any window in which two updates could interleave.
 */
function statefulFallbackTag(mock: MockRegistry, getDelayMs?: number): { stored(): Buffer | undefined } {
  let stored: Buffer | undefined;
  mock.on(
    'GET',
    TAG_PATH,
    () => (stored ? manifestReply({ bytes: stored, digest: sha256(stored), mediaType: MediaType.OciIndex }) : errorReply(404, 'MANIFEST_UNKNOWN')),
    { persist: true, delayMs: getDelayMs },
  );
  mock.on(
    'PUT',
    TAG_PATH,
    (req) => {
      stored = req.body as Buffer;
      return accepted({ digest: sha256(stored) });
    },
    { persist: true },
  );
  return { stored: () => stored };
}

let mock: MockRegistry;
beforeEach(() => {
  mock = new MockRegistry();
});
afterEach(async () => {
  await mock.close();
});

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
  const manifestOf = (doc: object) => parseManifest(Buffer.from(JSON.stringify(doc)), undefined, 'test');
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

describe('putManifest with a subject, registry without OCI-Subject', () => {
  it('starts an empty OCI index at <alg>-<hex> when the tag is absent, holding the new descriptor', async () => {
    const sbom = artifact(subject, { annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' } });
    mock.on('PUT', putPath(sbom), accepted(sbom));
    mock.on('GET', TAG_PATH, errorReply(404, 'MANIFEST_UNKNOWN'));
    mock.on('PUT', TAG_PATH, { status: 201 });
    const client = mock.client();

    const written = await client.putManifest(refOf(sbom), sbom.bytes);

    expect(written).toEqual({ mediaType: MediaType.OciManifest, digest: sbom.digest, size: sbom.bytes.length });
    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${putPath(sbom)}`, `GET ${TAG_PATH}`, `PUT ${TAG_PATH}`]);
    const [put] = mock.filter('PUT', TAG_PATH);
    expect(put?.headers['content-type']).toBe(MediaType.OciIndex);
    expect(indexSent(put)).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [
        {
          mediaType: MediaType.OciManifest,
          digest: sbom.digest,
          size: sbom.bytes.length,
          artifactType: SBOM,
          annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
        },
      ],
    });
    expect(mock.pending()).toBe(0);
  });

  it('appends to an existing index, keeping its entries and other fields', async () => {
    const first = { mediaType: MediaType.OciManifest, digest: sha256('first referrer'), size: 300, artifactType: SIGNATURE };
    const existing = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [first], annotations: { 'org.example.kept': 'yes' } }),
    );
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom));
    mock.on('GET', TAG_PATH, manifestReply({ bytes: existing, digest: sha256(existing), mediaType: MediaType.OciIndex }));
    mock.on('PUT', TAG_PATH, { status: 201 });

    await mock.client().putManifest(refOf(sbom), sbom.bytes);

    const sent = indexSent(mock.filter('PUT', TAG_PATH)[0]);
    expect(sent.manifests).toEqual([first, { mediaType: MediaType.OciManifest, digest: sbom.digest, size: sbom.bytes.length, artifactType: SBOM }]);
    expect(sent.annotations).toEqual({ 'org.example.kept': 'yes' });
  });

  it('writes nothing to the tag when the manifest is listed there already', async () => {
    const sbom = artifact(subject);
    const existing = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: sbom.digest, size: sbom.bytes.length }] }),
    );
    mock.on('PUT', putPath(sbom), accepted(sbom));
    mock.on('GET', TAG_PATH, manifestReply({ bytes: existing, digest: sha256(existing), mediaType: MediaType.OciIndex }));

    await mock.client().putManifest(refOf(sbom), sbom.bytes);

    expect(mock.count('GET', TAG_PATH)).toBe(1);
    expect(mock.count('PUT', TAG_PATH)).toBe(0);
  });

  it('maintains the tag in the repository the manifest was pushed to, also when pushed by tag', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', '/v2/team/sboms/manifests/latest', accepted(sbom));
    mock.on('GET', `/v2/team/sboms/manifests/${TAG}`, errorReply(404, 'MANIFEST_UNKNOWN'));
    mock.on('PUT', `/v2/team/sboms/manifests/${TAG}`, { status: 201 });

    await mock.client().putManifest('registry.test/team/sboms:latest', sbom.bytes);

    expect(indexSent(mock.filter('PUT', `/v2/team/sboms/manifests/${TAG}`)[0]).manifests.map((d) => d['digest'])).toEqual([sbom.digest]);
  });

  it('refuses to overwrite a tag that holds something other than an OCI index, saying the manifest was pushed', async () => {
    const sbom = artifact(subject);
    const notAnIndex = ociManifest('squatter');
    mock.on('PUT', putPath(sbom), accepted(sbom));
    mock.on('GET', TAG_PATH, manifestReply(notAnIndex));

    const error = await rejection(mock.client().putManifest(refOf(sbom), sbom.bytes));

    expect(error).toBeInstanceOf(SchemaError);
    expect(error.message).toContain(`registry.test/app:${TAG}`);
    expect(error.message).toContain(`expected an OCI index, found ${MediaType.OciManifest}`);
    expect(error.message).toContain(`${sbom.digest} was pushed`);
    expect(mock.count('PUT', putPath(sbom))).toBe(1);
    expect(mock.count('PUT', TAG_PATH)).toBe(0);
  });

  it('reports a failed read of the tag as the registry error, after the manifest itself was written', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom));
    mock.on('GET', TAG_PATH, errorReply(403, 'DENIED'));

    const error = await rejection(mock.client({ retry: false }).putManifest(refOf(sbom), sbom.bytes));

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).operation).toBe(`GET manifest registry.test/app:${TAG}`);
    expect(mock.count('PUT', putPath(sbom))).toBe(1);
    expect(mock.count('PUT', TAG_PATH)).toBe(0);
  });
});

describe('putManifest leaves the fallback tag alone', () => {
  it('when the registry answers OCI-Subject', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom, subject.digest));

    await mock.client().putManifest(refOf(sbom), sbom.bytes);

    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${putPath(sbom)}`]);
  });

  it('with referrersFallback: false', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom));

    await mock.client().putManifest(refOf(sbom), sbom.bytes, { referrersFallback: false });

    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${putPath(sbom)}`]);
  });

  it('for a manifest without subject', async () => {
    const image = ociManifest('plain');
    mock.on('PUT', putPath(image), accepted(image));

    await mock.client().putManifest(refOf(image), image.bytes);

    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${putPath(image)}`]);
  });
});

describe('concurrent pushes for one subject', () => {
  it('one client: updates run one after the other, so every referrer ends up listed', async () => {
    const referrers = [artifact(subject), artifact(subject, { artifactType: SIGNATURE }), artifact(subject, { annotations: { n: '3' } })];
    for (const r of referrers) mock.on('PUT', putPath(r), accepted(r));
    const tag = statefulFallbackTag(mock, 30);
    const client = mock.client();

    await Promise.all(referrers.map((r) => client.putManifest(refOf(r), r.bytes)));

    const stored = tag.stored();
    expect(stored).toBeDefined();
    const listed = JSON.parse(stored!.toString('utf8')) as { manifests: Array<{ digest: string }> };
    expect(listed.manifests.map((d) => d.digest).sort()).toEqual(referrers.map((r) => r.digest).sort());
    // Each update read the tag after the previous one wrote it.
    const tagRequests = mock.filter(undefined, TAG_PATH).map((r) => r.method);
    expect(tagRequests).toEqual(['GET', 'PUT', 'GET', 'PUT', 'GET', 'PUT']);
  });

  it('a failed update does not block the next one for the same subject', async () => {
    const first = artifact(subject);
    const second = artifact(subject, { artifactType: SIGNATURE });
    mock.on('PUT', putPath(first), accepted(first));
    mock.on('PUT', putPath(second), accepted(second));
    mock.on('GET', TAG_PATH, errorReply(403, 'DENIED'));
    const tag = statefulFallbackTag(mock);
    const client = mock.client({ retry: false });

    const results = await Promise.allSettled([client.putManifest(refOf(first), first.bytes), client.putManifest(refOf(second), second.bytes)]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    const listed = JSON.parse(tag.stored()!.toString('utf8')) as { manifests: Array<{ digest: string }> };
    expect(listed.manifests.map((d) => d.digest)).toEqual([second.digest]);
  });
});
