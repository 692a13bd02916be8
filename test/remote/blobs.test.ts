/**
 * Blob edge cases of RegistryClient: verification of what is read, resumed downloads, the upload
 * protocol (Location handling, chunk ranges, mounts, cancellation). Most cases use an undici
 * MockAgent; the mid-body connection resets use a real node:http server on 127.0.0.1 (port 0),
 * because MockAgent delivers a reply in one piece and cannot break a body halfway.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { AbortError, DigestMismatchError, NetworkError, RegistryError } from '../../src/errors.js';
import { errorReply, rejection, sha256, useMockRegistry } from '../helpers/mock-registry.js';

const BLOB = Buffer.from('0123456789abcdefghij-the-blob-content');
const DIGEST = sha256(BLOB);
const BLOB_PATH = `/v2/app/blobs/${DIGEST}`;
const UPLOADS = '/v2/app/blobs/uploads/';

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const mock = useMockRegistry();

describe('getBlob verification', () => {
  it('streams a blob whose bytes match its digest', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: BLOB });
    const content = await readAll(await mock.client().getBlob('registry.test/app', { mediaType: 'x', digest: DIGEST, size: BLOB.length }));
    expect(content.equals(BLOB)).toBe(true);
  });

  it('errors at the end of a stream whose bytes do not match the digest', async () => {
    const tampered = Buffer.from(BLOB);
    tampered[3] = 0x21;
    mock.on('GET', BLOB_PATH, { status: 200, body: tampered });
    const stream = await mock.client().getBlob('registry.test/app', DIGEST);
    const error = await rejection(readAll(stream));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).expected.digest).toBe(DIGEST);
    expect((error as DigestMismatchError).actual.digest).toBe(sha256(tampered));
  });

  it('errors as soon as the blob is longer than the given size', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: Buffer.concat([BLOB, Buffer.from('extra')]) });
    const stream = await mock.client().getBlob('registry.test/app', DIGEST, { size: BLOB.length });
    const error = await rejection(readAll(stream));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).expected.size).toBe(BLOB.length);
    expect((error as DigestMismatchError).actual.size).toBeGreaterThan(BLOB.length);
  });

  it('errors when the blob is shorter than the given size', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: BLOB.subarray(0, 10) });
    const stream = await mock.client().getBlob('registry.test/app', { mediaType: 'x', digest: DIGEST, size: BLOB.length });
    const error = await rejection(readAll(stream));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).actual.size).toBe(10);
  });

  it('verifies the decoded bytes of a gzip Content-Encoding', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: gzipSync(BLOB), headers: { 'content-encoding': 'gzip' } });
    const content = await readAll(await mock.client().getBlob('registry.test/app', DIGEST));
    expect(content.equals(BLOB)).toBe(true);
  });

  it('reports a missing blob as RegistryError BLOB_UNKNOWN', async () => {
    mock.on('GET', BLOB_PATH, errorReply(404, 'BLOB_UNKNOWN'));
    const error = await rejection(mock.client().getBlob('registry.test/app', DIGEST));
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).codes).toEqual(['BLOB_UNKNOWN']);
    expect(mock.count('GET', BLOB_PATH)).toBe(1);
  });

  it('reads a small blob into memory with getBlobBytes', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: BLOB });
    const bytes = await mock.client().getBlobBytes('registry.test/app', { mediaType: 'x', digest: DIGEST, size: BLOB.length });
    expect(bytes.equals(BLOB)).toBe(true);
  });

  it('getBlobBytes refuses bytes that do not match the digest, and a body longer or shorter than the size', async () => {
    const other = Buffer.from(BLOB).fill(0x41, 0, 4);
    mock.on('GET', BLOB_PATH, { status: 200, body: other });
    const wrong = await rejection(mock.client().getBlobBytes('registry.test/app', { mediaType: 'x', digest: DIGEST, size: BLOB.length }));
    expect(wrong).toBeInstanceOf(DigestMismatchError);
    expect((wrong as DigestMismatchError).actual.digest).toBe(sha256(other));
    mock.on('GET', BLOB_PATH, { status: 200, body: Buffer.concat([BLOB, Buffer.from('more')]) });
    const longer = await rejection(mock.client().getBlobBytes('registry.test/app', { mediaType: 'x', digest: DIGEST, size: BLOB.length }));
    expect(longer).toBeInstanceOf(DigestMismatchError);
    mock.on('GET', BLOB_PATH, { status: 200, body: BLOB.subarray(0, 10) });
    const shorter = await rejection(mock.client().getBlobBytes('registry.test/app', { mediaType: 'x', digest: DIGEST, size: BLOB.length }));
    expect(shorter).toBeInstanceOf(DigestMismatchError);
    expect((shorter as DigestMismatchError).actual.size).toBe(10);
  });

  it('getBlobBytes decodes a gzip Content-Encoding before checking the digest', async () => {
    mock.on('GET', BLOB_PATH, { status: 200, body: gzipSync(BLOB), headers: { 'content-encoding': 'gzip' } });
    const bytes = await mock.client().getBlobBytes('registry.test/app', { mediaType: 'x', digest: DIGEST, size: BLOB.length });
    expect(bytes.equals(BLOB)).toBe(true);
  });
});

describe('getBlob resumption after a reset mid-body (real node:http server on 127.0.0.1:0)', () => {
  const BIG = Buffer.alloc(256 * 1024);
  for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + 7) & 0xff;
  const BIG_DIGEST = sha256(BIG);
  const CUT = 100 * 1024;

  let server: Server | undefined;
  let client: RegistryClient | undefined;
  let seen: Array<{ method: string; url: string; range: string | undefined }>;

  /** Starts a registry that answers blob GETs with `handler`; returns its `127.0.0.1:port`. */
  async function startRegistry(handler: (req: IncomingMessage, res: ServerResponse, index: number) => void): Promise<string> {
    seen = [];
    server = createServer((req, res) => {
      // The client's first question to a loopback host (is it plain HTTP?), answered as a registry does.
      if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      seen.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range });
      handler(req, res, seen.length - 1);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Sends the first `CUT` bytes with the full Content-Length, then breaks the connection. */
  function breakMidBody(res: ServerResponse): void {
    res.writeHead(200, { 'content-length': String(BIG.length), 'content-type': 'application/octet-stream' });
    res.write(BIG.subarray(0, CUT));
    setTimeout(() => res.socket?.destroy(), 100);
  }

  afterEach(async () => {
    await client?.close();
    client = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    server = undefined;
  });

  it('resumes with Range: bytes=N- and accepts the 206 rest', async () => {
    const host = await startRegistry((req, res, index) => {
      if (index === 0) return breakMidBody(res);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1]);
      res.writeHead(206, { 'content-length': String(BIG.length - start), 'content-range': `bytes ${start}-${BIG.length - 1}/${BIG.length}` });
      res.end(BIG.subarray(start));
    });
    client = new RegistryClient({ dockerConfig: false, env: {}, retry: { minDelayMs: 1, maxDelayMs: 5 } });

    const content = await readAll(await client.getBlob(`${host}/app`, { mediaType: 'x', digest: BIG_DIGEST, size: BIG.length }));

    expect(content.equals(BIG)).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.range).toBeUndefined();
    expect(seen[1]?.range).toMatch(/^bytes=\d+-$/);
    const resumedAt = Number(seen[1]?.range?.slice(6, -1));
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(CUT);
  });

  it('restarts when the resume is answered 200 with the whole blob, and still delivers it exactly once', async () => {
    const host = await startRegistry((_req, res, index) => {
      if (index === 0) return breakMidBody(res);
      res.writeHead(200, { 'content-length': String(BIG.length) });
      res.end(BIG);
    });
    client = new RegistryClient({ dockerConfig: false, env: {}, retry: { minDelayMs: 1, maxDelayMs: 5 } });

    const content = await readAll(await client.getBlob(`${host}/app`, BIG_DIGEST));

    expect(content.length).toBe(BIG.length);
    expect(content.equals(BIG)).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[1]?.range).toMatch(/^bytes=\d+-$/);
  });

  it('getBlobBytes reads a body that broke half-way again, and returns the blob once', async () => {
    const host = await startRegistry((req, res, index) => {
      if (index === 0) return breakMidBody(res);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(start > 0 ? 206 : 200, { 'content-length': String(BIG.length - start), ...(start > 0 ? { 'content-range': `bytes ${start}-${BIG.length - 1}/${BIG.length}` } : {}) });
      res.end(BIG.subarray(start));
    });
    client = new RegistryClient({ dockerConfig: false, env: {}, retry: { minDelayMs: 1, maxDelayMs: 5 } });

    const content = await client.getBlobBytes(`${host}/app`, { mediaType: 'x', digest: BIG_DIGEST, size: BIG.length }, { limit: BIG.length });

    expect(content.equals(BIG)).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('fails when the resume answers a 206 for the wrong offset', async () => {
    const host = await startRegistry((_req, res, index) => {
      if (index === 0) return breakMidBody(res);
      res.writeHead(206, { 'content-length': String(BIG.length), 'content-range': `bytes 0-${BIG.length - 1}/${BIG.length}` });
      res.end(BIG);
    });
    client = new RegistryClient({ dockerConfig: false, env: {}, retry: { minDelayMs: 1, maxDelayMs: 5 } });

    const error = await rejection(readAll(await client.getBlob(`${host}/app`, BIG_DIGEST)));

    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/unexpected Content-Range/);
  });

  it('ends the stream with AbortError, and does not resume, when the caller aborts mid-body', async () => {
    const host = await startRegistry((_req, res) => {
      res.writeHead(200, { 'content-length': String(BIG.length) });
      res.write(BIG.subarray(0, CUT)); // and then nothing more: the body stalls
    });
    client = new RegistryClient({ dockerConfig: false, env: {}, retry: { minDelayMs: 1, maxDelayMs: 5 } });
    const controller = new AbortController();

    const stream = await client.getBlob(`${host}/app`, BIG_DIGEST, { signal: controller.signal });
    let received = 0;
    const error = await rejection(
      (async () => {
        for await (const chunk of stream) {
          received += (chunk as Buffer).length;
          if (received >= CUT) controller.abort();
        }
      })(),
    );

    expect(error).toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(1);
  });

  it('gives up after the retry budget when every attempt breaks', async () => {
    const host = await startRegistry((req, res) => {
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(start > 0 ? 206 : 200, {
        'content-length': String(BIG.length - start),
        ...(start > 0 ? { 'content-range': `bytes ${start}-${BIG.length - 1}/${BIG.length}` } : {}),
      });
      res.write(BIG.subarray(start, start + 1024));
      setTimeout(() => res.socket?.destroy(), 50);
    });
    client = new RegistryClient({ dockerConfig: false, env: {}, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });

    const error = await rejection(readAll(await client.getBlob(`${host}/app`, BIG_DIGEST)));

    expect(error).toBeInstanceOf(NetworkError);
    expect(seen).toHaveLength(3);
  });
});

describe('pushBlob', () => {
  it('sends bytes with HEAD → POST → PUT, appending ?digest= to a relative Location that has a query', async () => {
    mock
      .on('HEAD', BLOB_PATH, { status: 404 })
      .on('POST', UPLOADS, { status: 202, headers: { location: '/v2/app/blobs/uploads/uuid-1?_state=abc', range: '0-0' } })
      .on('PUT', '/v2/app/blobs/uploads/uuid-1', { status: 201, headers: { location: BLOB_PATH, 'docker-content-digest': DIGEST } });

    const result = await mock.client().pushBlob('registry.test/app', BLOB);

    expect(result).toEqual({ mediaType: 'application/octet-stream', digest: DIGEST, size: BLOB.length, outcome: 'uploaded' });
    expect(mock.requests.map((r) => r.method)).toEqual(['HEAD', 'POST', 'PUT']);
    const put = mock.filter('PUT')[0]!;
    expect(put.origin).toBe('https://registry.test');
    expect(put.url.pathname).toBe('/v2/app/blobs/uploads/uuid-1');
    expect(put.url.searchParams.get('_state')).toBe('abc');
    expect(put.url.searchParams.get('digest')).toBe(DIGEST);
    expect(put.headers['content-type']).toBe('application/octet-stream');
    expect(put.headers['content-length']).toBe(String(BLOB.length));
    expect(put.body).toEqual(BLOB);
  });

  it('skips the upload when the blob exists', async () => {
    mock.on('HEAD', BLOB_PATH, { status: 200, headers: { 'content-length': String(BLOB.length) } });
    const result = await mock.client().pushBlob('registry.test/app', BLOB);
    expect(result.outcome).toBe('existing');
    expect(mock.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('skips a stream whose given digest the registry already has, without reading it', async () => {
    mock.on('HEAD', BLOB_PATH, { status: 200, headers: { 'content-length': String(BLOB.length) } });
    let read = false;
    const source = new Readable({
      read() {
        read = true;
        this.push(null);
      },
    });
    const result = await mock.client().pushBlob('registry.test/app', source, { digest: DIGEST, size: BLOB.length });
    expect(result.outcome).toBe('existing');
    expect(read).toBe(false);
    expect(mock.count('POST')).toBe(0);
  });

  it('uploads a stream in PATCH chunks with Content-Range, following the newest Location each time', async () => {
    let n = 0;
    mock
      .on('POST', UPLOADS, { status: 202, headers: { location: '/v2/app/blobs/uploads/s?step=0' } })
      .on('PATCH', '/v2/app/blobs/uploads/s', (req) => ({
        status: 202,
        headers: { location: `/v2/app/blobs/uploads/s?step=${++n}`, range: `0-${Number(req.headers['content-range']?.split('-')[1])}` },
      }), { persist: true })
      .on('PUT', '/v2/app/blobs/uploads/s', { status: 201, headers: { 'docker-content-digest': DIGEST } });

    const chunks = [BLOB.subarray(0, 7), BLOB.subarray(7, 9), BLOB.subarray(9)];
    const result = await mock.client({ chunkSize: 16 }).pushBlob('registry.test/app', Readable.from(chunks));

    expect(result).toMatchObject({ digest: DIGEST, size: BLOB.length, outcome: 'uploaded' });
    const patches = mock.filter('PATCH');
    expect(patches.map((p) => p.url.searchParams.get('step'))).toEqual(['0', '1', '2']);
    expect(patches.map((p) => p.headers['content-range'])).toEqual(['0-15', '16-31', `32-${BLOB.length - 1}`]);
    expect(patches.map((p) => p.headers['content-length'])).toEqual(['16', '16', String(BLOB.length - 32)]);
    expect(Buffer.concat(patches.map((p) => p.body as Buffer)).equals(BLOB)).toBe(true);
    const put = mock.filter('PUT')[0]!;
    expect(put.url.searchParams.get('step')).toBe('3');
    expect(put.url.searchParams.get('digest')).toBe(DIGEST);
    expect(put.headers['content-length']).toBe('0');
  });

  it('resumes a chunk from the offset the registry reports after a broken PATCH', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    mock
      .on('POST', UPLOADS, { status: 202, headers: { location: '/v2/app/blobs/uploads/r' } })
      .fail('PATCH', '/v2/app/blobs/uploads/r', reset)
      .on('GET', '/v2/app/blobs/uploads/r', { status: 204, headers: { range: '0-5', location: '/v2/app/blobs/uploads/r?after=status' } })
      .on('PATCH', '/v2/app/blobs/uploads/r', { status: 202, headers: { location: '/v2/app/blobs/uploads/r?after=patch' } }, { persist: true })
      .on('PUT', '/v2/app/blobs/uploads/r', { status: 201 });

    const result = await mock.client({ chunkSize: 16 }).pushBlob('registry.test/app', Readable.from([BLOB]));

    expect(result.digest).toBe(DIGEST);
    const patches = mock.filter('PATCH');
    expect(patches.map((p) => p.headers['content-range'])).toEqual(['0-15', '6-15', `16-31`, `32-${BLOB.length - 1}`]);
    expect(patches[1]?.url.searchParams.get('after')).toBe('status');
    expect(patches[1]?.body).toEqual(BLOB.subarray(6, 16));
  });

  it('confirms an uncertain final PUT with a HEAD instead of uploading again', async () => {
    mock
      .on('HEAD', BLOB_PATH, { status: 404 })
      .on('POST', UPLOADS, { status: 202, headers: { location: '/v2/app/blobs/uploads/u' } })
      .on('PUT', '/v2/app/blobs/uploads/u', errorReply(503, 'UNAVAILABLE'))
      .on('HEAD', BLOB_PATH, { status: 200, headers: { 'content-length': String(BLOB.length) } });

    const result = await mock.client().pushBlob('registry.test/app', BLOB);

    expect(result.outcome).toBe('uploaded');
    expect(mock.requests.map((r) => r.method)).toEqual(['HEAD', 'POST', 'PUT', 'HEAD']);
  });

  it('refuses a stream whose content does not match the digest it was given, and cancels the session', async () => {
    mock
      .on('HEAD', BLOB_PATH, { status: 404 })
      .on('POST', UPLOADS, { status: 202, headers: { location: '/v2/app/blobs/uploads/bad' } })
      .on('PATCH', '/v2/app/blobs/uploads/bad', { status: 202 }, { persist: true })
      .on('DELETE', '/v2/app/blobs/uploads/bad', { status: 204 });

    const error = await rejection(mock.client().pushBlob('registry.test/app', Readable.from([Buffer.from('other content')]), { digest: DIGEST }));

    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(mock.count('PUT')).toBe(0);
    expect(mock.count('DELETE', '/v2/app/blobs/uploads/bad')).toBe(1);
  });

  it('cancels the upload session with DELETE when the caller aborts', async () => {
    mock
      .on('HEAD', BLOB_PATH, { status: 404 })
      .on('POST', UPLOADS, { status: 202, headers: { location: '/v2/app/blobs/uploads/abort-me?_state=xyz' } })
      .on('PUT', '/v2/app/blobs/uploads/abort-me', { status: 201 }, { delayMs: 5000 })
      .on('DELETE', '/v2/app/blobs/uploads/abort-me', { status: 204 });
    const controller = new AbortController();
    const client = mock.client();

    const pushing = client.pushBlob('registry.test/app', BLOB, { signal: controller.signal });
    const started = performance.now();
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(pushing);

    expect(error).toBeInstanceOf(AbortError);
    expect(performance.now() - started).toBeLessThan(3000);
    const deletes = mock.filter('DELETE');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.url.pathname).toBe('/v2/app/blobs/uploads/abort-me');
    expect(deletes[0]?.url.searchParams.get('_state')).toBe('xyz');
    expect(mock.count('POST')).toBe(1);
  });
});

describe('mountBlob', () => {
  it('reports a 201 answer as mounted, without sending bytes', async () => {
    mock
      .on('HEAD', BLOB_PATH, { status: 404 })
      .on('POST', UPLOADS, { status: 201, headers: { location: BLOB_PATH, 'docker-content-digest': DIGEST } });

    const result = await mock.client().mountBlob('registry.test/app', DIGEST, { from: 'registry.test/base', size: BLOB.length });

    expect(result).toEqual({ mediaType: 'application/octet-stream', digest: DIGEST, size: BLOB.length, outcome: 'mounted' });
    const post = mock.filter('POST')[0]!;
    expect(post.url.searchParams.get('mount')).toBe(DIGEST);
    expect(post.url.searchParams.get('from')).toBe('base');
    expect(mock.requests.map((r) => r.method)).toEqual(['HEAD', 'POST']);
  });

  it('copies the blob into the session a 202 answer opened', async () => {
    mock
      .on('HEAD', BLOB_PATH, { status: 404 })
      .on('POST', UPLOADS, { status: 202, headers: { location: '/v2/app/blobs/uploads/from-mount?_state=m' } })
      .on('GET', `/v2/base/blobs/${DIGEST}`, { status: 200, body: BLOB })
      .on('PATCH', '/v2/app/blobs/uploads/from-mount', { status: 202, headers: { location: '/v2/app/blobs/uploads/from-mount?_state=m2' } })
      .on('PUT', '/v2/app/blobs/uploads/from-mount', { status: 201 });

    const result = await mock.client().mountBlob('registry.test/app', DIGEST, { from: 'registry.test/base', size: BLOB.length });

    expect(result).toMatchObject({ digest: DIGEST, size: BLOB.length, outcome: 'uploaded' });
    expect(mock.count('POST')).toBe(1);
    const patch = mock.filter('PATCH')[0]!;
    expect(patch.url.searchParams.get('_state')).toBe('m');
    expect(patch.body).toEqual(BLOB);
    const put = mock.filter('PUT')[0]!;
    expect(put.url.searchParams.get('_state')).toBe('m2');
    expect(put.url.searchParams.get('digest')).toBe(DIGEST);
    expect(mock.pending()).toBe(0);
  });

  it('skips the mount when the target already has the blob', async () => {
    mock.on('HEAD', BLOB_PATH, { status: 200, headers: { 'content-length': String(BLOB.length) } });
    const result = await mock.client().mountBlob('registry.test/app', DIGEST, { from: 'registry.test/base', size: BLOB.length });
    expect(result.outcome).toBe('existing');
    expect(mock.count('POST')).toBe(0);
  });
});
