import type { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';
import type { ByteRange } from '../../oci/range.js';

/**
 * Bytes of an upload in progress. Appends happen one at a time; a failed chunk is rolled back with `truncate`.
 */
export interface UploadBuffer {
  /** Bytes held so far. */
  readonly size: number;
  append(chunk: Buffer): Promise<void>;
  /** Drops everything after the first `size` bytes. */
  truncate(size: number): Promise<void>;
  /** Streams everything held so far (used to re-hash when no running digest is available). */
  read(): AsyncIterable<Buffer>;
  /** Closes whatever the buffer holds open for appending (a file); called after each request, so an idle upload holds nothing. */
  release(): Promise<void>;
  /** Releases the buffer; it must not be used afterwards. */
  discard(): Promise<void>;
}

/**
 * Content-addressed storage shared by every repository: each digest's bytes are stored once.
 * Which repository may see which digest is tracked by the registry state, not here.
 */
export interface BlobStore {
  has(digest: Digest): boolean;
  /** Size in bytes, or undefined when absent. */
  size(digest: Digest): number | undefined;
  /** A stream of the content (or of `range` of it), or undefined when absent. Opened before returning, so a concurrent delete cannot break it. */
  open(digest: Digest, range?: ByteRange): Promise<Readable | undefined>;
  /** The whole content in memory (for manifests), or undefined when absent. */
  readAll(digest: Digest): Promise<Buffer | undefined>;
  /** Stores bytes under a digest the caller has verified. Never visible half-written. */
  putBytes(digest: Digest, bytes: Buffer): Promise<void>;
  /** A buffer for a new upload session. */
  createUpload(): Promise<UploadBuffer>;
  /** Makes a verified upload the content of `digest` and releases the buffer. */
  commitUpload(upload: UploadBuffer, digest: Digest): Promise<void>;
  remove(digest: Digest): Promise<void>;
  /** Releases resources (discarding nothing that was committed). */
  close(): Promise<void>;
}
