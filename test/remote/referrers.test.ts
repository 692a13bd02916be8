/**
 * The referrers fallback tag (distribution-spec "Pushing Manifests with Subject"): what a push
 * of a manifest with `subject` writes to `<alg>-<hex>` when the repository has no referrers API
 * (found out by asking, not from `OCI-Subject`), and what it leaves alone. Every request goes
 * through a MockAgent. The pure rules (the tag's name, the entry a referrer gets) are tested in
 * test/oci/referrers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RegistryError, SchemaError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import { type MockRegistry, errorReply, manifestReply, ociManifest, rejection, sha256, type Reply, type SeenRequest, useMockRegistry } from '../helpers/mock-registry.js';

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

const REFERRERS_PATH = (repo = 'app') => `/v2/${repo}/referrers/${subject.digest}`;

/** The registry has no referrers API for `repo`: its referrers path answers 404. */
function noReferrersApi(mock: MockRegistry, repo = 'app', body?: string): void {
  mock.on('GET', (path) => path.startsWith(REFERRERS_PATH(repo)), { status: 404, body: body ?? '404 page not found\n', headers: { 'content-type': 'text/plain' } }, { persist: true });
}

/** The registry has the referrers API for `repo` and lists `manifests`. */
function referrersApi(mock: MockRegistry, manifests: unknown[] = [], repo = 'app'): void {
  const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests });
  mock.on('GET', (path) => path.startsWith(REFERRERS_PATH(repo)), { status: 200, body, headers: { 'content-type': MediaType.OciIndex } }, { persist: true });
}

/**
 * A fallback tag that keeps what is PUT to it and serves it back, so that concurrent pushes really
 * read what earlier ones wrote. `getDelayMs` holds each GET of the tag back, widening any window in
 * which two updates could interleave; `onPut` may replace what is stored (another writer).
 */
function statefulFallbackTag(
  mock: MockRegistry,
  options: { initial?: Buffer; getDelayMs?: number; path?: string; onPut?: (sent: Buffer, count: number) => Buffer } = {},
): { stored(): Buffer | undefined } {
  let stored = options.initial;
  let puts = 0;
  const path = options.path ?? TAG_PATH;
  mock.on(
    'GET',
    path,
    () => (stored ? manifestReply({ bytes: stored, digest: sha256(stored), mediaType: MediaType.OciIndex }) : errorReply(404, 'MANIFEST_UNKNOWN')),
    { persist: true, delayMs: options.getDelayMs },
  );
  mock.on(
    'PUT',
    path,
    (req) => {
      puts++;
      stored = options.onPut ? options.onPut(req.body as Buffer, puts) : (req.body as Buffer);
      return accepted({ digest: sha256(req.body as Buffer) });
    },
    { persist: true },
  );
  return { stored: () => stored };
}

const indexOf = (manifests: unknown[], extra: Record<string, unknown> = {}): Buffer => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests, ...extra }));
const listedDigests = (stored: Buffer | undefined): string[] => (JSON.parse(stored!.toString('utf8')) as { manifests: Array<{ digest: string }> }).manifests.map((d) => d.digest);

const mock = useMockRegistry();

describe('putManifest with a subject, repository without the referrers API', () => {
  it('starts an empty OCI index at <alg>-<hex> when the tag is absent, holding the new descriptor, and reads it back', async () => {
    const sbom = artifact(subject, { annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' } });
    mock.on('PUT', putPath(sbom), accepted(sbom));
    noReferrersApi(mock);
    const tag = statefulFallbackTag(mock);
    const client = mock.client();

    const written = await client.putManifest(refOf(sbom), sbom.bytes);

    expect(written).toEqual({ mediaType: MediaType.OciManifest, digest: sbom.digest, size: sbom.bytes.length });
    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT ${putPath(sbom)}`,
      `GET ${REFERRERS_PATH()}`,
      `GET ${TAG_PATH}`,
      `PUT ${TAG_PATH}`,
      `GET ${TAG_PATH}`,
    ]);
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
    expect(listedDigests(tag.stored())).toEqual([sbom.digest]);
  });

  it('appends to an existing index, keeping its entries and other fields', async () => {
    const first = { mediaType: MediaType.OciManifest, digest: sha256('first referrer'), size: 300, artifactType: SIGNATURE };
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom));
    noReferrersApi(mock);
    statefulFallbackTag(mock, { initial: indexOf([first], { annotations: { 'org.example.kept': 'yes' } }) });

    await mock.client().putManifest(refOf(sbom), sbom.bytes);

    const sent = indexSent(mock.filter('PUT', TAG_PATH)[0]);
    expect(sent.manifests).toEqual([first, { mediaType: MediaType.OciManifest, digest: sbom.digest, size: sbom.bytes.length, artifactType: SBOM }]);
    expect(sent.annotations).toEqual({ 'org.example.kept': 'yes' });
  });

  it('writes nothing to the tag when the manifest is listed there already', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom));
    noReferrersApi(mock);
    statefulFallbackTag(mock, { initial: indexOf([{ mediaType: MediaType.OciManifest, digest: sbom.digest, size: sbom.bytes.length }]) });

    await mock.client().putManifest(refOf(sbom), sbom.bytes);

    expect(mock.count('GET', TAG_PATH)).toBe(1);
    expect(mock.count('PUT', TAG_PATH)).toBe(0);
  });

  it('maintains the tag in the repository the manifest was pushed to, also when pushed by tag', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', '/v2/team/sboms/manifests/latest', accepted(sbom));
    noReferrersApi(mock, 'team/sboms');
    const tag = statefulFallbackTag(mock, { path: `/v2/team/sboms/manifests/${TAG}` });

    await mock.client().putManifest('registry.test/team/sboms:latest', sbom.bytes);

    expect(listedDigests(tag.stored())).toEqual([sbom.digest]);
  });

  it('refuses to overwrite a tag that holds something other than an OCI index, saying the manifest was pushed', async () => {
    const sbom = artifact(subject);
    const notAnIndex = ociManifest('squatter');
    mock.on('PUT', putPath(sbom), accepted(sbom));
    noReferrersApi(mock);
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
    noReferrersApi(mock);
    mock.on('GET', TAG_PATH, errorReply(403, 'DENIED'));

    const error = await rejection(mock.client({ retry: false }).putManifest(refOf(sbom), sbom.bytes));

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).operation).toBe(`GET manifest registry.test/app:${TAG}`);
    expect(mock.count('PUT', putPath(sbom))).toBe(1);
    expect(mock.count('PUT', TAG_PATH)).toBe(0);
  });
});

describe('whether the registry has the referrers API is found out by asking, not from OCI-Subject', () => {
  it('a registry that answers OCI-Subject but 404 on the referrers API gets the fallback tag', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom, subject.digest));
    noReferrersApi(mock);
    const tag = statefulFallbackTag(mock);

    await mock.client().putManifest(refOf(sbom), sbom.bytes);

    expect(listedDigests(tag.stored())).toEqual([sbom.digest]);
  });

  it.each([
    ['a 404 with a JSON error body', { status: 404, body: JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'x' }] }), headers: { 'content-type': 'application/json' } }],
    ['a 200 web page', { status: 200, body: '<html>registry</html>', headers: { 'content-type': 'text/html' } }],
    ['a 200 JSON document that is not an index', { status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } }],
  ])('%s means no API', async (_name, reply) => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom));
    mock.on('GET', (path) => path.startsWith(REFERRERS_PATH()), reply as Reply, { persist: true });
    const tag = statefulFallbackTag(mock);

    await mock.client().putManifest(refOf(sbom), sbom.bytes);

    expect(listedDigests(tag.stored())).toEqual([sbom.digest]);
  });

  it('a registry with the API gets no fallback tag, with or without OCI-Subject', async () => {
    const withHeader = artifact(subject);
    const without = artifact(subject, { artifactType: SIGNATURE });
    mock.on('PUT', putPath(withHeader), accepted(withHeader, subject.digest));
    mock.on('PUT', putPath(without), accepted(without));
    referrersApi(mock);
    const client = mock.client();

    await client.putManifest(refOf(withHeader), withHeader.bytes);
    await client.putManifest(refOf(without), without.bytes);

    expect(mock.count(undefined, TAG_PATH)).toBe(0);
  });

  it('asks once per repository and client, however many referrers are pushed', async () => {
    const referrers = [artifact(subject), artifact(subject, { artifactType: SIGNATURE }), artifact(subject, { annotations: { n: '3' } })];
    for (const r of referrers) mock.on('PUT', putPath(r), accepted(r));
    referrersApi(mock);
    const client = mock.client();

    await Promise.all(referrers.map((r) => client.putManifest(refOf(r), r.bytes)));
    await client.putManifest(refOf(referrers[0]!), referrers[0]!.bytes).catch(() => undefined);

    expect(mock.count('GET', (path) => path.includes('/referrers/'))).toBe(1);
  });

  it('a failed probe decides nothing: the push fails, and the next push asks again', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom), { times: 2 });
    mock.on('GET', (path) => path.startsWith(REFERRERS_PATH()), errorReply(503, 'UNAVAILABLE'));
    noReferrersApi(mock);
    statefulFallbackTag(mock);
    const client = mock.client({ retry: false });

    const error = await rejection(client.putManifest(refOf(sbom), sbom.bytes));
    await client.putManifest(refOf(sbom), sbom.bytes);

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(503);
    expect(error.message).toContain(`${sbom.digest} was pushed, but whether the registry lists it as a referrer of ${subject.digest} could not be found out`);
    expect(mock.count('GET', (path) => path.includes('/referrers/'))).toBe(2);
    expect(mock.count('PUT', TAG_PATH)).toBe(1);
  });

  it('listing after a push to a repository without the API reads only the tag', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom));
    noReferrersApi(mock);
    statefulFallbackTag(mock);
    const client = mock.client();
    await client.putManifest(refOf(sbom), sbom.bytes);

    const listed = await client.listReferrers(`registry.test/app@${subject.digest}`);

    expect(listed.map((d) => d.digest)).toEqual([sbom.digest]);
    expect(mock.count('GET', (path) => path.includes('/referrers/'))).toBe(1);
  });
});

describe('putManifest leaves the fallback tag alone', () => {
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
    noReferrersApi(mock);
    const tag = statefulFallbackTag(mock, { getDelayMs: 30 });
    const client = mock.client();

    await Promise.all(referrers.map((r) => client.putManifest(refOf(r), r.bytes)));

    expect(listedDigests(tag.stored()).sort()).toEqual(referrers.map((r) => r.digest).sort());
    // Each update read the tag after the previous one wrote it, and read back its own write.
    const tagRequests = mock.filter(undefined, TAG_PATH).map((r) => r.method);
    expect(tagRequests).toEqual(['GET', 'PUT', 'GET', 'GET', 'PUT', 'GET', 'GET', 'PUT', 'GET']);
  });

  it('another writer that replaces the index between our write and our read-back: the entry is written again on top of theirs', async () => {
    const sbom = artifact(subject);
    const theirs = { mediaType: MediaType.OciManifest, digest: sha256('their referrer'), size: 42, artifactType: SIGNATURE };
    mock.on('PUT', putPath(sbom), accepted(sbom));
    noReferrersApi(mock);
    const tag = statefulFallbackTag(mock, { onPut: (sent, count) => (count === 1 ? indexOf([theirs]) : sent) });

    await mock.client().putManifest(refOf(sbom), sbom.bytes);

    expect(mock.count('PUT', TAG_PATH)).toBe(2);
    expect(listedDigests(tag.stored())).toEqual([theirs.digest, sbom.digest]);
  });

  it('gives up with an error naming the tag when every write is replaced', async () => {
    const sbom = artifact(subject);
    mock.on('PUT', putPath(sbom), accepted(sbom));
    noReferrersApi(mock);
    statefulFallbackTag(mock, { onPut: () => indexOf([]) });

    const error = await rejection(mock.client().putManifest(refOf(sbom), sbom.bytes));

    expect(error.message).toContain(`referrers fallback tag registry.test/app:${TAG}`);
    expect(error.message).toContain(`${sbom.digest} was pushed, but not listed there`);
    expect(mock.count('PUT', TAG_PATH)).toBe(5);
  });

  it('a failed update does not block the next one for the same subject', async () => {
    const first = artifact(subject);
    const second = artifact(subject, { artifactType: SIGNATURE });
    mock.on('PUT', putPath(first), accepted(first));
    mock.on('PUT', putPath(second), accepted(second));
    noReferrersApi(mock);
    mock.on('GET', TAG_PATH, errorReply(403, 'DENIED'));
    const tag = statefulFallbackTag(mock);
    const client = mock.client({ retry: false });

    const results = await Promise.allSettled([client.putManifest(refOf(first), first.bytes), client.putManifest(refOf(second), second.bytes)]);

    // Whichever update reads the tag first gets the 403; the other is listed.
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const listedOne = results[0]?.status === 'fulfilled' ? first : second;
    expect(listedDigests(tag.stored())).toEqual([listedOne.digest]);
  });
});
