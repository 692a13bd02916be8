import { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';
import type { ByteRange } from '../../oci/range.js';
import type { BlobStore, UploadBuffer } from './blob-store.js';

/** Upload bytes kept as the list of chunks received, so that memory grows with the data and nothing is copied. */
class MemoryUpload implements UploadBuffer {
  chunks: Buffer[] = [];
  size = 0;
  async append(chunk: Buffer): Promise<void> {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
  }
  async truncate(size: number): Promise<void> {
    this.chunks = [...sliceChunks(this.chunks, 0, size)];
    this.size = size;
  }
  async *read(): AsyncIterable<Buffer> {
    yield* this.chunks;
  }
  async release(): Promise<void> {}
  async discard(): Promise<void> {
    this.chunks = [];
    this.size = 0;
  }
}

/** The chunks covering bytes [start, end) of a chunk list, sliced without copying. */
function* sliceChunks(chunks: readonly Buffer[], start: number, end: number): Generator<Buffer> {
  let offset = 0;
  for (const chunk of chunks) {
    const chunkEnd = offset + chunk.byteLength;
    if (chunkEnd > start && offset < end) {
      yield chunk.subarray(Math.max(0, start - offset), Math.min(chunk.byteLength, end - offset));
    }
    offset = chunkEnd;
    if (offset >= end) return;
  }
}

interface MemoryBlob {
  chunks: Buffer[];
  size: number;
}

/** Blob storage in process memory; everything is lost when the registry closes. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<Digest, MemoryBlob>();

  has(digest: Digest): boolean {
    return this.blobs.has(digest);
  }

  size(digest: Digest): number | undefined {
    return this.blobs.get(digest)?.size;
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable | undefined> {
    const blob = this.blobs.get(digest);
    if (!blob) return undefined;
    const start = range?.start ?? 0;
    const end = range ? range.end + 1 : blob.size;
    return Readable.from(sliceChunks(blob.chunks, start, end), { objectMode: false });
  }

  async readAll(digest: Digest): Promise<Buffer | undefined> {
    const blob = this.blobs.get(digest);
    return blob ? Buffer.concat(blob.chunks, blob.size) : undefined;
  }

  async putBytes(digest: Digest, bytes: Buffer): Promise<void> {
    if (!this.blobs.has(digest)) this.blobs.set(digest, { chunks: [Buffer.from(bytes)], size: bytes.byteLength });
  }

  async createUpload(): Promise<UploadBuffer> {
    return new MemoryUpload();
  }

  async commitUpload(upload: UploadBuffer, digest: Digest): Promise<void> {
    if (!(upload instanceof MemoryUpload)) throw new TypeError('upload does not belong to this store');
    if (!this.blobs.has(digest)) this.blobs.set(digest, { chunks: upload.chunks, size: upload.size });
    upload.chunks = [];
    upload.size = 0;
  }

  async remove(digest: Digest): Promise<void> {
    this.blobs.delete(digest);
  }

  async close(): Promise<void> {
    this.blobs.clear();
  }
}
