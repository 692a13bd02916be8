import { connect } from 'node:net';
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { codes, eventually, pushImage, putManifest, raw, sha256, type BuiltImage } from '../helpers/registry-helpers.js';

let registry: RunningRegistry;
let image: BuiltImage;
const logLines: string[] = [];

beforeAll(async () => {
  registry = await startRegistry({ log: (line) => logLines.push(line) });
  image = await pushImage(registry, 'safe/app', 'v1');
});
afterAll(async () => {
  await registry.close();
});

/** The image pushed first is still served byte for byte. */
async function expectIntact(): Promise<void> {
  const manifest = await raw(registry, '/v2/safe/app/manifests/v1');
  expect(manifest.status).toBe(200);
  expect(manifest.body).toEqual(image.manifest);
  expect((await raw(registry, `/v2/safe/app/blobs/${sha256(image.layer)}`)).body).toEqual(image.layer);
  expect((await raw(registry, '/v2/safe/app/tags/list')).json().tags).toEqual(['v1']);
}

describe('bad repository names', () => {
  it.each([
    '/v2/../etc/blobs/sha256:' + 'a'.repeat(64),
    '/v2/safe/../app/manifests/v1',
    '/v2/safe/app/../../x/tags/list',
    '/v2/%2e%2e/app/manifests/v1',
    '/v2/Safe/App/manifests/v1',
    '/v2/safe//app/manifests/v1',
    '/v2/-safe/app/manifests/v1',
    '/v2/safe/app./manifests/v1',
    `/v2/${'a'.repeat(256)}/manifests/v1`,
    '/v2/safe/app/blobs/uploads/../../../x/blobs/uploads/',
  ])('%s is NAME_INVALID', async (path) => {
    const res = await raw(registry, path, { method: path.endsWith('/uploads/') ? 'POST' : 'GET' });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['NAME_INVALID']);
  });

  it('names with separators and several components are fine', async () => {
    await pushImage(registry, 'a.b/c_d/e__f/g-h/i---j', 'v1');
    expect((await raw(registry, '/v2/a.b/c_d/e__f/g-h/i---j/manifests/v1')).status).toBe(200);
  });

  it('any generated name is either served or refused with NAME_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-zA-Z0-9._\-/]{1,40}$/), async (name) => {
        const res = await raw(registry, `/v2/${name}/tags/list`);
        expect([400, 404]).toContain(res.status);
        if (res.status === 400) expect(codes(res)).toEqual(['NAME_INVALID']);
      }),
      { numRuns: 60 },
    );
    await expectIntact();
  });
});

describe('unknown endpoints and methods', () => {
  it('an unknown path is 404, a wrong method 405 with Allow', async () => {
    const unknown = await raw(registry, '/v3/');
    expect(unknown.status).toBe(404);
    expect(codes(unknown)).toEqual(['UNSUPPORTED']);
    const tokenWithoutTokenAuth = await raw(registry, '/token');
    expect(tokenWithoutTokenAuth.status).toBe(404);
    const method = await raw(registry, '/v2/safe/app/tags/list', { method: 'POST', body: 'x' });
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('GET');
    const patchManifest = await raw(registry, '/v2/safe/app/manifests/v1', { method: 'PATCH', body: '{}' });
    expect(patchManifest.status).toBe(405);
    await expectIntact();
  });
});

describe('bad manifests do not disturb stored data', () => {
  it('random bodies pushed over an existing tag are refused and the tag keeps its manifest', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
          fc.constant('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":null,"layers":[]}'),
          fc.constant('[]'),
          fc.constant('null'),
        ),
        async (body) => {
          const res = await putManifest(registry, 'safe/app', 'v1', Buffer.from(body as string | Buffer), 'application/vnd.oci.image.manifest.v1+json');
          expect(res.status).toBe(400);
          expect(['MANIFEST_INVALID', 'MANIFEST_BLOB_UNKNOWN']).toContain(codes(res)[0]);
        },
      ),
      { numRuns: 80 },
    );
    await expectIntact();
  });

  it('a manifest with the wrong Content-Type or a missing blob leaves the tag alone', async () => {
    expect((await putManifest(registry, 'safe/app', 'v1', image.manifest, 'text/plain')).status).toBe(415);
    const doc = JSON.parse(image.manifest.toString());
    doc.layers[0].digest = sha256('missing layer');
    expect(codes(await putManifest(registry, 'safe/app', 'v1', doc))).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    await expectIntact();
  });
});

describe('broken clients', () => {
  it('a client that disconnects mid-chunk leaves the upload where it was', async () => {
    const start = await raw(registry, '/v2/safe/app/blobs/uploads/', { method: 'POST' });
    const location = start.headers.location as string;
    await raw(registry, location, { method: 'PATCH', body: 'kept' });
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port: registry.port, method: 'PATCH', path: location, headers: { 'Content-Length': 1000 } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(100, 1), () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    await eventually(async () => {
      const status = await raw(registry, location);
      expect(status.status).toBe(204);
      expect(status.headers.range).toBe('0-3');
    });
    const put = await raw(registry, `${location}?digest=${sha256('kept')}`, { method: 'PUT' });
    expect(put.status).toBe(201);
    await expectIntact();
  });

  it('a client that disconnects during a monolithic upload stores nothing', async () => {
    const content = Buffer.alloc(5000, 7);
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: registry.port,
        method: 'POST',
        path: `/v2/safe/app/blobs/uploads/?digest=${sha256(content)}`,
        headers: { 'Content-Length': content.length },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(content.subarray(0, 1000), () => setTimeout(() => req.destroy(), 50));
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await raw(registry, `/v2/safe/app/blobs/${sha256(content)}`)).status).toBe(404);
  });

  it('garbage on the socket, malformed Content-Range and Content-Length do not stop the server', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(registry.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', () => {});
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    const start = await raw(registry, '/v2/safe/app/blobs/uploads/', { method: 'POST' });
    const location = start.headers.location as string;
    const badRange = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': 'lots' }, body: 'x' });
    expect(badRange.status).toBe(400);
    expect(codes(badRange)).toEqual(['BLOB_UPLOAD_INVALID']);
    const reversed = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': '5-1' }, body: 'x' });
    expect(codes(reversed)).toEqual(['BLOB_UPLOAD_INVALID']);
    const badDigest = await raw(registry, `${location}?digest=sha256:${'g'.repeat(64)}`, { method: 'PUT' });
    expect(codes(badDigest)).toEqual(['DIGEST_INVALID']);
    const longUrl = await raw(registry, `/v2/safe/app/manifests/${'x'.repeat(5000)}`);
    expect(longUrl.status).toBe(404);
    expect(codes(longUrl)).toEqual(['MANIFEST_UNKNOWN']);
    await expectIntact();
  });

  it('concurrent writes to one upload: the second is told to re-sync (416)', async () => {
    const start = await raw(registry, '/v2/safe/app/blobs/uploads/', { method: 'POST' });
    const location = start.headers.location as string;
    const slow = raw(registry, location, { method: 'PATCH', body: [Buffer.from('ab'), Buffer.from('c'), Buffer.from('d')], gapMs: 300 });
    // wait until the first PATCH is being written (2 bytes in), then write concurrently
    await eventually(async () => expect((await raw(registry, location)).headers.range).toBe('0-1'));
    const second = await raw(registry, location, { method: 'PATCH', body: 'zz' });
    expect(second.status).toBe(416);
    expect((await slow).status).toBe(202);
    const status = await raw(registry, location);
    expect(status.headers.range).toBe('0-3');
  });

  it('nothing unexpected was logged', () => {
    expect(logLines.filter((l) => l.startsWith('error serving'))).toEqual([]);
  });
});
