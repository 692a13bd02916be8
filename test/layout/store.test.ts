/** The OCI layout store on a real directory: atomic writes, verified blobs, tags in index.json. */
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DigestMismatchError, ValidationError } from '../../src/errors.js';
import { LayoutStore } from '../../src/layout/store.js';
import { parseLayoutEndpoint } from '../../src/copy/stores.js';
import { digestOf } from '../../src/oci/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-layout-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const manifest = (text: string) => {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', note: text }));
  return { bytes, descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(bytes), size: bytes.length } };
};

describe('LayoutStore', () => {
  it('writes oci-layout and index.json, and moves a tag from one manifest to another', async () => {
    const store = new LayoutStore(dir);
    await store.init();
    const a = manifest('a');
    const b = manifest('b');
    await store.putManifest(a.bytes, a.descriptor, ['1.0', 'latest']);
    await store.putManifest(b.bytes, b.descriptor, ['latest']);

    expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(await store.listTags()).toEqual(['1.0', 'latest']);
    expect((await store.resolveTag('latest')).digest).toBe(b.descriptor.digest);
    expect((await store.getManifest('1.0')).bytes.equals(a.bytes)).toBe(true);
    expect((await readFile(join(dir, 'blobs', 'sha256', a.descriptor.digest.slice(7)))).equals(a.bytes)).toBe(true);
  });

  it('refuses a blob whose bytes do not match its digest, leaving no file behind, and keeps files it did not create', async () => {
    const store = new LayoutStore(dir);
    await store.init();
    await writeFile(join(dir, 'blobs', 'sha256', 'README'), 'not ours');
    const good = Buffer.from('good');
    const error = await store.putBlob({ mediaType: 'x', digest: digestOf(good), size: good.length }, [Buffer.from('evil')]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(await readdir(join(dir, 'blobs', 'sha256'))).toEqual(['README']);
    expect(await store.hasBlob(digestOf(good))).toBe(false);
  });

  it('flushes a blob file to disk before renaming it into place, then its directory', async () => {
    const store = new LayoutStore(dir);
    await store.init();
    const bytes = Buffer.from('durable bytes');
    const final = join(dir, 'blobs', 'sha256', digestOf(bytes).slice('sha256:'.length));
    const probe = await open(join(dir, 'oci-layout'), 'r');
    const fileHandle = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const placedAtSync: boolean[] = [];
    const realSync = fileHandle.sync;
    const sync = vi.spyOn(fileHandle, 'sync').mockImplementation(async function (this: unknown) {
      placedAtSync.push(existsSync(final));
      return realSync.call(this);
    });
    try {
      await store.putBlob({ mediaType: 'x', digest: digestOf(bytes), size: bytes.length }, [bytes]);
    } finally {
      sync.mockRestore();
    }
    // The file's own flush comes while it still has its temporary name; the directory's once it is in place.
    expect(placedAtSync).toEqual([false, true]);
    expect((await readFile(final)).equals(bytes)).toBe(true);
  });

  it('does not take a truncated blob file for the blob when its size is known, and writes it again', async () => {
    const store = new LayoutStore(dir);
    await store.init();
    const bytes = Buffer.from('a blob whose file is cut short on disk');
    const descriptor = { mediaType: 'x', digest: digestOf(bytes), size: bytes.length };
    await store.putBlob(descriptor, [bytes]);
    const path = join(dir, 'blobs', 'sha256', descriptor.digest.slice('sha256:'.length));
    await truncate(path, 5);

    expect(await store.hasBlob(descriptor.digest, bytes.length)).toBe(false);
    expect(await store.hasBlob(descriptor.digest)).toBe(true);
    await store.putBlob(descriptor, [bytes]);
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect(await store.hasBlob(descriptor.digest, bytes.length)).toBe(true);
  });

  it('names a missing tag and a directory that is not a layout', async () => {
    const store = new LayoutStore(dir);
    await expect(store.listTags()).rejects.toThrow(/is not an OCI image layout: it has no index.json/);
    await store.init();
    await expect(store.getManifest('nope')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('oci:DIR[:TAG]', () => {
  it('takes the part after the last colon as a tag only when it is one', () => {
    expect(parseLayoutEndpoint('oci:/tmp/x:1.0')).toEqual({ dir: '/tmp/x', tag: '1.0' });
    expect(parseLayoutEndpoint('oci:./mirror')).toEqual({ dir: './mirror' });
    expect(parseLayoutEndpoint('oci:/a:b/c')).toEqual({ dir: '/a:b/c' });
    expect(() => parseLayoutEndpoint('oci:')).toThrow(ValidationError);
  });
});
