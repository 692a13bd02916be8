/**
 * The call shapes of RegistryClient's blob methods: one `repo@digest` reference, or a repository
 * and a digest or descriptor; and the mistakes JavaScript callers make (a string meant as content,
 * credentials at the top of the options). Through an undici MockAgent with the network disabled.
 */
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { SizeLimitError, ValidationError } from '../../src/errors.js';
import { MockRegistry, rejection, sha256 } from '../helpers/mock-registry.js';

const BLOB = Buffer.from('the blob of the blob-forms test');
const DIGEST = sha256(BLOB);
const DESCRIPTOR = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: DIGEST, size: BLOB.length };
const BLOB_PATH = `/v2/app/blobs/${DIGEST}`;
const TARGET_BLOB_PATH = `/v2/target/blobs/${DIGEST}`;

async function readAll(stream: Readable): Promise<Buffer> {
  return Buffer.concat((await stream.toArray()) as Buffer[]);
}

let mock: MockRegistry;
beforeEach(() => {
  mock = new MockRegistry();
});
afterEach(async () => {
  await mock.close();
});

const found = { status: 200, headers: { 'content-length': String(BLOB.length) } };

describe('headBlob and blobExists', () => {
  it.each([
    ['repo@digest', [`registry.test/app@${DIGEST}`]],
    ['repo, digest', ['registry.test/app', DIGEST]],
    ['repo, descriptor', ['registry.test/app', DESCRIPTOR]],
    ['repo@digest, options', [`registry.test/app@${DIGEST}`, { signal: new AbortController().signal }]],
  ] as const)('headBlob(%s) asks for the blob', async (_form, args) => {
    mock.on('HEAD', BLOB_PATH, found);
    const client = mock.client();
    const head = client.headBlob as (...a: unknown[]) => ReturnType<RegistryClient['headBlob']>;
    const descriptor = await head.apply(client, [...args]);
    expect(descriptor).toEqual({ mediaType: 'application/octet-stream', digest: DIGEST, size: BLOB.length });
    expect(mock.count('HEAD', BLOB_PATH)).toBe(1);
  });

  it('blobExists takes repo@digest and reports a missing blob as false', async () => {
    mock.on('HEAD', BLOB_PATH, found).on('HEAD', BLOB_PATH, { status: 404 });
    const client = mock.client();
    expect(await client.blobExists(`registry.test/app@${DIGEST}`)).toBe(true);
    expect(await client.blobExists('registry.test/app', DESCRIPTOR)).toBe(false);
  });
});

describe('getBlob and getBlobBytes', () => {
  it('getBlob streams the blob named by repo@digest', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: BLOB });
    const content = await readAll(await mock.client().getBlob(`registry.test/app@${DIGEST}`));
    expect(content.equals(BLOB)).toBe(true);
  });

  it('getBlob takes the options after repo@digest', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: BLOB });
    const error = await rejection(readAll(await mock.client().getBlob(`registry.test/app@${DIGEST}`, { size: BLOB.length - 1 })));
    expect(error.message).toMatch(/size|bytes/);
  });

  it('getBlobBytes reads repo@digest, capping what it reads without a size to go by', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: BLOB }).on('GET', BLOB_PATH, { status: 200, body: BLOB });
    const client = mock.client();
    expect((await client.getBlobBytes(`registry.test/app@${DIGEST}`)).equals(BLOB)).toBe(true);
    expect(await rejection(client.getBlobBytes(`registry.test/app@${DIGEST}`, { limit: 4 }))).toBeInstanceOf(SizeLimitError);
  });

  it('getBlobBytes refuses a descriptor over the limit before sending anything', async () => {
    const error = await rejection(mock.client().getBlobBytes('registry.test/app', DESCRIPTOR, { limit: 4 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(mock.requests).toHaveLength(0);
  });
});

describe('mountBlob and copyBlob', () => {
  const mounted = { status: 201, headers: { location: TARGET_BLOB_PATH, 'docker-content-digest': DIGEST } };

  it('mountBlob takes repo@digest with { from }', async () => {
    mock.on('HEAD', TARGET_BLOB_PATH, { status: 404 }).on('POST', '/v2/target/blobs/uploads/', mounted);
    const result = await mock.client().mountBlob(`registry.test/target@${DIGEST}`, { from: 'registry.test/app', size: BLOB.length });
    expect(result).toEqual({ mediaType: 'application/octet-stream', digest: DIGEST, size: BLOB.length, outcome: 'mounted' });
    expect(mock.filter('POST')[0]?.url.searchParams.get('from')).toBe('app');
  });

  it('mountBlob takes a descriptor, whose size and media type it keeps (no HEAD after the mount)', async () => {
    mock.on('HEAD', TARGET_BLOB_PATH, { status: 404 }).on('POST', '/v2/target/blobs/uploads/', mounted);
    const result = await mock.client().mountBlob('registry.test/target', DESCRIPTOR, { from: 'registry.test/app' });
    expect(result).toEqual({ ...DESCRIPTOR, outcome: 'mounted' });
    expect(mock.requests.map((r) => r.method)).toEqual(['HEAD', 'POST']);
  });

  it('copyBlob takes the source as repo@digest and looks its size up first', async () => {
    mock
      .on('HEAD', BLOB_PATH, found)
      .on('HEAD', TARGET_BLOB_PATH, { status: 404 })
      .on('POST', '/v2/target/blobs/uploads/', mounted);
    const result = await mock.client().copyBlob(`registry.test/app@${DIGEST}`, 'registry.test/target');
    expect(result).toMatchObject({ digest: DIGEST, size: BLOB.length, outcome: 'mounted' });
    expect(mock.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([`HEAD ${BLOB_PATH}`, `HEAD ${TARGET_BLOB_PATH}`, 'POST /v2/target/blobs/uploads/']);
  });
});

describe('mistakes JavaScript callers make', () => {
  it('a reference without a digest names no blob', async () => {
    const error = await rejection(mock.client().getBlob('registry.test/app'));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('getBlob: registry.test/app names no blob: pass repo@digest, or the digest (or descriptor) as the second argument');
    expect(mock.requests).toHaveLength(0);
  });

  it('a blob reference with a tag is refused', async () => {
    const error = await rejection(mock.client().headBlob(`registry.test/app:1@${DIGEST}`));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^headBlob: .* has a tag/);
  });

  it('pushBlob with a string that is no file says a string is a path and to pass a Buffer', async () => {
    const error = await rejection(mock.client().pushBlob('registry.test/app', 'hello world'));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^pushBlob: data is a string, which is read as a file path, and no such file exists/);
    expect(error.message).toMatch(/pass a Buffer or Uint8Array/);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(mock.requests).toHaveLength(0);
  });

  it.each(['username', 'password'])('new RegistryClient({ %s }) points at the credentials option', (key) => {
    const create = () => new RegistryClient({ [key]: 'x', dockerConfig: false } as never);
    expect(create).toThrow(ValidationError);
    expect(create).toThrow(`new RegistryClient: unknown option "${key}" in options; credentials go in the credentials option by registry: credentials: { 'host': { username, password } }`);
  });

  it('any other unknown option is named', () => {
    expect(() => new RegistryClient({ retires: 3 } as never)).toThrow('new RegistryClient: unknown option "retires" in options');
  });
});
