import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidationError } from '../../src/errors.js';
import { startBlobMirror, startRegistry, type BlobMirror, type RunningRegistry } from '../../src/registry/index.js';
import { codes, pushBlob, pushImage, raw, sha256 } from '../helpers/registry-helpers.js';

let registry: RunningRegistry;
let mirror: BlobMirror;
const big = Buffer.alloc(10_000, 'z');
let bigDigest: string;

beforeAll(async () => {
  registry = await startRegistry();
  mirror = await startBlobMirror(registry);
  bigDigest = await pushBlob(registry, 'f/app', big);
});
afterAll(async () => {
  await mirror.close();
  await registry.close();
});

/** GET that reports what arrived before the connection ended, instead of failing. */
function partialGet(path: string): Promise<{ status: number; received: Buffer; complete: boolean; declared: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: registry.port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const done = () =>
        resolve({ status: res.statusCode ?? 0, received: Buffer.concat(chunks), complete: res.complete, declared: Number(res.headers['content-length']) });
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('status faults', () => {
  it('answers the next `times` matching requests with the status, then behaves normally', async () => {
    registry.faults.add({ method: 'GET', path: `/v2/f/app/blobs/${bigDigest}`, status: 503, retryAfter: '2', times: 2 });
    expect(registry.faults.pending()).toBe(2);
    const first = await raw(registry, `/v2/f/app/blobs/${bigDigest}`);
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('2');
    expect(codes(first)).toEqual(['UNKNOWN']);
    expect(registry.faults.pending()).toBe(1);
    // other methods and paths are not affected
    expect((await raw(registry, `/v2/f/app/blobs/${bigDigest}`, { method: 'HEAD' })).status).toBe(200);
    expect((await raw(registry, `/v2/f/app/blobs/${bigDigest}`)).status).toBe(503);
    expect(registry.faults.pending()).toBe(0);
    expect((await raw(registry, `/v2/f/app/blobs/${bigDigest}`)).status).toBe(200);
  });

  it('429 gets TOOMANYREQUESTS; a custom body and headers are sent as given', async () => {
    registry.faults.add({ path: '/v2/', status: 429 });
    const limited = await raw(registry, '/v2/');
    expect(limited.status).toBe(429);
    expect(codes(limited)).toEqual(['TOOMANYREQUESTS']);
    registry.faults.add({ path: /^\/v2\/$/, status: 500, body: 'plain failure', headers: { 'X-Test': 'yes' } });
    const custom = await raw(registry, '/v2/');
    expect(custom.status).toBe(500);
    expect(custom.text).toBe('plain failure');
    expect(custom.headers['x-test']).toBe('yes');
  });

  it('a string path must match exactly (path or path+query); a RegExp sees the query', async () => {
    registry.faults.add({ path: '/v2/f/app/tags', status: 500 });
    expect((await raw(registry, '/v2/f/app/tags/list')).status).toBe(200);
    registry.faults.clear();
    registry.faults.add({ path: '/v2/f/app/tags/list?n=1', status: 500 });
    expect((await raw(registry, '/v2/f/app/tags/list')).status).toBe(200);
    expect((await raw(registry, '/v2/f/app/tags/list?n=1')).status).toBe(500);
    registry.faults.add({ path: /n=2/, status: 502, times: Infinity });
    expect((await raw(registry, '/v2/f/app/tags/list?n=2')).status).toBe(502);
    expect((await raw(registry, '/v2/f/app/tags/list?n=2')).status).toBe(502);
    expect(registry.faults.pending()).toBe(Infinity);
    registry.faults.clear();
    expect(registry.faults.pending()).toBe(0);
    expect((await raw(registry, '/v2/f/app/tags/list?n=2')).status).toBe(200);
  });

  it('a request body is read before the fault answers, so the client sees the status', async () => {
    registry.faults.add({ method: 'POST', status: 503 });
    const res = await raw(registry, `/v2/f/app/blobs/uploads/?digest=${sha256(big)}`, { method: 'POST', body: big });
    expect(res.status).toBe(503);
  });
});

describe('connection faults', () => {
  it("reset 'before-response' destroys the connection without an answer", async () => {
    registry.faults.add({ path: '/v2/', reset: 'before-response' });
    await expect(raw(registry, '/v2/')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await raw(registry, '/v2/')).status).toBe(200);
  });

  it("reset 'mid-body' sends half of the real body, then cuts", async () => {
    registry.faults.add({ method: 'GET', path: `/v2/f/app/blobs/${bigDigest}`, reset: 'mid-body' });
    const res = await partialGet(`/v2/f/app/blobs/${bigDigest}`);
    expect(res.status).toBe(200);
    expect(res.declared).toBe(big.length);
    expect(res.complete).toBe(false);
    expect(res.received).toEqual(big.subarray(0, big.length / 2));
  });

  it('delayMs delays the answer', async () => {
    registry.faults.add({ path: '/v2/', delayMs: 300 });
    const started = Date.now();
    const res = await raw(registry, '/v2/');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('slowBodyBytesPerSecond trickles the real body', async () => {
    registry.faults.add({ method: 'GET', path: `/v2/f/app/blobs/${bigDigest}`, slowBodyBytesPerSecond: 20_000 });
    const started = Date.now();
    const res = await raw(registry, `/v2/f/app/blobs/${bigDigest}`);
    const elapsed = Date.now() - started;
    expect(res.body).toEqual(big);
    expect(elapsed).toBeGreaterThanOrEqual(400);
  });

  it('dropAfterCommit completes an upload but never answers; the retried PUT finds no session and the blob exists', async () => {
    const content = Buffer.from('committed but unanswered');
    const digest = sha256(content);
    const start = await raw(registry, '/v2/f/drop/blobs/uploads/', { method: 'POST' });
    const location = start.headers.location as string;
    registry.faults.add({ method: 'PUT', path: /\/blobs\/uploads\//, dropAfterCommit: true });
    await expect(raw(registry, `${location}?digest=${digest}`, { method: 'PUT', body: content })).rejects.toThrow();
    const head = await raw(registry, `/v2/f/drop/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const retry = await raw(registry, `${location}?digest=${digest}`, { method: 'PUT', body: content });
    expect(retry.status).toBe(404);
    expect(codes(retry)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
  });

  it('dropAfterCommit on a manifest PUT stores the manifest', async () => {
    registry.faults.add({ method: 'PUT', path: /\/manifests\//, dropAfterCommit: true });
    await expect(pushImage(registry, 'f/dropmanifest', 'v1')).rejects.toThrow();
    expect((await raw(registry, '/v2/f/dropmanifest/manifests/v1')).status).toBe(200);
  });
});

describe('redirects to a blob mirror', () => {
  it('a blob GET is redirected (307) to the mirror, which serves the same bytes and records the request', async () => {
    registry.faults.add({ method: 'GET', path: /\/blobs\/sha256:/, redirectTo: mirror.url });
    const res = await raw(registry, `/v2/f/app/blobs/${bigDigest}?x=1`);
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe(`${mirror.url}/v2/f/app/blobs/${bigDigest}?x=1`);
    const followed = await raw(mirror.url, new URL(res.headers.location as string).pathname, { headers: { Range: 'bytes=0-99' } });
    expect(followed.status).toBe(206);
    expect(followed.body).toEqual(big.subarray(0, 100));
    expect(mirror.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v2/f/app/blobs/${bigDigest}`, hadAuthorization: false });
  });

  it('global fetch follows the redirect and does not forward Authorization to the other origin', async () => {
    registry.faults.add({ method: 'GET', path: /\/blobs\//, redirectTo: mirror.url });
    const before = mirror.requests.length;
    const res = await fetch(`${registry.url}/v2/f/app/blobs/${bigDigest}`, { headers: { Authorization: 'Bearer abcdefgh' } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(big);
    expect(mirror.requests.length).toBe(before + 1);
    expect(mirror.requests.at(-1)?.hadAuthorization).toBe(false);
  });

  it('records an Authorization header when one is sent', async () => {
    await raw(mirror.url, `/v2/f/app/blobs/${bigDigest}`, { method: 'HEAD', headers: { Authorization: 'Bearer leaked-token' } });
    const last = mirror.requests.at(-1);
    expect(last?.hadAuthorization).toBe(true);
    expect(last?.headers.authorization).toBe('Bearer leaked-token');
  });

  it('the mirror answers 404 for unknown blobs and other paths', async () => {
    expect((await raw(mirror.url, `/v2/f/app/blobs/${sha256('absent')}`)).status).toBe(404);
    expect((await raw(mirror.url, '/v2/')).status).toBe(404);
  });

  it('startBlobMirror refuses something that is not a running registry', async () => {
    await expect(startBlobMirror({} as RunningRegistry)).rejects.toSatisfy(isValidationError);
  });
});

describe('faults and authentication', () => {
  it('requests answered with a 401 challenge neither trigger nor consume faults', async () => {
    const secured = await startRegistry({ auth: { basic: { username: 'u', password: 'pw-1234' } } });
    try {
      secured.faults.add({ path: '/v2/', status: 500 });
      expect((await raw(secured, '/v2/')).status).toBe(401);
      expect(secured.faults.pending()).toBe(1);
      const auth = { Authorization: `Basic ${Buffer.from('u:pw-1234').toString('base64')}` };
      expect((await raw(secured, '/v2/', { headers: auth })).status).toBe(500);
      expect((await raw(secured, '/v2/', { headers: auth })).status).toBe(200);
    } finally {
      await secured.close();
    }
  });

  it('the token endpoint can be faulted', async () => {
    const secured = await startRegistry({ auth: { token: {} } });
    try {
      secured.faults.add({ path: /^\/token/, status: 503 });
      expect((await raw(secured, '/token?scope=repository:a:pull')).status).toBe(503);
      expect((await raw(secured, '/token?scope=repository:a:pull')).status).toBe(200);
      expect(secured.stats.tokenRequests).toBe(2);
    } finally {
      await secured.close();
    }
  });
});

describe('fault validation and stats', () => {
  it.each([
    [{ path: '/v2/' }, /no effect/],
    [{ status: 99 }, /status/],
    [{ status: 500, times: 0 }, /times/],
    [{ reset: 'sometimes' }, /reset/],
    [{ redirectTo: 'not a url' }, /redirectTo/],
    [{ slowBodyBytesPerSecond: 0 }, /slowBodyBytesPerSecond/],
  ])('%j is refused', (fault, message) => {
    expect(() => registry.faults.add(fault as never)).toThrow(message);
  });

  it('counts requests per route', async () => {
    const reg = await startRegistry();
    try {
      await raw(reg, '/v2/');
      await pushImage(reg, 's/app', 'v1');
      await raw(reg, '/v2/s/app/manifests/v1', { method: 'HEAD' });
      await raw(reg, '/v2/nothing/here');
      expect(reg.stats.requests).toBe(6);
      expect(reg.stats.byRoute).toEqual({ 'GET base': 1, 'POST upload': 2, 'PUT manifest': 1, 'HEAD manifest': 1, 'GET unknown': 1 });
      expect(reg.stats.tokenRequests).toBe(0);
    } finally {
      await reg.close();
    }
  });
});
