/**
 * Fault injection against the embedded registry: one test (or more) per row of the fault matrix in
 * docs/reliability.md. Each test injects the fault with `registry.faults.add(...)` and checks what
 * can be observed from outside: the error type, the content the registry ends up holding, and the
 * number of requests per route (`registry.stats.byRoute`). Rows a real registry cannot produce are
 * in the MockAgent files (test/transport/auth.test.ts, test/remote/*.test.ts, test/reliability/*.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type RegistryClientOptions } from '../../src/client.js';
import { digestOf, type Digest } from '../../src/oci/digest.js';
import {
  AbortError,
  AuthError,
  TimeoutError,
  DigestMismatchError,
  InvalidDigestError,
  InvalidReferenceError,
  NetworkError,
  RegistryError,
  SchemaError,
  SizeLimitError,
} from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import { startBlobMirror, startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { buildImage, type BuiltImage } from '../helpers/images.js';
import { sharedRegistries } from '../helpers/registries.js';

const FAST_RETRY = { minDelayMs: 1, maxDelayMs: 20 } as const;
const USER = 'fault-tester';
const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;

let registry: RunningRegistry;
let tokenRegistry: RunningRegistry;
/** Request lines of `registry` (`METHOD path?query -> status (ms)`), to see ranges and query strings. */
const log: string[] = [];
const watchers = new Set<(line: string) => void>();
const clients: RegistryClient[] = [];

beforeAll(async () => {
  [registry, tokenRegistry] = await Promise.all([
    startRegistry({
      log: (line) => {
        log.push(line);
        for (const watch of [...watchers]) watch(line);
      },
    }),
    startRegistry({ auth: { token: { username: USER, password: PASSWORD } } }),
  ]);
});
afterAll(async () => {
  await Promise.all([registry?.close(), tokenRegistry?.close()]);
});
afterEach(async () => {
  watchers.clear();
  registry.faults.clear();
  tokenRegistry.faults.clear();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function clientFor(options: RegistryClientOptions = {}): RegistryClient {
  const client = new RegistryClient({ dockerConfig: false, env: {}, retry: FAST_RETRY, ...options });
  clients.push(client);
  return client;
}

function tokenClient(options: RegistryClientOptions = {}): RegistryClient {
  return clientFor({ credentials: { [tokenRegistry.host]: { username: USER, password: PASSWORD } }, ...options });
}

/** Counts requests per route from now on: `count('GET manifest')`. */
function counter(reg: RunningRegistry): (route: string) => number {
  const before = { ...reg.stats.byRoute };
  return (route) => (reg.stats.byRoute[route] ?? 0) - (before[route] ?? 0);
}

const unique = (prefix: string) => `faults/${prefix}-${randomBytes(4).toString('hex')}`;

function imageFor(seed: string, extraAnnotation?: string): BuiltImage {
  return buildImage({
    os: 'linux',
    architecture: 'amd64',
    content: `fault test ${seed} ${randomBytes(4).toString('hex')}\n`,
    ...(extraAnnotation ? { annotations: { 'test.padding': extraAnnotation } } : {}),
  });
}

/** Pushes an image's blobs and manifest; returns `host/repo:tag`. */
async function pushImage(client: RegistryClient, reg: RunningRegistry, repo: string, image: BuiltImage, tag = 'v1'): Promise<string> {
  for (const blob of [image.config, ...image.layers]) await client.pushBlob(`${reg.host}/${repo}`, blob.bytes);
  const ref = `${reg.host}/${repo}:${tag}`;
  await client.putManifest(ref, image.manifest.bytes);
  return ref;
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** What the registry holds, read with plain fetch (no client involved). */
async function storedBlob(reg: RunningRegistry, repo: string, digest: string): Promise<Buffer | undefined> {
  const res = await fetch(`${reg.url}/v2/${repo}/blobs/${digest}`);
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function storedManifest(reg: RunningRegistry, repo: string, reference: string): Promise<Buffer | undefined> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${reference}`);
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** A stream of `data` in `pieceSize` pieces (a stream of unknown length: the client uploads it in PATCH chunks). */
function piecesOf(data: Buffer, pieceSize: number): Readable {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += pieceSize) pieces.push(data.subarray(offset, offset + pieceSize));
  return Readable.from(pieces);
}

/**
 * Runs `action` once `registry` has answered the `n`th request whose log line starts with `prefix`
 * (e.g. `'PATCH '`). The line is logged before the client can read the answer, so the action takes
 * effect before the client's next request.
 */
function afterAnswer(prefix: string, n: number, action: () => void): void {
  let seen = 0;
  const watch = (line: string) => {
    if (!line.startsWith(prefix) || ++seen < n) return;
    watchers.delete(watch);
    action();
  };
  watchers.add(watch);
}

const KIB = 1024;

describe('5xx, then 200: bounded retry, success', () => {
  it('retries a manifest GET answered 503 twice and returns the manifest', async () => {
    const client = clientFor();
    const repo = unique('5xx-get');
    const image = imageFor('5xx-get');
    const ref = await pushImage(client, registry, repo, image);
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 503, times: 2 });

    const result = await client.getManifest(ref);

    expect(result.bytes.equals(image.manifest.bytes)).toBe(true);
    expect(count('GET manifest')).toBe(3);
  });

  it('replays a manifest PUT answered 502 and stores it once, byte for byte', async () => {
    const client = clientFor();
    const repo = unique('5xx-put');
    const image = imageFor('5xx-put');
    for (const blob of [image.config, ...image.layers]) await client.pushBlob(`${registry.host}/${repo}`, blob.bytes);
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/manifests\//, status: 502 });

    const written = await client.putManifest(`${registry.host}/${repo}:v1`, image.manifest.bytes);

    expect(written.digest).toBe(image.manifest.digest);
    expect(count('PUT manifest')).toBe(2);
    expect((await storedManifest(registry, repo, 'v1'))?.equals(image.manifest.bytes)).toBe(true);
  });

  it('resumes a chunked upload whose PATCH was answered 503, after asking the session where it stands', async () => {
    const client = clientFor({ chunkSize: 16 * KIB });
    const repo = unique('5xx-patch');
    const data = randomBytes(48 * KIB);
    const count = counter(registry);
    registry.faults.add({ method: 'PATCH', status: 503 });

    const result = await client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 16 * KIB));

    expect(result).toMatchObject({ digest: digestOf(data), size: data.length, outcome: 'uploaded' });
    expect(count('PATCH upload')).toBe(4);
    expect(count('GET upload')).toBe(1);
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });

  it('retries a token endpoint answering 503, then uses the token', async () => {
    const client = tokenClient();
    const repo = unique('5xx-token');
    const count = counter(tokenRegistry);
    tokenRegistry.faults.add({ path: '/token', status: 503 });

    const result = await client.pushBlob(`${tokenRegistry.host}/${repo}`, randomBytes(KIB));

    expect(result.outcome).toBe('uploaded');
    expect(client.tokenRequests).toBe(2);
    expect(count('GET token')).toBe(2);
  });

  it('gives up with the RegistryError after the configured retries when the 5xx persists', async () => {
    const client = clientFor({ retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });
    const repo = unique('5xx-persist');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 503, times: Infinity });

    const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(503);
    expect(count('GET manifest')).toBe(3);
  });
});

describe('429 with Retry-After: waits about that long (capped), then success or TOOMANYREQUESTS', () => {
  it('waits the seconds of Retry-After before the second request', async () => {
    const delays: number[] = [];
    const client = clientFor({ onRetry: (info) => delays.push(info.delayMs) });
    const repo = unique('429-seconds');
    const image = imageFor('429-seconds');
    const ref = await pushImage(client, registry, repo, image);
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 429, retryAfter: '1' });

    const started = performance.now();
    const result = await client.getManifest(ref);

    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(delays).toEqual([1000]);
    expect(result.descriptor.digest).toBe(image.manifest.digest);
    expect(count('GET manifest')).toBe(2);
  });

  it('waits until the HTTP-date of Retry-After', async () => {
    const delays: number[] = [];
    const client = clientFor({ onRetry: (info) => delays.push(info.delayMs) });
    const repo = unique('429-date');
    const image = imageFor('429-date');
    const ref = await pushImage(client, registry, repo, image);
    const count = counter(registry);
    // HTTP-dates have whole seconds: this is between 1 and 2 s from now.
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 429, retryAfter: new Date(Date.now() + 2000).toUTCString() });

    const started = performance.now();
    await client.getManifest(ref);
    const elapsed = performance.now() - started;

    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(0);
    expect(delays[0]).toBeLessThanOrEqual(2000);
    expect(elapsed).toBeGreaterThanOrEqual((delays[0] ?? 0) - 50);
    expect(count('GET manifest')).toBe(2);
  });

  it('fails at once with TOOMANYREQUESTS when Retry-After is over the cap', async () => {
    const client = clientFor({ retry: { ...FAST_RETRY, maxRetryAfterMs: 1000 } });
    const repo = unique('429-cap');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 429, retryAfter: '120', times: Infinity });

    const started = performance.now();
    const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).codes).toEqual(['TOOMANYREQUESTS']);
    expect((error as RegistryError).retryAfterMs).toBe(120_000);
    expect(count('GET manifest')).toBe(1);
  });

  it('reports TOOMANYREQUESTS after the retry budget when every answer is 429', async () => {
    const client = clientFor({ retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });
    const repo = unique('429-persist');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 429, retryAfter: '0', times: Infinity });

    const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect((error as RegistryError).status).toBe(429);
    expect((error as RegistryError).codes).toEqual(['TOOMANYREQUESTS']);
    expect(count('GET manifest')).toBe(3);
  });
});

describe('408 on PUT: retry', () => {
  it('sends a manifest PUT answered 408 again', async () => {
    const client = clientFor();
    const repo = unique('408-manifest');
    const image = imageFor('408-manifest');
    for (const blob of [image.config, ...image.layers]) await client.pushBlob(`${registry.host}/${repo}`, blob.bytes);
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/manifests\//, status: 408 });

    await client.putManifest(`${registry.host}/${repo}:v1`, image.manifest.bytes);

    expect(count('PUT manifest')).toBe(2);
    expect((await storedManifest(registry, repo, 'v1'))?.equals(image.manifest.bytes)).toBe(true);
  });

  it('checks the blob with HEAD after a final upload PUT answered 408, then uploads again in a new session', async () => {
    const client = clientFor();
    const repo = unique('408-blob');
    const data = randomBytes(8 * KIB);
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/blobs\/uploads\//, status: 408 });

    const result = await client.pushBlob(`${registry.host}/${repo}`, data);

    expect(result.outcome).toBe('uploaded');
    expect(count('HEAD blob')).toBe(2); // before the upload, and the check after the 408
    expect(count('POST upload')).toBe(2);
    expect(count('PUT upload')).toBe(2);
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });
});

describe('connection reset in the middle of a blob GET: Range resume (or restart), then verify', () => {
  it('resumes with Range after half the blob and delivers it exactly once, verified', async () => {
    const client = clientFor();
    const repo = unique('reset-get');
    const data = randomBytes(256 * KIB);
    const digest = digestOf(data);
    await client.pushBlob(`${registry.host}/${repo}`, data);
    const count = counter(registry);
    const logStart = log.length;
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, reset: 'mid-body' });

    const received = await readAll(await client.getBlob(`${registry.host}/${repo}`, { mediaType: 'application/octet-stream', digest, size: data.length }));

    expect(received.equals(data)).toBe(true);
    expect(count('GET blob')).toBe(2);
    const gets = log.slice(logStart).filter((line) => line.startsWith(`GET /v2/${repo}/blobs/`));
    expect(gets).toHaveLength(2);
    expect(gets[0]).toMatch(/-> connection closed/);
    expect(gets[1]).toMatch(/-> 206 /);
  });

  it('fails with NetworkError after the retry budget when every attempt is cut', async () => {
    const client = clientFor({ retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });
    const repo = unique('reset-get-all');
    const data = randomBytes(64 * KIB);
    const digest = digestOf(data);
    await client.pushBlob(`${registry.host}/${repo}`, data);
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, reset: 'mid-body', times: Infinity });

    const error = await rejection(readAll(await client.getBlob(`${registry.host}/${repo}`, digest)));

    expect(error).toBeInstanceOf(NetworkError);
    expect(count('GET blob')).toBe(3);
  });
});

describe('reset in the middle of an upload: check upload status and resume, or HEAD and restart', () => {
  it('resumes a chunked upload whose PATCH connection was reset before any answer', async () => {
    const client = clientFor({ chunkSize: 16 * KIB });
    const repo = unique('reset-patch');
    const data = randomBytes(40 * KIB);
    const count = counter(registry);
    registry.faults.add({ method: 'PATCH', reset: 'before-response' });

    const result = await client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 8 * KIB));

    expect(result).toMatchObject({ digest: digestOf(data), size: data.length, outcome: 'uploaded' });
    expect(count('GET upload')).toBe(1);
    expect(count('PATCH upload')).toBe(4); // three chunks, the first sent twice
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });

  it('resumes a later chunk whose PATCH was reset, from the offset the registry reports', async () => {
    const client = clientFor({ chunkSize: 16 * KIB });
    const repo = unique('reset-patch-2');
    const data = randomBytes(48 * KIB);
    const count = counter(registry);
    afterAnswer('PATCH ', 1, () => registry.faults.add({ method: 'PATCH', reset: 'before-response' }));

    const result = await client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 16 * KIB));

    expect(result.digest).toBe(digestOf(data));
    expect(count('GET upload')).toBe(1);
    expect(count('PATCH upload')).toBe(4);
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });

  it('does not send a chunk again when the registry stored it but the answer was lost', async () => {
    const client = clientFor({ chunkSize: 16 * KIB });
    const repo = unique('drop-patch');
    const data = randomBytes(48 * KIB);
    const count = counter(registry);
    afterAnswer('PATCH ', 1, () => registry.faults.add({ method: 'PATCH', dropAfterCommit: true }));

    const result = await client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 16 * KIB));

    expect(result.digest).toBe(digestOf(data));
    expect(count('GET upload')).toBe(1);
    expect(count('PATCH upload')).toBe(3); // the lost one was found stored: no resend
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });

  it('restarts a monolithic upload whose final PUT was reset, after a HEAD finds nothing', async () => {
    const client = clientFor();
    const repo = unique('reset-put');
    const data = randomBytes(32 * KIB);
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/blobs\/uploads\//, reset: 'before-response' });

    const result = await client.pushBlob(`${registry.host}/${repo}`, data);

    expect(result.outcome).toBe('uploaded');
    expect(count('HEAD blob')).toBe(2);
    expect(count('POST upload')).toBe(2);
    expect(count('PUT upload')).toBe(2);
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });
});

describe('out-of-order chunk → 416: GET status, resume', () => {
  it('asks where the session stands after a 416 and continues from there', async () => {
    const client = clientFor({ chunkSize: 16 * KIB });
    const repo = unique('416');
    const data = randomBytes(48 * KIB);
    const count = counter(registry);
    afterAnswer('PATCH ', 1, () => registry.faults.add({ method: 'PATCH', status: 416 }));

    const result = await client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 16 * KIB));

    expect(result.digest).toBe(digestOf(data));
    expect(count('GET upload')).toBe(1);
    expect(count('PATCH upload')).toBe(4);
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });

  it('gives up with the 416 when the registry keeps refusing, after a bounded number of requests', async () => {
    const client = clientFor({ chunkSize: 16 * KIB, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });
    const repo = unique('416-persist');
    const data = randomBytes(32 * KIB);
    const count = counter(registry);
    registry.faults.add({ method: 'PATCH', status: 416, times: Infinity });

    const error = await rejection(client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 16 * KIB)));

    expect((error as RegistryError).status).toBe(416);
    expect(count('PATCH upload')).toBe(3);
    expect(count('GET upload')).toBe(2);
    expect(count('DELETE upload')).toBe(1); // the session is cancelled
    expect(count('PUT upload')).toBe(0);
  });
});

describe('final PUT succeeded but the response was lost: HEAD finds the blob, no second upload', () => {
  it('monolithic upload', async () => {
    const client = clientFor();
    const repo = unique('drop-put');
    const data = randomBytes(16 * KIB);
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/blobs\/uploads\//, dropAfterCommit: true });

    const result = await client.pushBlob(`${registry.host}/${repo}`, data);

    expect(result.outcome).toBe('uploaded');
    expect(count('PUT upload')).toBe(1);
    expect(count('POST upload')).toBe(1);
    expect(count('HEAD blob')).toBe(2);
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });

  it('chunked upload', async () => {
    const client = clientFor({ chunkSize: 16 * KIB });
    const repo = unique('drop-put-chunked');
    const data = randomBytes(40 * KIB);
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/blobs\/uploads\//, dropAfterCommit: true });

    const result = await client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 10 * KIB));

    expect(result.digest).toBe(digestOf(data));
    expect(count('PUT upload')).toBe(1);
    expect(count('PATCH upload')).toBe(3);
    expect(count('HEAD blob')).toBe(1);
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });

  it('a manifest PUT whose answer was lost is confirmed with a HEAD, not sent again', async () => {
    const client = clientFor();
    const repo = unique('drop-manifest');
    const image = imageFor('drop-manifest');
    for (const blob of [image.config, ...image.layers]) await client.pushBlob(`${registry.host}/${repo}`, blob.bytes);
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/manifests\//, dropAfterCommit: true });

    const written = await client.putManifest(`${registry.host}/${repo}:v1`, image.manifest.bytes);

    expect(written.digest).toBe(image.manifest.digest);
    expect(count('PUT manifest')).toBe(1);
    expect(count('HEAD manifest')).toBe(1);
    expect((await storedManifest(registry, repo, image.manifest.digest))?.equals(image.manifest.bytes)).toBe(true);
  });
});

describe('expired token → 401; the same 401 again: refresh once, then a clear auth error', () => {
  const invalidToken = (repo: string) => ({
    'WWW-Authenticate': `Bearer realm="${tokenRegistry.url}/token",service="multiplatform",scope="repository:${repo}:pull",error="invalid_token"`,
  });

  it('drops the refused token, fetches one new token and succeeds', async () => {
    const client = tokenClient();
    const repo = unique('expired');
    const image = imageFor('expired');
    const ref = await pushImage(client, tokenRegistry, repo, image);
    await client.getManifest(ref);
    const count = counter(tokenRegistry);
    const tokensBefore = client.tokenRequests;
    tokenRegistry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 401, headers: invalidToken(repo) });

    const result = await client.getManifest(ref);

    expect(result.descriptor.digest).toBe(image.manifest.digest);
    expect(client.tokenRequests - tokensBefore).toBe(1);
    expect(count('GET token')).toBe(1);
    expect(count('GET manifest')).toBe(2);
  });

  it('fails with AuthError, not a loop, when the new token is refused too', async () => {
    const client = tokenClient();
    const repo = unique('expired-again');
    const image = imageFor('expired-again');
    const ref = await pushImage(client, tokenRegistry, repo, image);
    await client.getManifest(ref);
    const count = counter(tokenRegistry);
    tokenRegistry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 401, headers: invalidToken(repo), times: Infinity });

    const error = await rejection(client.getManifest(ref));

    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/invalid_token/);
    expect(count('GET manifest')).toBe(2);
    expect(count('GET token')).toBe(1);
  });
});

describe('insufficient_scope on mount: normal upload instead', () => {
  it('copies the blob through a plain upload session when the mount is refused for scope', async () => {
    const client = tokenClient();
    const source = unique('scope-source');
    const target = unique('scope-target');
    const data = randomBytes(24 * KIB);
    const digest = digestOf(data);
    await client.pushBlob(`${tokenRegistry.host}/${source}`, data);
    const count = counter(tokenRegistry);
    tokenRegistry.faults.add({
      method: 'POST',
      path: /[?&]mount=/,
      status: 401,
      times: 2,
      headers: {
        'WWW-Authenticate': `Bearer realm="${tokenRegistry.url}/token",service="multiplatform",scope="repository:${target}:pull,push repository:${source}:pull",error="insufficient_scope"`,
      },
    });

    const result = await client.mountBlob(`${tokenRegistry.host}/${target}`, digest, { from: `${tokenRegistry.host}/${source}`, size: data.length });

    expect(result.outcome).toBe('uploaded');
    expect(tokenRegistry.faults.pending()).toBe(0);
    expect(count('POST upload')).toBe(3); // refused mount, its one re-authenticated retry, then a plain session
    expect(count('GET blob')).toBe(1); // the bytes came from the source repository
    expect(count('PUT upload')).toBe(1);
    const copied = await client.getBlobBytes(`${tokenRegistry.host}/${target}`, { mediaType: 'application/octet-stream', digest, size: data.length });
    expect(copied.equals(data)).toBe(true);
  });
});

describe('child or blob unknown just after push: opt-in bounded retry', () => {
  const blobUnknown = (digest: string) =>
    JSON.stringify({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: { digest } }] });

  async function prepared(prefix: string): Promise<{ repo: string; image: BuiltImage }> {
    const repo = unique(prefix);
    const image = imageFor(prefix);
    const client = clientFor();
    for (const blob of [image.config, ...image.layers]) await client.pushBlob(`${registry.host}/${repo}`, blob.bytes);
    return { repo, image };
  }

  it('with `consistency`, a manifest PUT answered MANIFEST_BLOB_UNKNOWN once is sent again and succeeds', async () => {
    const { repo, image } = await prepared('consistency-on');
    const client = clientFor({ consistency: { retries: 2, delayMs: 20 } });
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/manifests\//, status: 400, body: blobUnknown(image.config.digest) });

    const written = await client.putManifest(`${registry.host}/${repo}:v1`, image.manifest.bytes);

    expect(written.digest).toBe(image.manifest.digest);
    expect(count('PUT manifest')).toBe(2);
    expect((await storedManifest(registry, repo, 'v1'))?.equals(image.manifest.bytes)).toBe(true);
  });

  it('without it, the same answer is an error at once (400 is not retried)', async () => {
    const { repo, image } = await prepared('consistency-off');
    const client = clientFor();
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/manifests\//, status: 400, body: blobUnknown(image.config.digest) });

    const error = await rejection(client.putManifest(`${registry.host}/${repo}:v1`, image.manifest.bytes));

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).codes).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    expect(count('PUT manifest')).toBe(1);
    expect(await storedManifest(registry, repo, 'v1')).toBeUndefined();
  });

  it('is bounded: retries + 1 PUTs, then the error', async () => {
    const { repo, image } = await prepared('consistency-bounded');
    const client = clientFor({ consistency: { retries: 2, delayMs: 10 } });
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/manifests\//, status: 400, body: blobUnknown(image.config.digest), times: Infinity });

    const error = await rejection(client.putManifest(`${registry.host}/${repo}:v1`, image.manifest.bytes));

    expect((error as RegistryError).codes).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    expect(count('PUT manifest')).toBe(3);
  });

  it('withConsistencyRetry lets a child lookup that gets MANIFEST_UNKNOWN right after a push try again', async () => {
    const client = clientFor({ consistency: { retries: 3, delayMs: 10 } });
    const repo = unique('consistency-child');
    const image = imageFor('consistency-child');
    const ref = await pushImage(client, registry, repo, image);
    const count = counter(registry);
    registry.faults.add({ method: 'HEAD', path: `/v2/${repo}/manifests/v1`, status: 404 });

    const descriptor = await client.withConsistencyRetry(() => client.headManifest(ref));

    expect(descriptor.digest).toBe(image.manifest.digest);
    expect(count('HEAD manifest')).toBe(2);

    const off = clientFor();
    registry.faults.add({ method: 'HEAD', path: `/v2/${repo}/manifests/v1`, status: 404 });
    const error = await rejection(off.withConsistencyRetry(() => off.headManifest(ref)));
    expect((error as RegistryError).status).toBe(404);
    expect(count('HEAD manifest')).toBe(3);
  });

  it('stops waiting when the caller aborts', async () => {
    const { repo, image } = await prepared('consistency-abort');
    const client = clientFor({ consistency: { retries: 5, delayMs: 5000 } });
    const count = counter(registry);
    registry.faults.add({ method: 'PUT', path: /\/manifests\//, status: 400, body: blobUnknown(image.config.digest), times: Infinity });

    const started = performance.now();
    const error = await rejection(client.putManifest(`${registry.host}/${repo}:v1`, image.manifest.bytes, { signal: AbortSignal.timeout(100) }));

    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(AbortError);
    expect(count('PUT manifest')).toBe(1);
  });
});

describe('slow server; caller aborts: timeout error, nothing retried after abort', () => {
  it('a timeout signal ends a call whose answer is delayed, with AbortError, and nothing is sent again', async () => {
    const client = clientFor();
    const repo = unique('slow-abort');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, delayMs: 10_000, status: 503, times: Infinity });

    const started = performance.now();
    const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`, { signal: AbortSignal.timeout(200) }));

    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toMatch(/timed out/);
    expect(performance.now() - started).toBeLessThan(2000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(count('GET manifest')).toBe(1);
  });

  it('aborting while a blob trickles in ends the stream with AbortError and does not resume', async () => {
    const client = clientFor();
    const repo = unique('slow-body');
    const data = randomBytes(100 * KIB);
    const digest = digestOf(data);
    await client.pushBlob(`${registry.host}/${repo}`, data);
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, slowBodyBytesPerSecond: 20 * KIB });
    const controller = new AbortController();

    const stream = await client.getBlob(`${registry.host}/${repo}`, digest, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const error = await rejection(readAll(stream));

    expect(error).toBeInstanceOf(AbortError);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(count('GET blob')).toBe(1);
  });

  it('a header timeout on a slow answer is a NetworkError that is retried (no abort involved)', async () => {
    const errors: Error[] = [];
    const client = clientFor({ headersTimeoutMs: 300, onRetry: (info) => errors.push(info.error) });
    const repo = unique('slow-retry');
    const image = imageFor('slow-retry');
    const ref = await pushImage(client, registry, repo, image);
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, delayMs: 1500 });

    const result = await client.getManifest(ref);

    expect(result.descriptor.digest).toBe(image.manifest.digest);
    expect(errors[0]).toBeInstanceOf(NetworkError);
    expect((errors[0] as NetworkError).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(count('GET manifest')).toBe(2);
  });

  it('aborting a chunked upload cancels its session with DELETE and sends no final PUT', async () => {
    const client = clientFor({ chunkSize: 16 * KIB });
    const repo = unique('abort-upload');
    const controller = new AbortController();
    const count = counter(registry);
    const data = randomBytes(64 * KIB);
    afterAnswer('PATCH ', 2, () => controller.abort());

    const error = await rejection(client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 16 * KIB), { signal: controller.signal }));

    expect(error).toBeInstanceOf(AbortError);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(count('PATCH upload')).toBe(2);
    expect(count('DELETE upload')).toBe(1);
    expect(count('PUT upload')).toBe(0);
    expect(await storedBlob(registry, repo, digestOf(data))).toBeUndefined();
  });
});

describe('redirect to another origin: no credentials sent there', () => {
  it('a blob GET redirected to a mirror reaches it without Authorization, and the bytes are verified', async () => {
    const mirror = await startBlobMirror(tokenRegistry);
    try {
      const client = tokenClient();
      const repo = unique('mirror');
      const data = randomBytes(32 * KIB);
      const digest = digestOf(data);
      await client.pushBlob(`${tokenRegistry.host}/${repo}`, data);
      tokenRegistry.faults.add({ method: 'GET', path: /\/blobs\/sha256:/, redirectTo: mirror.url, times: Infinity });

      const received = await readAll(await client.getBlob(`${tokenRegistry.host}/${repo}`, { mediaType: 'application/octet-stream', digest, size: data.length }));

      expect(received.equals(data)).toBe(true);
      expect(mirror.requests).toHaveLength(1);
      expect(mirror.requests[0]).toMatchObject({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, hadAuthorization: false });
    } finally {
      await mirror.close();
    }
  });

  it('a mid-body reset at the mirror is resumed with Range at the registry, still without credentials at the mirror', async () => {
    const mirror = await startBlobMirror(tokenRegistry);
    try {
      const client = tokenClient();
      const repo = unique('mirror-reset');
      const data = randomBytes(128 * KIB);
      const digest = digestOf(data);
      await client.pushBlob(`${tokenRegistry.host}/${repo}`, data);
      // First GET: redirected; the mirror's answer cannot be cut, so cut the registry's answer of the resume instead.
      tokenRegistry.faults.add({ method: 'GET', path: /\/blobs\/sha256:/, redirectTo: mirror.url, times: 2 });

      const received = await readAll(await client.getBlob(`${tokenRegistry.host}/${repo}`, digest));

      expect(received.equals(data)).toBe(true);
      expect(mirror.requests.every((r) => !r.hadAuthorization)).toBe(true);
    } finally {
      await mirror.close();
    }
  });
});

describe('body with wrong digest or wrong size: error, nothing written onward', () => {
  it('a tampered blob fails verification, and a copy to another registry leaves the target without it', async () => {
    const target = await startRegistry();
    try {
      const client = clientFor();
      const repo = unique('tampered');
      const data = Buffer.from(`genuine blob ${randomBytes(8).toString('hex')}`);
      const digest = digestOf(data);
      await client.pushBlob(`${registry.host}/${repo}`, data);
      const targetCount = counter(target);
      registry.faults.add({
        method: 'GET',
        path: `/v2/${repo}/blobs/${digest}`,
        status: 200,
        body: `tampered blob ${randomBytes(8).toString('hex')}`.slice(0, data.length).padEnd(data.length, 'x'),
        headers: { 'Content-Type': 'application/octet-stream' },
      });

      const error = await rejection(
        client.copyBlob(`${registry.host}/${repo}`, `${target.host}/${repo}`, { mediaType: 'application/octet-stream', digest, size: data.length }),
      );

      expect(error).toBeInstanceOf(DigestMismatchError);
      expect(targetCount('PUT upload')).toBe(0);
      expect(targetCount('DELETE upload')).toBe(1);
      expect(await storedBlob(target, repo, digest)).toBeUndefined();
    } finally {
      await target.close();
    }
  });

  it('a blob shorter than its descriptor fails with the sizes named', async () => {
    const client = clientFor();
    const repo = unique('short');
    const data = randomBytes(4 * KIB);
    const digest = digestOf(data);
    await client.pushBlob(`${registry.host}/${repo}`, data);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, status: 200, body: 'short', headers: { 'Content-Type': 'application/octet-stream' } });

    const error = await rejection(client.getBlobBytes(`${registry.host}/${repo}`, { mediaType: 'application/octet-stream', digest, size: data.length }));

    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).expected.size).toBe(data.length);
    expect((error as DigestMismatchError).actual.size).toBe(5);
  });

  it('a manifest fetched by digest whose bytes hash differently is rejected', async () => {
    const client = clientFor();
    const repo = unique('tampered-manifest');
    const image = imageFor('tampered-manifest');
    const other = imageFor('other');
    await pushImage(client, registry, repo, image);
    registry.faults.add({
      method: 'GET',
      path: `/v2/${repo}/manifests/${image.manifest.digest}`,
      status: 200,
      body: other.manifest.bytes.toString('utf8'),
      headers: { 'Content-Type': MediaType.OciManifest },
    });

    const error = await rejection(client.getManifest(`${registry.host}/${repo}@${image.manifest.digest}`));

    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).actual.digest).toBe(other.manifest.digest);
  });
});

describe('oversize manifest or error body: bounded read, clear error', () => {
  it('refuses to read a manifest larger than maxManifestBytes, with one request', async () => {
    const writer = clientFor();
    const repo = unique('oversize');
    const image = imageFor('oversize', 'x'.repeat(3000));
    const ref = await pushImage(writer, registry, repo, image);
    const count = counter(registry);

    const error = await rejection(clientFor({ maxManifestBytes: 1000 }).getManifest(ref));

    expect(error).toBeInstanceOf(SizeLimitError);
    expect((error as SizeLimitError).limit).toBe(1000);
    expect(count('GET manifest')).toBe(1);
  });

  it('refuses to push a manifest over the client limit without sending it', async () => {
    const repo = unique('oversize-push');
    const image = imageFor('oversize-push', 'x'.repeat(3000));
    const count = counter(registry);

    const error = await rejection(clientFor({ maxManifestBytes: 1000 }).putManifest(`${registry.host}/${repo}:v1`, image.manifest.bytes));

    expect(error).toBeInstanceOf(SizeLimitError);
    expect(count('PUT manifest')).toBe(0);
  });

  it("reports the registry's 413 for a manifest over its limit, without retrying", async () => {
    const small = await startRegistry({ maxManifestBytes: 1000 });
    try {
      const client = clientFor();
      const repo = unique('413');
      const image = imageFor('413', 'x'.repeat(3000));
      for (const blob of [image.config, ...image.layers]) await client.pushBlob(`${small.host}/${repo}`, blob.bytes);
      const count = counter(small);

      const error = await rejection(client.putManifest(`${small.host}/${repo}:v1`, image.manifest.bytes));

      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).status).toBe(413);
      expect((error as RegistryError).codes).toEqual(['SIZE_INVALID']);
      expect(count('PUT manifest')).toBe(1);
    } finally {
      await small.close();
    }
  });

  it('reads at most 64 KiB of a huge error body and still reports the status', async () => {
    const client = clientFor({ retry: false });
    const repo = unique('huge-error');
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 500, body: `{"errors":[{"code":"UNKNOWN","message":"${'x'.repeat(2 * 1024 * 1024)}"}]}` });

    const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(500);
    expect((error as RegistryError).codes).toEqual([]); // the body was cut at the cap, so not parsed
    expect(error.message.length).toBeLessThan(500);
  });
});

describe("manifest with both 'manifests' and 'layers'; mediaType ≠ Content-Type: rejected", () => {
  it('rejects a served document with both manifests and layers', async () => {
    const client = clientFor();
    const repo = unique('ambiguous');
    const image = imageFor('ambiguous');
    const doc = { ...(JSON.parse(image.manifest.bytes.toString('utf8')) as object), manifests: [] };
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 200, body: JSON.stringify(doc), headers: { 'Content-Type': MediaType.OciManifest } });

    const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).problems.join(' ')).toMatch(/both "manifests" and "layers"/);
  });

  it('rejects a served manifest whose mediaType contradicts Content-Type', async () => {
    const client = clientFor();
    const repo = unique('contradiction');
    const image = imageFor('contradiction');
    registry.faults.add({
      method: 'GET',
      path: `/v2/${repo}/manifests/v1`,
      status: 200,
      body: image.manifest.bytes.toString('utf8'),
      headers: { 'Content-Type': MediaType.OciIndex },
    });

    const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).problems.join(' ')).toMatch(/contradicts Content-Type/);
  });

  it('refuses to push such a document, before any request', async () => {
    const client = clientFor();
    const repo = unique('ambiguous-push');
    const image = imageFor('ambiguous-push');
    const doc = Buffer.from(JSON.stringify({ ...(JSON.parse(image.manifest.bytes.toString('utf8')) as object), manifests: [] }));
    const count = counter(registry);

    const error = await rejection(client.putManifest(`${registry.host}/${repo}:v1`, doc));

    expect(error).toBeInstanceOf(SchemaError);
    expect(count('PUT manifest')).toBe(0);
  });
});

describe('bad digest string: rejected before any request', () => {
  const bad = [
    ['path traversal', 'sha256:../../../../etc/passwd'],
    ['uppercase hex', `sha256:${'A'.repeat(64)}`],
    ['unknown algorithm', `md5:${'a'.repeat(32)}`],
    ['wrong length', 'sha256:abc123'],
  ] as const;

  it.each(bad)('%s: blob and manifest calls fail with a typed error and send nothing', async (_name, digest) => {
    const client = clientFor();
    const requestsBefore = registry.stats.requests;

    expect(await rejection(client.headBlob(`${registry.host}/app`, digest))).toBeInstanceOf(InvalidDigestError);
    expect(await rejection(client.getBlob(`${registry.host}/app`, digest))).toBeInstanceOf(InvalidDigestError);
    expect(await rejection(client.getManifest(`${registry.host}/app@${digest}`))).toBeInstanceOf(InvalidReferenceError);
    expect(await rejection(client.mountBlob(`${registry.host}/app`, digest, { from: `${registry.host}/other` }))).toBeInstanceOf(InvalidDigestError);

    expect(registry.stats.requests).toBe(requestsBefore);
  });
});

describe('HEAD without digest header, or HEAD → 405: fall back to GET', () => {
  it('HEAD answered 405', async () => {
    const client = clientFor();
    const repo = unique('head-405');
    const image = imageFor('head-405');
    const ref = await pushImage(client, registry, repo, image);
    const count = counter(registry);
    registry.faults.add({ method: 'HEAD', path: `/v2/${repo}/manifests/v1`, status: 405 });

    const descriptor = await client.headManifest(ref);

    expect(descriptor).toEqual({ mediaType: MediaType.OciManifest, digest: image.manifest.digest, size: image.manifest.size });
    expect(count('HEAD manifest')).toBe(1);
    expect(count('GET manifest')).toBe(1);
  });

  it('HEAD answered without Docker-Content-Digest', async () => {
    const client = clientFor();
    const repo = unique('head-nodigest');
    const image = imageFor('head-nodigest');
    const ref = await pushImage(client, registry, repo, image);
    const count = counter(registry);
    registry.faults.add({ method: 'HEAD', path: `/v2/${repo}/manifests/v1`, status: 200, body: '', headers: { 'Content-Type': MediaType.OciManifest } });

    const descriptor = await client.headManifest(ref);

    expect(descriptor.digest).toBe(image.manifest.digest);
    expect(count('HEAD manifest')).toBe(1);
    expect(count('GET manifest')).toBe(1);
  });
});

describe('relative Location; Location with a query: resolved, query kept', () => {
  it('follows the relative Location of the embedded registry for every request of a chunked upload', async () => {
    const client = clientFor({ chunkSize: 16 * KIB });
    const repo = unique('relative');
    const data = randomBytes(20 * KIB);
    const logStart = log.length;

    await client.pushBlob(`${registry.host}/${repo}`, piecesOf(data, 20 * KIB));

    const lines = log.slice(logStart);
    expect(lines.some((line) => line.startsWith(`POST /v2/${repo}/blobs/uploads/ -> 202`))).toBe(true);
    expect(lines.filter((line) => new RegExp(`^PATCH /v2/${repo}/blobs/uploads/[^/?]+ -> 202`).test(line))).toHaveLength(2);
    expect(lines.some((line) => new RegExp(`^PUT /v2/${repo}/blobs/uploads/[^/?]+\\?digest=sha256%3A[0-9a-f]{64} -> 201`).test(line))).toBe(true);
  });

  it('keeps the query string of a Location and adds digest to it', async () => {
    const client = clientFor();
    const repo = unique('location-query');
    const data = randomBytes(4 * KIB);
    // A real session, announced to the client with an extra opaque query parameter, as some registries do.
    const opened = await fetch(`${registry.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    const location = opened.headers.get('location');
    expect(location).toMatch(/^\/v2\//);
    registry.faults.add({ method: 'POST', path: `/v2/${repo}/blobs/uploads/`, status: 202, body: '', headers: { Location: `${location}?_state=opaque-123` } });
    const logStart = log.length;

    const result = await client.pushBlob(`${registry.host}/${repo}`, data);

    expect(result.outcome).toBe('uploaded');
    const put = log.slice(logStart).find((line) => line.startsWith('PUT '));
    expect(put).toContain(`${location}?_state=opaque-123&digest=sha256%3A`);
    expect(put).toMatch(/-> 201/);
    expect((await storedBlob(registry, repo, digestOf(data)))?.equals(data)).toBe(true);
  });
});

describe('referrers API 404 / 400: fallback tag; empty list if the tag is missing', () => {
  async function subjectWithReferrer(client: RegistryClient, repo: string): Promise<{ subject: Digest; referrer: { digest: string; size: number } }> {
    const image = imageFor(`${repo}-subject`);
    await pushImage(client, registry, repo, image);
    const empty = Buffer.from('{}');
    await client.pushBlob(`${registry.host}/${repo}`, empty);
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        artifactType: 'application/vnd.example.sbom',
        config: { mediaType: MediaType.OciEmpty, digest: digestOf(empty), size: 2 },
        layers: [{ mediaType: MediaType.OciEmpty, digest: digestOf(empty), size: 2 }],
        subject: { mediaType: MediaType.OciManifest, digest: image.manifest.digest, size: image.manifest.size },
      }),
    );
    const written = await client.putManifest(`${registry.host}/${repo}@${digestOf(artifact)}`, artifact);
    return { subject: image.manifest.digest, referrer: { digest: written.digest, size: written.size } };
  }

  it('lists referrers through the API when the registry has it', async () => {
    const client = clientFor();
    const repo = unique('referrers');
    const { subject, referrer } = await subjectWithReferrer(client, repo);
    const count = counter(registry);

    const found = await client.listReferrers(`${registry.host}/${repo}@${subject}`);

    expect(found).toEqual([expect.objectContaining({ digest: referrer.digest, size: referrer.size, artifactType: 'application/vnd.example.sbom' })]);
    expect(await client.listReferrers(`${registry.host}/${repo}@${subject}`, { artifactType: 'application/other' })).toEqual([]);
    expect(count('GET referrers')).toBe(2);
  });

  it.each([404, 400])('reads the fallback tag when the API answers %i', async (status) => {
    const client = clientFor();
    const repo = unique(`referrers-${status}`);
    const { subject, referrer } = await subjectWithReferrer(client, repo);
    const fallback = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [{ mediaType: MediaType.OciManifest, digest: referrer.digest, size: referrer.size, artifactType: 'application/vnd.example.sbom' }],
      }),
    );
    await client.putManifest(`${registry.host}/${repo}:${subject.replace(':', '-')}`, fallback);
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: /\/referrers\//, status, times: Infinity });

    const found = await client.listReferrers(`${registry.host}/${repo}@${subject}`);

    expect(found.map((d) => d.digest)).toEqual([referrer.digest]);
    expect(count('GET referrers')).toBe(1);
    expect(count('GET manifest')).toBe(1);
  });

  it('returns an empty list when the API answers 404 and there is no fallback tag', async () => {
    const client = clientFor();
    const repo = unique('referrers-none');
    const image = imageFor('referrers-none');
    await pushImage(client, registry, repo, image);
    registry.faults.add({ method: 'GET', path: /\/referrers\//, status: 404 });

    expect(await client.listReferrers(`${registry.host}/${repo}@${image.manifest.digest}`)).toEqual([]);
  });

  it('reads a referrers answer with the manifest cap', async () => {
    const client = clientFor({ maxManifestBytes: 1000 });
    const repo = unique('referrers-cap');
    const image = imageFor('referrers-cap');
    await pushImage(clientFor(), registry, repo, image);
    const manifests = Array.from({ length: 50 }, (_, i) => ({ mediaType: MediaType.OciManifest, digest: digestOf(`r${i}`), size: 10 }));
    registry.faults.add({ method: 'GET', path: /\/referrers\//, status: 200, body: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }), headers: { 'Content-Type': MediaType.OciIndex } });

    const error = await rejection(client.listReferrers(`${registry.host}/${repo}@${image.manifest.digest}`));

    expect(error).toBeInstanceOf(SizeLimitError);
  });
});

describe('Warning header: surfaced, no other effect', () => {
  it('passes the Warning to onWarning and returns the same manifest as without it', async () => {
    const warnings: Array<[string, string]> = [];
    const client = clientFor({ onWarning: (warning, operation) => warnings.push([warning, operation]) });
    const repo = unique('warning');
    const image = imageFor('warning');
    const ref = await pushImage(client, registry, repo, image);
    const plain = await client.getManifest(ref);
    const count = counter(registry);
    registry.faults.add({
      method: 'GET',
      path: `/v2/${repo}/manifests/v1`,
      status: 200,
      body: image.manifest.bytes.toString('utf8'),
      headers: { 'Content-Type': MediaType.OciManifest, 'Docker-Content-Digest': image.manifest.digest, Warning: '299 - "this repository is deprecated"' },
    });

    const warned = await client.getManifest(ref);

    expect(warnings).toEqual([['299 - "this repository is deprecated"', `GET manifest ${ref}`]]);
    expect(warned.descriptor).toEqual(plain.descriptor);
    expect(warned.bytes.equals(plain.bytes)).toBe(true);
    expect(count('GET manifest')).toBe(1);
  });
});

describe('secrets in errors and logs: redacted', () => {
  /** Every text an error exposes: message, stack and JSON of it and of each cause, and what onRetry saw. */
  function exposedText(error: unknown): string {
    const parts: string[] = [];
    const seen = new Set<unknown>();
    for (let e: unknown = error; e !== undefined && e !== null && !seen.has(e); e = (e as { cause?: unknown }).cause) {
      seen.add(e);
      const err = e as Error;
      parts.push(String(err.message), String(err.stack), safeJson(e), String(e));
    }
    return parts.join('\n');
  }

  function safeJson(value: unknown): string {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '';
    }
  }

  async function fetchToken(repo: string): Promise<string> {
    const res = await fetch(`${tokenRegistry.url}/token?service=multiplatform&scope=repository:${repo}:pull,push`, {
      headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
    });
    const body = (await res.json()) as { token: string };
    expect(body.token.length).toBeGreaterThan(8);
    return body.token;
  }

  it('an auth failure names neither the wrong password nor the right one', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const retried: Error[] = [];
    const client = clientFor({ credentials: { [tokenRegistry.host]: { username: USER, password: wrong } }, onRetry: (info) => retried.push(info.error) });

    const error = await rejection(client.getManifest(`${tokenRegistry.host}/${unique('secret-auth')}:v1`));

    expect(error).toBeInstanceOf(AuthError);
    const text = exposedText(error) + retried.map(exposedText).join('\n');
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(`${USER}:${wrong}`).toString('base64'));
  });

  it('a network failure while a token is in use does not carry the token', async () => {
    const repo = unique('secret-network');
    const token = await fetchToken(repo);
    const retried: Error[] = [];
    const client = clientFor({ credentials: { [tokenRegistry.host]: { registryToken: token } }, onRetry: (info) => retried.push(info.error), retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 } });
    tokenRegistry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, reset: 'before-response', times: Infinity });

    const error = await rejection(client.getManifest(`${tokenRegistry.host}/${repo}:v1`));

    expect(error).toBeInstanceOf(NetworkError);
    expect(retried).toHaveLength(1);
    const text = exposedText(error) + retried.map(exposedText).join('\n');
    expect(text).not.toContain(token);
  });

  it('an error body that echoes the token and the password is redacted in the error, its fields and its JSON', async () => {
    const repo = unique('secret-echo');
    const token = await fetchToken(repo);
    const client = clientFor({ credentials: { [tokenRegistry.host]: { registryToken: token } }, retry: false });
    // The password is configured (for another registry): configured secrets are redacted wherever they show up.
    clientFor({ credentials: { 'other.registry.test': { username: USER, password: PASSWORD } } });
    tokenRegistry.faults.add({
      method: 'GET',
      path: `/v2/${repo}/manifests/v1`,
      status: 500,
      body: JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `bad token ${token} for password ${PASSWORD}`, detail: { authorization: `Bearer ${token}`, password: PASSWORD } }] }),
    });

    const error = await rejection(client.getManifest(`${tokenRegistry.host}/${repo}:v1`));

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).codes).toEqual(['UNKNOWN']);
    const text = exposedText(error);
    expect(text).not.toContain(token);
    expect(text).not.toContain(PASSWORD);
    expect(text).toContain('[REDACTED]');
  });
});

describe('a response body cut half-way (not a blob): NetworkError, the whole request retried', () => {
  it('a manifest GET whose body is cut is sent again and returns the manifest', async () => {
    const retried: Error[] = [];
    const client = clientFor({ onRetry: (info) => retried.push(info.error) });
    const repo = unique('cut-manifest');
    const image = imageFor('cut-manifest');
    const ref = await pushImage(client, registry, repo, image);
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, reset: 'mid-body' });

    const result = await client.getManifest(ref);

    expect(result.bytes.equals(image.manifest.bytes)).toBe(true);
    expect(count('GET manifest')).toBe(2);
    expect(retried[0]).toBeInstanceOf(NetworkError);
  });

  it('a manifest body cut on every attempt ends in a NetworkError naming the operation, after the retry budget', async () => {
    const client = clientFor({ retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });
    const repo = unique('cut-manifest-all');
    const ref = await pushImage(client, registry, repo, imageFor('cut-manifest-all'));
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, reset: 'mid-body', times: Infinity });

    const error = await rejection(client.getManifest(ref));

    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain(`GET manifest ${ref}`);
    expect((error as NetworkError).code).toBe('UND_ERR_SOCKET');
    expect(count('GET manifest')).toBe(3);
  });

  it('a tag-list page whose body is cut is fetched again', async () => {
    const client = clientFor();
    const repo = unique('cut-tags');
    await pushImage(client, registry, repo, imageFor('cut-tags'), 'a');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/tags/list`, reset: 'mid-body' });

    expect(await client.listTags(`${registry.host}/${repo}`)).toEqual(['a']);
    expect(count('GET tags')).toBe(2);
  });

  it('a token response cut half-way is retried with the request that needed it', async () => {
    const client = tokenClient();
    const repo = unique('cut-token');
    const count = counter(tokenRegistry);
    tokenRegistry.faults.add({ path: '/token', reset: 'mid-body' });

    const result = await client.pushBlob(`${tokenRegistry.host}/${repo}`, randomBytes(KIB));

    expect(result.outcome).toBe('uploaded');
    expect(count('GET token')).toBe(2);
  });
});

describe('a token response that is not JSON: the error does not quote it', () => {
  it('names where the JSON broke, never the text', async () => {
    const client = tokenClient({ retry: false });
    const secretish = `tok-SECRET-${randomBytes(6).toString('hex')}`;
    tokenRegistry.faults.add({ path: '/token', status: 200, body: secretish, times: Infinity });

    const error = await rejection(client.getManifest(`${tokenRegistry.host}/${unique('token-not-json')}:v1`));

    expect(error).toBeInstanceOf(SchemaError);
    expect(error.message).toMatch(/token response: not valid JSON: expected a JSON value at line 1, column 1 \(position 0\)/);
    expect(error.message).not.toContain('tok-');
    expect(JSON.stringify(error)).not.toContain('tok-');
  });
});

describe('secrets with quotes, backslashes and non-ASCII characters: redacted in details and JSON', () => {
  for (const [name, password] of [
    ['a double quote', `pa"ss-${randomBytes(4).toString('hex')}`],
    ['a backslash', `pa\\ss-${randomBytes(4).toString('hex')}`],
    ['unicode and a control character', `päss✓\u0001-${randomBytes(4).toString('hex')}`],
  ] as const) {
    it(`a password with ${name}, echoed in errors[].detail, is in neither the detail, the message nor JSON.stringify(error)`, async () => {
      const client = clientFor({ credentials: { 'echo.registry.test': { username: USER, password } }, retry: false });
      const repo = unique('secret-escape');
      registry.faults.add({
        method: 'GET',
        path: `/v2/${repo}/manifests/v1`,
        status: 400,
        body: JSON.stringify({ errors: [{ code: 'DENIED', message: `denied ${password}`, detail: { note: `user ${USER} with ${password}`, nested: [{ value: password }] } }] }),
      });

      const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

      expect(error).toBeInstanceOf(RegistryError);
      const json = JSON.stringify(error);
      const escaped = JSON.stringify(password).slice(1, -1);
      for (const text of [json, error.message, String(error.stack), JSON.stringify((error as RegistryError).errors)]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain(escaped);
      }
      expect((error as RegistryError).errors[0]?.detail).toEqual({ note: `user ${USER} with [REDACTED]`, nested: [{ value: '[REDACTED]' }] });
    });
  }
});

describe('a Link pagination loop: an error, never duplicate tags', () => {
  const page = (repo: string, tags: string[]) => JSON.stringify({ name: repo, tags });

  it('fails when the next page is the first page', async () => {
    const client = clientFor();
    const repo = unique('link-loop');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/tags/list`, status: 200, body: page(repo, ['a', 'b']), headers: { Link: `</v2/${repo}/tags/list>; rel="next"` }, times: Infinity });

    const error = await rejection(client.listTags(`${registry.host}/${repo}`));

    expect(error.message).toMatch(/pagination loops \(the Link header of page 1 leads back to page 1\)/);
    expect(count('GET tags')).toBe(1);
  });

  it('fails when a later page links back to the first', async () => {
    const client = clientFor();
    const repo = unique('link-loop-2');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/tags/list?last=b`, status: 200, body: page(repo, ['c']), headers: { Link: `</v2/${repo}/tags/list>; rel="next"` }, times: Infinity });
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/tags/list`, status: 200, body: page(repo, ['a', 'b']), headers: { Link: `</v2/${repo}/tags/list?last=b>; rel="next"` }, times: Infinity });

    const error = await rejection(client.listTags(`${registry.host}/${repo}`));

    expect(error.message).toMatch(/page 2 leads back to page 1/);
    expect(count('GET tags')).toBe(2);
  });

  it('still follows a chain that ends', async () => {
    const client = clientFor();
    const repo = unique('link-chain');
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/tags/list?last=b`, status: 200, body: page(repo, ['c']) });
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/tags/list`, status: 200, body: page(repo, ['a', 'b']), headers: { Link: `</v2/${repo}/tags/list?last=b>; rel="next"` } });

    expect(await client.listTags(`${registry.host}/${repo}`)).toEqual(['a', 'b', 'c']);
  });
});

describe('a 500 that carries a registry error body: retried at most once, its detail shown', () => {
  it('an UNKNOWN 500 with a detail is sent twice, not retries + 1 times, and the message shows the detail', async () => {
    const client = clientFor({ retry: { retries: 4, minDelayMs: 1, maxDelayMs: 5 } });
    const repo = unique('500-unknown');
    const count = counter(registry);
    const body = JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'unknown error', detail: { reason: 'storage says no' } }] });
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 500, body, times: Infinity });

    const error = await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toContain('UNKNOWN: unknown error [detail: {"reason":"storage says no"}]');
    expect(count('GET manifest')).toBe(2);
  });

  it('a 500 with a code the spec defines for the request itself is not retried', async () => {
    const client = clientFor({ retry: { retries: 4, minDelayMs: 1, maxDelayMs: 5 } });
    const repo = unique('500-spec-code');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 500, body: JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] }), times: Infinity });

    await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect(count('GET manifest')).toBe(1);
  });

  it('a 500 without an error body (a proxy, a crash) still gets the whole retry budget', async () => {
    const client = clientFor({ retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 } });
    const repo = unique('500-bare');
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 500, body: '<html>Internal Server Error</html>', times: Infinity });

    await rejection(client.getManifest(`${registry.host}/${repo}:v1`));

    expect(count('GET manifest')).toBe(4);
  });

  it('CNCF distribution refusing a Windows manifest with a foreign layer: fails at once, naming the layer and the cause', async () => {
    const { plain } = sharedRegistries();
    const retried: Error[] = [];
    // The default retry policy, so the time to fail is what a user sees.
    const client = new RegistryClient({ dockerConfig: false, env: {}, onRetry: (info) => retried.push(info.error) });
    clients.push(client);
    const repo = unique('foreign-layer');
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'windows', rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] } }));
    const configDigest = (await client.pushBlob(`${plain.host}/${repo}`, config)).digest;
    const foreignDigest = `sha256:${randomBytes(32).toString('hex')}`;
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', size: 1234, digest: foreignDigest, urls: [`https://mcr.microsoft.com/v2/windows/servercore/blobs/${foreignDigest}`] }],
    }));

    const started = performance.now();
    const error = await rejection(client.putManifest(`${plain.host}/${repo}:ltsc2019`, manifest));
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(500);
    expect(error.message).toContain(`non-distributable (foreign) layer: ${foreignDigest}`);
    expect(error.message).toMatch(/refuses foreign layers: allow their URLs there .*or copy the layers/);
    expect(retried).toHaveLength(0);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('a body that trickles in: the timeoutMs deadline ends the whole call', () => {
  it("a manifest sent at 5 bytes a second fails with a TimeoutError naming the request and the client's deadline", async () => {
    const client = clientFor({ timeoutMs: 1500, bodyTimeoutMs: 60_000 });
    const repo = unique('trickle-manifest');
    const ref = await pushImage(client, registry, repo, imageFor('trickle-manifest'));
    const count = counter(registry);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, slowBodyBytesPerSecond: 5, times: Infinity });

    const started = performance.now();
    const error = await rejection(client.getManifest(ref));
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toBe(`GET manifest ${ref}: the 1500 ms deadline of getManifest ${ref} passed (timeoutMs)`);
    expect((error as TimeoutError).timeoutMs).toBe(1500);
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(3000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(count('GET manifest')).toBe(1);
  });

  it("a call's timeoutMs overrides the client's, and covers reading a blob stream", async () => {
    const client = clientFor({ timeoutMs: 60_000 });
    const repo = unique('trickle-blob');
    const data = randomBytes(64 * KIB);
    const digest = digestOf(data);
    await client.pushBlob(`${registry.host}/${repo}`, data);
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, slowBodyBytesPerSecond: 4 * KIB });

    const started = performance.now();
    const stream = await client.getBlob(`${registry.host}/${repo}`, digest, { timeoutMs: 1 * 1000 });
    const error = await rejection(readAll(stream));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/the 1 s deadline of getBlob .* passed/);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('the deadline also ends backoff waits between retries, and a call that finishes in time is not affected', async () => {
    const client = clientFor({ timeoutMs: 800, retry: { retries: 10, minDelayMs: 300, maxDelayMs: 300 } });
    const repo = unique('deadline-retry');
    const ref = await pushImage(client, registry, repo, imageFor('deadline-retry'));
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, status: 503, times: Infinity });

    const error = await rejection(client.getManifest(ref));
    expect(error).toBeInstanceOf(TimeoutError);

    registry.faults.clear();
    expect((await client.getManifest(ref)).bytes.length).toBeGreaterThan(0);
  });
});
