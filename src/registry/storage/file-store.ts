import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isDigest, type Digest } from '../../oci/digest.js';
import type { ByteRange } from '../../oci/range.js';
import type { BlobStore, UploadBuffer } from './blob-store.js';

/**
 * An upload written straight to a file under `<dir>/uploads`, in the same file system as the blobs so commit is a
 * rename. The file is open only while a request appends to it: {@link FileUpload.release} closes it, so an idle
 * upload holds no file descriptor.
 */
class FileUpload implements UploadBuffer {
  size = 0;
  private handle: FileHandle | undefined;
  private released = false;
  constructor(readonly path: string) {}

  async append(chunk: Buffer): Promise<void> {
    const handle = await this.openHandle();
    let written = 0;
    while (written < chunk.byteLength) {
      const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written, this.size + written);
      written += bytesWritten;
    }
    this.size += chunk.byteLength;
  }

  async truncate(size: number): Promise<void> {
    await (await this.openHandle()).truncate(size);
    this.size = size;
  }

  read(): AsyncIterable<Buffer> {
    if (this.size === 0) return (async function* () {})();
    return createReadStream(this.path, { start: 0, end: this.size - 1 });
  }

  async release(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** Closes the file for good and returns its path, for the store to move it. */
  async seal(): Promise<string> {
    this.released = true;
    await this.release();
    return this.path;
  }

  async discard(): Promise<void> {
    await this.seal();
    await rm(this.path, { force: true });
  }

  private async openHandle(): Promise<FileHandle> {
    if (this.released) throw new Error('upload buffer already released');
    this.handle ??= await open(this.path, 'r+');
    return this.handle;
  }
}

/**
 * Blob storage in a directory: `blobs/<algorithm>/<hex>` holds content, `uploads/` uploads in progress and `tmp/`
 * files being written. Content is only ever renamed into `blobs/`, so a blob file is always complete.
 */
export class FileBlobStore implements BlobStore {
  private readonly sizes = new Map<Digest, number>();

  private constructor(readonly dir: string) {}

  /**
   * Opens (creating when needed) a store in `dir`, indexing the blobs already there and clearing leftovers of
   * earlier runs. Only for a directory claimed with `claimStoreDir`: its marker says `uploads/` and `tmp/` are ours.
   */
  static async open(dir: string): Promise<FileBlobStore> {
    const store = new FileBlobStore(dir);
    await rm(store.uploadsDir, { recursive: true, force: true });
    await rm(store.tmpDir, { recursive: true, force: true });
    await mkdir(store.uploadsDir, { recursive: true });
    await mkdir(store.tmpDir, { recursive: true });
    await mkdir(store.blobsDir, { recursive: true });
    for (const algorithm of await readdir(store.blobsDir, { withFileTypes: true })) {
      if (!algorithm.isDirectory()) continue;
      for (const encoded of await readdir(join(store.blobsDir, algorithm.name))) {
        const digest = `${algorithm.name}:${encoded}`;
        if (!isDigest(digest)) continue;
        const info = await stat(join(store.blobsDir, algorithm.name, encoded));
        if (info.isFile()) store.sizes.set(digest, info.size);
      }
    }
    return store;
  }

  private get blobsDir(): string {
    return join(this.dir, 'blobs');
  }
  private get uploadsDir(): string {
    return join(this.dir, 'uploads');
  }
  private get tmpDir(): string {
    return join(this.dir, 'tmp');
  }

  /** A fresh path for a file being written, to be renamed into place. */
  tempPath(): string {
    return join(this.tmpDir, randomUUID());
  }

  private blobPath(digest: Digest): string {
    const colon = digest.indexOf(':');
    return join(this.blobsDir, digest.slice(0, colon), digest.slice(colon + 1));
  }

  has(digest: Digest): boolean {
    return this.sizes.has(digest);
  }

  size(digest: Digest): number | undefined {
    return this.sizes.get(digest);
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable | undefined> {
    if (!this.sizes.has(digest)) return undefined;
    let handle: FileHandle;
    try {
      handle = await open(this.blobPath(digest), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async readAll(digest: Digest): Promise<Buffer | undefined> {
    if (!this.sizes.has(digest)) return undefined;
    try {
      return await readFile(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async putBytes(digest: Digest, bytes: Buffer): Promise<void> {
    if (this.sizes.has(digest)) return;
    const temp = this.tempPath();
    await writeFile(temp, bytes);
    await this.moveIntoPlace(temp, digest, bytes.byteLength);
  }

  async createUpload(): Promise<UploadBuffer> {
    const path = join(this.uploadsDir, randomUUID());
    await writeFile(path, '', { flag: 'wx' });
    return new FileUpload(path);
  }

  async commitUpload(upload: UploadBuffer, digest: Digest): Promise<void> {
    if (!(upload instanceof FileUpload)) throw new TypeError('upload does not belong to this store');
    const size = upload.size;
    const path = await upload.seal();
    if (this.sizes.has(digest)) {
      await rm(path, { force: true });
      return;
    }
    await this.moveIntoPlace(path, digest, size);
  }

  private async moveIntoPlace(from: string, digest: Digest, size: number): Promise<void> {
    const target = this.blobPath(digest);
    await mkdir(join(target, '..'), { recursive: true });
    await rename(from, target);
    this.sizes.set(digest, size);
  }

  async remove(digest: Digest): Promise<void> {
    if (!this.sizes.delete(digest)) return;
    try {
      await unlink(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  async close(): Promise<void> {
    await rm(this.uploadsDir, { recursive: true, force: true });
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}
