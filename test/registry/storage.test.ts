import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNetworkError, isValidationError } from '../../src/errors.js';
import { startRegistry } from '../../src/registry/index.js';
import { codes, pushBlob, pushImage, putManifest, raw, sha256 } from '../helpers/registry-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-registry-storage-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function files(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

describe('storage in a directory', () => {
  it('blobs, manifests and tags survive a restart', async () => {
    const storage = { dir: join(dir, 'restart') };
    const first = await startRegistry({ storage });
    const image = await pushImage(first, 'persist/app', 'v1');
    await putManifest(first, 'persist/app', 'v2', image.manifest, image.mediaType);
    const loose = await pushBlob(first, 'persist/other', 'loose blob');
    await first.close();

    const second = await startRegistry({ storage });
    try {
      const manifest = await raw(second, '/v2/persist/app/manifests/v1');
      expect(manifest.status).toBe(200);
      expect(manifest.body).toEqual(image.manifest);
      expect(manifest.headers['content-type']).toBe(image.mediaType);
      expect((await raw(second, `/v2/persist/app/blobs/${sha256(image.layer)}`)).body).toEqual(image.layer);
      expect((await raw(second, `/v2/persist/other/blobs/${loose}`)).text).toBe('loose blob');
      expect((await raw(second, '/v2/persist/app/tags/list')).json().tags).toEqual(['v1', 'v2']);
      expect((await raw(second, '/v2/_catalog')).json().repositories).toEqual(['persist/app', 'persist/other']);
      // a deletion also persists
      expect((await raw(second, '/v2/persist/app/manifests/v2', { method: 'DELETE' })).status).toBe(202);
    } finally {
      await second.close();
    }
    const third = await startRegistry({ storage });
    try {
      expect((await raw(third, '/v2/persist/app/tags/list')).json().tags).toEqual(['v1']);
    } finally {
      await third.close();
    }
  });

  it('blobs are stored once, content-addressed, under blobs/<algorithm>/<hex>', async () => {
    const storage = { dir: join(dir, 'layout') };
    const reg = await startRegistry({ storage });
    try {
      const digest = await pushBlob(reg, 'a', 'same bytes');
      await pushBlob(reg, 'b', 'same bytes');
      const hex = digest.slice('sha256:'.length);
      expect(await files(join(storage.dir, 'blobs', 'sha256'))).toEqual([hex]);
      expect(await readFile(join(storage.dir, 'blobs', 'sha256', hex), 'utf8')).toBe('same bytes');
    } finally {
      await reg.close();
    }
  });

  it('an upload in progress is in uploads/, never in blobs/, and a failed upload leaves nothing', async () => {
    const storage = { dir: join(dir, 'partial') };
    const reg = await startRegistry({ storage });
    try {
      const start = await raw(reg, '/v2/p/blobs/uploads/', { method: 'POST' });
      const location = start.headers.location as string;
      await raw(reg, location, { method: 'PATCH', body: 'half of it' });
      expect(await files(join(storage.dir, 'blobs', 'sha256'))).toEqual([]);
      expect(await files(join(storage.dir, 'uploads'))).toHaveLength(1);
      const bad = await raw(reg, `${location}?digest=${sha256('something else')}`, { method: 'PUT' });
      expect(codes(bad)).toEqual(['DIGEST_INVALID']);
      expect(await files(join(storage.dir, 'uploads'))).toEqual([]);
      expect(await files(join(storage.dir, 'blobs', 'sha256'))).toEqual([]);
      const cancelled = await raw(reg, '/v2/p/blobs/uploads/', { method: 'POST' });
      await raw(reg, cancelled.headers.location as string, { method: 'PATCH', body: 'to be cancelled' });
      await raw(reg, cancelled.headers.location as string, { method: 'DELETE' });
      expect(await files(join(storage.dir, 'uploads'))).toEqual([]);
    } finally {
      await reg.close();
    }
  });

  it('deleting the last reference removes the bytes; shared bytes stay', async () => {
    const storage = { dir: join(dir, 'gc') };
    const reg = await startRegistry({ storage });
    try {
      const digest = await pushBlob(reg, 'gc/a', 'collect me');
      await pushBlob(reg, 'gc/b', 'collect me');
      const path = join(storage.dir, 'blobs', 'sha256', digest.slice(7));
      await raw(reg, `/v2/gc/a/blobs/${digest}`, { method: 'DELETE' });
      expect(await readFile(path, 'utf8')).toBe('collect me');
      await raw(reg, `/v2/gc/b/blobs/${digest}`, { method: 'DELETE' });
      await expect(readFile(path)).rejects.toThrow(/ENOENT/);
      // pushing it again works
      await pushBlob(reg, 'gc/a', 'collect me');
      expect((await raw(reg, `/v2/gc/a/blobs/${digest}`)).text).toBe('collect me');
    } finally {
      await reg.close();
    }
  });

  it('uploads left by a previous run are cleared and unknown', async () => {
    const storage = { dir: join(dir, 'leftover') };
    const first = await startRegistry({ storage });
    const start = await raw(first, '/v2/l/blobs/uploads/', { method: 'POST' });
    await raw(first, start.headers.location as string, { method: 'PATCH', body: 'unfinished' });
    await first.close();
    const second = await startRegistry({ storage });
    try {
      expect((await raw(second, start.headers.location as string)).status).toBe(404);
      expect(await files(join(storage.dir, 'uploads'))).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('an unreadable repositories.json is refused with a clear error', async () => {
    const storage = { dir: join(dir, 'corrupt') };
    const reg = await startRegistry({ storage });
    await reg.close();
    await writeFile(join(storage.dir, 'repositories.json'), '{"version": 1, "repositories": {"../x": {}}}');
    await expect(startRegistry({ storage })).rejects.toSatisfy(
      (e: unknown) => isValidationError(e) && /repositories.json is unreadable: invalid repository name/.test((e as Error).message),
    );
  });

  it('an unexpected storage failure is a logged 500 with a JSON body, and the server keeps serving', async () => {
    const storage = { dir: join(dir, 'broken') };
    const lines: string[] = [];
    const reg = await startRegistry({ storage, log: (line) => lines.push(line) });
    try {
      await rm(join(storage.dir, 'uploads'), { recursive: true });
      const res = await raw(reg, '/v2/b/blobs/uploads/', { method: 'POST' });
      expect(res.status).toBe(500);
      expect(codes(res)).toEqual(['UNKNOWN']);
      expect(res.text).not.toContain(storage.dir);
      expect(lines.some((l) => l.startsWith('error serving POST /v2/b/blobs/uploads/') && l.includes('ENOENT'))).toBe(true);
      expect(lines.some((l) => /^POST \/v2\/b\/blobs\/uploads\/ -> 500 \(\d+ ms\)$/.test(l))).toBe(true);
      expect((await raw(reg, '/v2/')).status).toBe(200);
    } finally {
      await reg.close();
    }
  });
});

describe('memory storage', () => {
  it('starts empty every time', async () => {
    const a = await startRegistry();
    await pushImage(a, 'mem/app', 'v1');
    await a.close();
    const b = await startRegistry();
    try {
      expect((await raw(b, '/v2/_catalog')).json().repositories).toEqual([]);
    } finally {
      await b.close();
    }
  });
});

describe('lifecycle', () => {
  it('close() is idempotent and frees the port', async () => {
    const reg = await startRegistry();
    const { port } = reg;
    await Promise.all([reg.close(), reg.close()]);
    await expect(raw(reg, '/v2/')).rejects.toThrow(/ECONNREFUSED/);
    const again = await startRegistry({ port });
    expect(again.port).toBe(port);
    await again.close();
  });

  it('a port in use is a NetworkError naming the address', async () => {
    const reg = await startRegistry();
    try {
      await expect(startRegistry({ port: reg.port })).rejects.toSatisfy(
        (e: unknown) => isNetworkError(e) && (e as Error).message.includes(`127.0.0.1:${reg.port}`) && (e as Error).message.includes('EADDRINUSE'),
      );
    } finally {
      await reg.close();
    }
  });

  it('close() ends open connections, slow responses and upload sessions', async () => {
    const reg = await startRegistry();
    const digest = await pushBlob(reg, 'c/app', Buffer.alloc(50_000, 1));
    reg.faults.add({ method: 'GET', slowBodyBytesPerSecond: 1000 });
    const slow = raw(reg, `/v2/c/app/blobs/${digest}`).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await reg.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await slow).toBeInstanceOf(Error);
  });
});
