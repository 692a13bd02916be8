/**
 * Protocol edge cases of RegistryClient that a real registry cannot be made to produce: retries,
 * Retry-After, redirects, malformed or lying manifests, error bodies, pagination. Every request goes
 * through an undici MockAgent with the network disabled (see the canary first).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  DigestMismatchError,
  MultiplatformError,
  NetworkError,
  RegistryError,
  SchemaError,
  SizeLimitError,
  UnsafeRequestError,
  UnsupportedMediaTypeError,
  isNotFound,
  redact,
  rememberSecret,
} from '../../src/errors.js';
import { MANIFEST_MEDIA_TYPES, MediaType } from '../../src/oci/media-types.js';
import { RegistryClient, contextOf } from '../../src/client.js';
import { ORIGIN, errorReply, manifestReply, ociManifest, rejection, sha256, useMockRegistry } from '../helpers/mock-registry.js';

const MANIFEST_PATH = '/v2/app/manifests/1.0';
const REF = 'registry.test/app:1.0';

const mock = useMockRegistry();

describe('canary: the MockAgent really sees the client', () => {
  it('records the exact method, path and headers of a getManifest', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, manifestReply(m));
    const client = mock.client({ userAgent: 'canary-agent/1.2' });

    const result = await client.getManifest(REF);

    expect(result.descriptor.digest).toBe(m.digest);
    expect(mock.requests).toHaveLength(1);
    const [req] = mock.requests;
    expect(req?.origin).toBe(ORIGIN);
    expect(req?.method).toBe('GET');
    expect(req?.path).toBe(MANIFEST_PATH);
    expect(req?.headers['user-agent']).toBe('canary-agent/1.2');
    expect(req?.headers['accept']?.split(',').map((s) => s.trim().split(';')[0])).toEqual(
      expect.arrayContaining([...MANIFEST_MEDIA_TYPES]),
    );
    expect(mock.pending()).toBe(0);
  });

  it('fails with a typed error, not a real connection, when nothing is mocked', async () => {
    const client = mock.client({ retry: false });
    const error = await rejection(client.getManifest(REF));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('UND_MOCK_ERR_MOCK_NOT_MATCHED');
    expect((error as NetworkError).operation).toBe(`GET manifest ${REF}`);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
  });
});

describe('retries', () => {
  it('retries a 503 and succeeds on the second request', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, errorReply(503, 'UNAVAILABLE')).on('GET', MANIFEST_PATH, manifestReply(m));
    const retries: number[] = [];
    const client = mock.client({ onRetry: (info) => retries.push(info.attempt) });

    const result = await client.getManifest(REF);

    expect(result.descriptor.digest).toBe(m.digest);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(2);
    expect(retries).toEqual([1]);
  });

  it('waits for Retry-After given in seconds before retrying a 429', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, errorReply(429, 'TOOMANYREQUESTS', 'slow down', { 'retry-after': '1' })).on('GET', MANIFEST_PATH, manifestReply(m));
    const delays: number[] = [];
    const client = mock.client({ onRetry: (info) => delays.push(info.delayMs) });

    const started = performance.now();
    await client.getManifest(REF);
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(delays).toEqual([1000]);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(2);
  });

  it('waits for Retry-After given as an HTTP-date', async () => {
    const m = ociManifest();
    const when = new Date(Date.now() + 2000).toUTCString(); // whole seconds: between 1 and 2 s from now
    mock.on('GET', MANIFEST_PATH, { status: 503, body: 'busy', headers: { 'retry-after': when } }).on('GET', MANIFEST_PATH, manifestReply(m));
    const delays: number[] = [];
    const client = mock.client({ onRetry: (info) => delays.push(info.delayMs) });

    const started = performance.now();
    await client.getManifest(REF);
    const elapsed = performance.now() - started;

    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(0);
    expect(delays[0]).toBeLessThanOrEqual(2000);
    expect(elapsed).toBeGreaterThanOrEqual((delays[0] ?? 0) - 50);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(2);
  });

  it('fails at once when Retry-After asks for more than maxRetryAfterMs', async () => {
    mock.on('GET', MANIFEST_PATH, errorReply(429, 'TOOMANYREQUESTS', 'rate limit exceeded', { 'retry-after': '3600' }), { persist: true });
    const retries: number[] = [];
    const client = mock.client({ retry: { minDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2000 }, onRetry: (info) => retries.push(info.delayMs) });

    const started = performance.now();
    const error = await rejection(client.getManifest(REF));

    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(429);
    expect((error as RegistryError).codes).toEqual(['TOOMANYREQUESTS']);
    expect((error as RegistryError).retryAfterMs).toBe(3_600_000);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
    expect(retries).toEqual([]); // no retry was announced for a retry that does not happen
  });

  it.each([400, 404])('does not retry HTTP %i', async (status) => {
    mock.on('GET', MANIFEST_PATH, errorReply(status, status === 404 ? 'MANIFEST_UNKNOWN' : 'MANIFEST_INVALID'), { persist: true });
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(status);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
  });

  it('sends one request with retry: false', async () => {
    mock.on('GET', MANIFEST_PATH, errorReply(503, 'UNAVAILABLE'), { persist: true });
    const error = await rejection(mock.client({ retry: false }).getManifest(REF));
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(503);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
  });

  it('gives up after the configured number of retries', async () => {
    mock.on('GET', MANIFEST_PATH, errorReply(502, 'UNAVAILABLE'), { persist: true });
    const announced: number[] = [];
    const client = mock.client({ retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 }, onRetry: (info) => announced.push(info.attempt) });
    const error = await rejection(client.getManifest(REF));
    expect((error as RegistryError).status).toBe(502);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(3);
    expect(announced).toEqual([1, 2]);
  });

  it('retries a connection reset, then succeeds', async () => {
    const m = ociManifest();
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    mock.fail('GET', MANIFEST_PATH, reset).on('GET', MANIFEST_PATH, manifestReply(m));
    const errors: Error[] = [];
    const client = mock.client({ onRetry: (info) => errors.push(info.error) });

    const result = await client.getManifest(REF);

    expect(result.descriptor.digest).toBe(m.digest);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(2);
    expect(errors[0]).toBeInstanceOf(NetworkError);
    expect((errors[0] as NetworkError).code).toBe('ECONNRESET');
  });

  it('does not retry a request whose body is a one-shot stream', async () => {
    mock.on('PUT', '/v2/app/blobs/uploads/x', errorReply(503, 'UNAVAILABLE'), { persist: true });
    const client = mock.client();
    const error = await rejection(
      contextOf(client).transport.request({
        registry: 'registry.test',
        method: 'PUT',
        path: '/v2/app/blobs/uploads/x',
        body: Readable.from([Buffer.from('once')]),
        scopes: [],
        operation: 'stream upload',
        expect: [201],
      }),
    );
    expect((error as RegistryError).status).toBe(503);
    expect(mock.count('PUT')).toBe(1);
    expect(mock.requests[0]?.body).toBe('stream');
  });

  it('stops on abort while waiting for Retry-After, sending nothing more', async () => {
    mock.on('GET', MANIFEST_PATH, errorReply(503, 'UNAVAILABLE', 'busy', { 'retry-after': '30' }), { persist: true });
    const controller = new AbortController();
    const client = mock.client({ onRetry: () => setTimeout(() => controller.abort(), 50) });

    const started = performance.now();
    const error = await rejection(client.getManifest(REF, { signal: controller.signal }));

    expect(error).toBeInstanceOf(AbortError);
    expect(performance.now() - started).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 50));
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
  });

  it('stops on abort during the backoff of a network failure', async () => {
    mock.fail('GET', MANIFEST_PATH, Object.assign(new Error('reset'), { code: 'ECONNRESET' }), { persist: true });
    const controller = new AbortController();
    const client = mock.client({
      retry: { retries: 10, minDelayMs: 2000, maxDelayMs: 2000 },
      onRetry: () => setTimeout(() => controller.abort(), 20),
    });

    const error = await rejection(client.getManifest(REF, { signal: controller.signal }));

    expect(error).toBeInstanceOf(AbortError);
    await new Promise((r) => setTimeout(r, 50));
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
  });
});

describe('redirects', () => {
  const BLOB = Buffer.from('redirected blob content');
  const DIGEST = sha256(BLOB);
  const BLOB_PATH = `/v2/app/blobs/${DIGEST}`;
  const credentials = { 'registry.test': { username: 'alice', password: 'alice-password-1' } };
  const basicChallenge = { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } };

  async function read(stream: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('drops Authorization when a blob GET is redirected to another origin', async () => {
    mock
      .on('GET', BLOB_PATH, basicChallenge)
      .on('GET', BLOB_PATH, { status: 307, headers: { location: `https://cdn.test/blobs/abc?X-Amz-Signature=sig` } })
      .on('GET', '/blobs/abc', { status: 200, body: BLOB }, { origin: 'https://cdn.test' });
    const client = mock.client({ credentials });

    const content = await read(await client.getBlob('registry.test/app', DIGEST));

    expect(content.equals(BLOB)).toBe(true);
    const [challenged, authorized] = mock.filter('GET', BLOB_PATH);
    expect(challenged?.headers['authorization']).toBeUndefined();
    expect(authorized?.headers['authorization']).toMatch(/^Basic /);
    const atCdn = mock.filter('GET', undefined, 'https://cdn.test');
    expect(atCdn).toHaveLength(1);
    expect(atCdn[0]?.path).toBe('/blobs/abc?X-Amz-Signature=sig');
    expect(atCdn[0]?.headers['authorization']).toBeUndefined();
  });

  it('keeps Authorization on a same-origin redirect', async () => {
    mock
      .on('GET', BLOB_PATH, basicChallenge)
      .on('GET', BLOB_PATH, { status: 302, headers: { location: '/storage/abc' } })
      .on('GET', '/storage/abc', { status: 200, body: BLOB });
    const client = mock.client({ credentials });

    const content = await read(await client.getBlob('registry.test/app', DIGEST));

    expect(content.equals(BLOB)).toBe(true);
    const [storage] = mock.filter('GET', '/storage/abc');
    expect(storage?.headers['authorization']).toBe(`Basic ${Buffer.from('alice:alice-password-1').toString('base64')}`);
  });

  it('refuses a redirect from https to http', async () => {
    mock.on('GET', BLOB_PATH, { status: 307, headers: { location: 'http://cdn.test/blobs/abc' } });
    const error = await rejection(mock.client().getBlob('registry.test/app', DIGEST));
    expect(error).toBeInstanceOf(UnsafeRequestError);
    expect(error.message).toContain('https to http');
    expect(mock.count(undefined, undefined, 'http://cdn.test')).toBe(0);
    expect(mock.count('GET', BLOB_PATH)).toBe(1);
  });

  it('refuses a redirect from a public registry to an internal address', async () => {
    mock.on('GET', BLOB_PATH, { status: 307, headers: { location: 'https://169.254.169.254/latest/meta-data/' } });
    const error = await rejection(mock.client().getBlob('registry.test/app', DIGEST));
    expect(error).toBeInstanceOf(UnsafeRequestError);
    expect(mock.count(undefined, undefined, 'https://169.254.169.254')).toBe(0);
  });

  it('refuses more than 10 redirects', async () => {
    mock.on('GET', /^\/(v2|hop)\//, (req) => {
      const n = req.path.startsWith('/hop/') ? Number(req.path.slice(5)) + 1 : 1;
      return { status: 302, headers: { location: `/hop/${n}` } };
    }, { persist: true });
    const error = await rejection(mock.client().getBlob('registry.test/app', DIGEST));
    expect(error).toBeInstanceOf(UnsafeRequestError);
    expect(error.message).toMatch(/more than 10 redirects/);
    expect(mock.count('GET')).toBe(11);
  });
});

describe('manifests', () => {
  it('rejects a by-digest GET whose bytes have another digest', async () => {
    const asked = ociManifest('asked');
    const served = ociManifest('served');
    mock.on('GET', `/v2/app/manifests/${asked.digest}`, manifestReply({ ...served, digest: served.digest }));
    const error = await rejection(mock.client().getManifest(`registry.test/app@${asked.digest}`));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).expected.digest).toBe(asked.digest);
    expect((error as DigestMismatchError).actual.digest).toBe(served.digest);
  });

  it('rejects a Docker-Content-Digest header that does not describe the body', async () => {
    const m = ociManifest();
    const other = sha256('something else');
    mock.on('GET', MANIFEST_PATH, manifestReply(m, { 'docker-content-digest': other }));
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).expected.digest).toBe(other);
    expect((error as DigestMismatchError).actual.digest).toBe(m.digest);
  });

  it('rejects a document whose mediaType contradicts Content-Type', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, manifestReply(m, { 'content-type': MediaType.DockerManifest }));
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).problems.join(' ')).toContain('contradicts Content-Type');
  });

  it('rejects a document with both manifests and layers', async () => {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [], layers: [], config: { mediaType: 'x', digest: sha256('c'), size: 1 } }));
    mock.on('GET', MANIFEST_PATH, { status: 200, body: bytes, headers: { 'content-type': MediaType.OciIndex } });
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).problems.join(' ')).toMatch(/both "manifests" and "layers"/);
  });

  it('refuses a schema1 manifest with UnsupportedMediaTypeError', async () => {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'app', tag: '1.0', architecture: 'amd64', fsLayers: [], history: [], signatures: [] }));
    mock.on('GET', MANIFEST_PATH, { status: 200, body: bytes, headers: { 'content-type': MediaType.DockerSchema1Signed } });
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    expect((error as UnsupportedMediaTypeError).mediaType).toBe(MediaType.DockerSchema1Signed);
  });

  it('refuses a manifest larger than maxManifestBytes announced by Content-Length', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, manifestReply(m));
    const error = await rejection(mock.client({ maxManifestBytes: 100 }).getManifest(REF));
    expect(error).toBeInstanceOf(SizeLimitError);
    expect((error as SizeLimitError).limit).toBe(100);
  });

  it('refuses a manifest larger than maxManifestBytes sent without Content-Length', async () => {
    const big = Buffer.alloc(64 * 1024, 0x20);
    mock.on('GET', MANIFEST_PATH, { status: 200, body: big, headers: { 'content-type': MediaType.OciManifest } });
    const error = await rejection(mock.client({ maxManifestBytes: 1000 }).getManifest(REF));
    expect(error).toBeInstanceOf(SizeLimitError);
    expect((error as SizeLimitError).limit).toBe(1000);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
  });

  it('rejects a body that is not JSON with SchemaError', async () => {
    mock.on('GET', MANIFEST_PATH, { status: 200, body: '<html>not json</html>', headers: { 'content-type': MediaType.OciManifest } });
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).problems[0]).toMatch(/not valid JSON/);
  });

  it('asks for all four manifest types, in the Accept header of GET and HEAD', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, manifestReply(m)).on('HEAD', MANIFEST_PATH, manifestReply(m));
    const client = mock.client();
    await client.getManifest(REF);
    await client.headManifest(REF);
    for (const req of mock.requests) {
      const types = (req.headers['accept'] ?? '').split(',').map((t) => t.split(';')[0]?.trim());
      for (const type of [MediaType.OciIndex, MediaType.DockerManifestList, MediaType.OciManifest, MediaType.DockerManifest]) {
        expect(types).toContain(type);
      }
    }
    expect(mock.requests.map((r) => r.method)).toEqual(['GET', 'HEAD']);
  });

  it('answers HEAD from the headers when Docker-Content-Digest is present', async () => {
    const m = ociManifest();
    mock.on('HEAD', MANIFEST_PATH, manifestReply(m));
    const descriptor = await mock.client().headManifest(REF);
    expect(descriptor).toEqual({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
    expect(mock.count('GET')).toBe(0);
  });

  it('falls back to GET when HEAD has no Docker-Content-Digest', async () => {
    const m = ociManifest();
    mock
      .on('HEAD', MANIFEST_PATH, { status: 200, headers: { 'content-type': m.mediaType, 'content-length': String(m.bytes.length) } })
      .on('GET', MANIFEST_PATH, manifestReply(m));
    const descriptor = await mock.client().headManifest(REF);
    expect(descriptor).toEqual({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
    expect(mock.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('falls back to GET when HEAD is answered 405', async () => {
    const m = ociManifest();
    mock.on('HEAD', MANIFEST_PATH, { status: 405 }).on('GET', MANIFEST_PATH, manifestReply(m));
    const descriptor = await mock.client().headManifest(REF);
    expect(descriptor.digest).toBe(m.digest);
    expect(mock.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('rejects a HEAD by digest whose Docker-Content-Digest names other content', async () => {
    const asked = ociManifest('asked');
    const other = ociManifest('other');
    mock.on('HEAD', `/v2/app/manifests/${asked.digest}`, manifestReply({ ...asked, digest: other.digest }));
    const error = await rejection(mock.client().headManifest(`registry.test/app@${asked.digest}`));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).actual.digest).toBe(other.digest);
  });

  it('puts manifest bytes exactly as given, with their media type', async () => {
    const m = ociManifest();
    mock.on('PUT', MANIFEST_PATH, { status: 201, headers: { 'docker-content-digest': m.digest, location: `/v2/app/manifests/${m.digest}` } });
    const descriptor = await mock.client().putManifest(REF, m.bytes);
    expect(descriptor).toEqual({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
    const [put] = mock.filter('PUT');
    expect(put?.headers['content-type']).toBe(m.mediaType);
    expect(put?.body).toEqual(m.bytes);
  });

  it('rejects a PUT answer whose Docker-Content-Digest differs from the bytes sent', async () => {
    const m = ociManifest();
    mock.on('PUT', MANIFEST_PATH, { status: 201, headers: { 'docker-content-digest': sha256('not what was sent') } });
    const error = await rejection(mock.client().putManifest(REF, m.bytes));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).actual.digest).toBe(m.digest);
  });

  it('reports a missing manifest as not existing', async () => {
    mock.on('HEAD', MANIFEST_PATH, { status: 404 });
    expect(await mock.client().manifestExists(REF)).toBe(false);
    expect(mock.count('HEAD')).toBe(1);
  });
});

describe('error responses', () => {
  it('parses the error codes of a JSON error body', async () => {
    mock.on('GET', MANIFEST_PATH, errorReply(404, 'MANIFEST_UNKNOWN', 'manifest unknown to registry'));
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(RegistryError);
    const registryError = error as RegistryError;
    expect(registryError.status).toBe(404);
    expect(registryError.codes).toEqual(['MANIFEST_UNKNOWN']);
    expect(registryError.errors[0]?.message).toBe('manifest unknown to registry');
    expect(registryError.operation).toBe(`GET manifest ${REF}`);
    expect(isNotFound(registryError)).toBe(true);
    expect(registryError.message).toContain('MANIFEST_UNKNOWN');
  });

  it('keeps several error codes in order', async () => {
    mock.on('GET', MANIFEST_PATH, {
      status: 403,
      body: { errors: [{ code: 'DENIED', message: 'no' }, { code: 'UNAUTHORIZED', detail: { x: 1 } }] },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    const error = (await rejection(mock.client().getManifest(REF))) as RegistryError;
    expect(error.codes).toEqual(['DENIED', 'UNAUTHORIZED']);
    expect(error.errors[1]?.detail).toEqual({ x: 1 });
  });

  it('still reports the status of an HTML error page', async () => {
    mock.on('GET', MANIFEST_PATH, { status: 403, body: '<html><body><h1>403 Forbidden</h1></body></html>', headers: { 'content-type': 'text/html' } });
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(403);
    expect((error as RegistryError).codes).toEqual([]);
    expect(error.message).toContain('HTTP 403');
  });

  it('caps a huge error body', async () => {
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x7b); // '{{{{…': looks like JSON, is not
    mock.on('GET', MANIFEST_PATH, { status: 500, body: huge, headers: { 'content-type': 'application/json' } });
    const error = await rejection(mock.client({ retry: false }).getManifest(REF));
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(500);
    expect(error.message.length).toBeLessThan(1000);
  });

  it('passes Warning headers to onWarning', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, manifestReply(m, { warning: '299 - "this repository is deprecated"' }));
    const warnings: Array<[string, string]> = [];
    await mock.client({ onWarning: (warning, operation) => warnings.push([warning, operation]) }).getManifest(REF);
    expect(warnings).toEqual([['299 - "this repository is deprecated"', `GET manifest ${REF}`]]);
  });

  it('removes credentials from network error messages', async () => {
    rememberSecret('very-secret-password-42');
    const failure = new Error('connect to https://bob:very-secret-password-42@proxy.test/?X-Amz-Signature=abcdef failed');
    mock.fail('GET', MANIFEST_PATH, failure);
    const error = await rejection(mock.client({ retry: false }).getManifest(REF));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).not.toContain('very-secret-password-42');
    expect(error.message).not.toContain('abcdef');
    expect(error.message).not.toContain('bob:');
  });
});

describe('redact()', () => {
  it('removes Bearer and Basic values', () => {
    const out = redact('Authorization: Bearer abc.def-ghi and authorization: Basic YWxpY2U6cHc=');
    expect(out).not.toContain('abc.def-ghi');
    expect(out).not.toContain('YWxpY2U6cHc=');
    expect(out).toContain('Bearer [REDACTED]');
    expect(out).toContain('Basic [REDACTED]');
  });

  it('removes userinfo from URLs', () => {
    const out = redact('GET https://user:hunter2pass@registry.test/v2/ failed');
    expect(out).not.toContain('hunter2pass');
    expect(out).not.toContain('user:');
    expect(out).toContain('registry.test/v2/');
  });

  it('removes signed query parameters and keeps the rest', () => {
    const out = redact('https://s3.test/blob?X-Amz-Credential=AKIA123&X-Amz-Signature=deadbeef&partNumber=2&sig=azure1&token=tok1');
    for (const secret of ['AKIA123', 'deadbeef', 'azure1', 'tok1']) expect(out).not.toContain(secret);
    expect(out).toContain('partNumber=2');
  });

  it('removes registered secrets wherever they appear', () => {
    rememberSecret('registered-secret-xyz');
    const out = redact('the value registered-secret-xyz leaked into "registered-secret-xyz"');
    expect(out).not.toContain('registered-secret-xyz');
    expect(out).toBe('the value [REDACTED] leaked into "[REDACTED]"');
  });

  it('is applied to every library error message', () => {
    rememberSecret('ctor-secret-123');
    expect(new MultiplatformError('oops ctor-secret-123').message).toBe('oops [REDACTED]');
  });
});

describe('pagination', () => {
  it('follows relative Link headers across three pages', async () => {
    mock
      .on('GET', '/v2/app/tags/list', (req) => {
        const last = req.url.searchParams.get('last');
        if (last === null) return { status: 200, body: { name: 'app', tags: ['a', 'b'] }, headers: { link: '</v2/app/tags/list?n=2&last=b>; rel="next"' } };
        if (last === 'b') return { status: 200, body: { name: 'app', tags: ['c', 'd'] }, headers: { link: '</v2/app/tags/list?n=2&last=d>; rel="next"' } };
        return { status: 200, body: { name: 'app', tags: ['e'] } };
      }, { times: 3 });

    const tags = await mock.client().listTags('registry.test/app', { pageSize: 2 });

    expect(tags).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(mock.requests.map((r) => r.path)).toEqual(['/v2/app/tags/list?n=2', '/v2/app/tags/list?n=2&last=b', '/v2/app/tags/list?n=2&last=d']);
  });

  it('refuses a Link to another origin', async () => {
    mock.on('GET', '/v2/app/tags/list', { status: 200, body: { name: 'app', tags: ['a'] }, headers: { link: '<https://evil.example/v2/app/tags/list?last=a>; rel="next"' } });
    const error = await rejection(mock.client().listTags('registry.test/app'));
    expect(error).toBeInstanceOf(MultiplatformError);
    expect(error.message).toMatch(/another origin/);
    expect(mock.count(undefined, undefined, 'https://evil.example')).toBe(0);
    expect(mock.requests).toHaveLength(1);
  });

  it('fails when a page links back to a page already read (here, itself)', async () => {
    mock
      .on('GET', '/v2/app/tags/list', { status: 200, body: { name: 'app', tags: ['a'] }, headers: { link: '</v2/app/tags/list?last=a>; rel="next"' } })
      .on('GET', '/v2/app/tags/list', { status: 200, body: { name: 'app', tags: ['b'] }, headers: { link: '</v2/app/tags/list?last=a>; rel="next"' } });
    const error = await rejection(mock.client().listTags('registry.test/app'));
    expect(error.message).toMatch(/pagination loops \(the Link header of page 2 leads back to page 2\)/);
    expect(mock.requests).toHaveLength(2);
  });
});

describe('loopback registries', () => {
  it('asks a loopback registry over plain HTTP first and, when it answers as a registry, remembers it without trying TLS', async () => {
    const m = ociManifest();
    mock
      .on('GET', '/v2/', { status: 200, body: {} }, { origin: 'http://127.0.0.1:5000' })
      .on('GET', '/v2/app/manifests/1.0', manifestReply(m), { origin: 'http://127.0.0.1:5000', times: 2 });
    const client = mock.client();

    await client.getManifest('127.0.0.1:5000/app:1.0');
    await client.getManifest('127.0.0.1:5000/app:1.0');

    expect(mock.requests.map((r) => `${r.method} ${r.origin}${r.path}`)).toEqual([
      'GET http://127.0.0.1:5000/v2/',
      'GET http://127.0.0.1:5000/v2/app/manifests/1.0',
      'GET http://127.0.0.1:5000/v2/app/manifests/1.0',
    ]);
  });

  it('falls back to plain HTTP when neither plain HTTP answers as a registry nor the HTTPS probe can speak TLS', async () => {
    const m = ociManifest();
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const tlsFailure = Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    mock
      .fail('GET', '/v2/', reset, { origin: 'http://127.0.0.1:5000' })
      .fail('GET', '/v2/', tlsFailure, { origin: 'https://127.0.0.1:5000' })
      .on('GET', '/v2/app/manifests/1.0', manifestReply(m), { origin: 'http://127.0.0.1:5000' });

    await mock.client().getManifest('127.0.0.1:5000/app:1.0');

    expect(mock.requests.map((r) => `${r.method} ${r.origin}${r.path}`)).toEqual([
      'GET http://127.0.0.1:5000/v2/',
      'GET https://127.0.0.1:5000/v2/',
      'GET http://127.0.0.1:5000/v2/app/manifests/1.0',
    ]);
  });

  it('stays on HTTPS when plain HTTP gets a TLS server\'s 400 and the HTTPS probe gets any HTTP answer', async () => {
    const m = ociManifest();
    mock
      .on('GET', '/v2/', { status: 400, body: 'Client sent an HTTP request to an HTTPS server.' }, { origin: 'http://127.0.0.1:5000' })
      .on('GET', '/v2/', { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } }, { origin: 'https://127.0.0.1:5000' })
      .on('GET', '/v2/app/manifests/1.0', manifestReply(m), { origin: 'https://127.0.0.1:5000' });
    await mock.client().getManifest('127.0.0.1:5000/app:1.0');
    expect(mock.count('GET', '/v2/app/manifests/1.0', 'http://127.0.0.1:5000')).toBe(0);
    expect(mock.count('GET', '/v2/app/manifests/1.0', 'https://127.0.0.1:5000')).toBe(1);
  });

  it('never probes plain HTTP for a public registry', async () => {
    mock.on('GET', MANIFEST_PATH, errorReply(404, 'MANIFEST_UNKNOWN'));
    await rejection(mock.client().getManifest(REF));
    expect(mock.requests.map((r) => r.origin)).toEqual([ORIGIN]);
  });
});

describe('error bodies from a real socket', () => {
  // MockAgent hands over a reply in one piece; an endless body needs a real server (127.0.0.1, port 0).
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  });

  it('does not read an endless error body to its end', async () => {
    let sent = 0;
    server = createServer((req, res) => {
      if (req.url === '/v2/') {
        res.writeHead(200).end('{}');
        return;
      }
      res.writeHead(500, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x7b);
      const pump = () => {
        for (;;) {
          if (res.destroyed) return;
          sent += chunk.length;
          if (!res.write(chunk)) break;
        }
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new RegistryClient({ dockerConfig: false, env: {}, retry: false });
    try {
      const started = performance.now();
      const error = await rejection(client.getManifest(`127.0.0.1:${port}/app:1.0`));
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).status).toBe(500);
      expect(performance.now() - started).toBeLessThan(3000);
      // The server keeps writing until the client hangs up; what it got out is bounded by the cap plus socket buffers.
      expect(sent).toBeGreaterThan(64 * 1024);
      expect(sent).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await client.close();
      server.closeAllConnections();
    }
  });
});
