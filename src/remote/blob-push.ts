/**
 * The write side of blobs: push (monolithic for bytes and files, chunked for streams), mount from
 * another repository, and copy between registries. A blob the target already has is never sent.
 */
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { CallOptions, RemoteContext } from './context.js';
import { OCTET_STREAM, blobExists, getBlob, headBlob, repoLabel } from './blobs.js';
import { BlobReadStream } from './blob-read-stream.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { digestAlgorithm, digestOf, parseDigest, type Digest } from '../oci/digest.js';
import { RegistryError, ValidationError, isAuthError } from '../errors.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor } from '../oci/schemas.js';
import { isFileBody, type FileBody } from '../transport/body.js';
import { FileChunks } from '../transport/file-chunks.js';
import { RestartableUpload, UploadSession, refusedWholePut, uploadChunked, uploadSized, type SizedSource } from './upload-session.js';
import { isRetryableError } from '../transport/retry.js';

/** Data for {@link pushBlob}: bytes, a file path (or `{ path }`), or a stream of unknown length. */
export type BlobData = Uint8Array | string | FileBody | Readable | AsyncIterable<Uint8Array>;

export interface PushBlobOptions extends CallOptions {
  /** The blob's digest, when known: lets an existing blob be skipped before anything is read. */
  digest?: string;
  /** The blob's size, when known: checked against what is sent. */
  size?: number;
  /** Media type for the returned descriptor (default `application/octet-stream`). */
  mediaType?: string;
}

/** Internal to the library: its own callers' flags, kept out of the public option types. */
export interface SkipExistenceCheck {
  /** The caller has just checked that the target lacks the blob: don't ask again. */
  knownAbsent?: boolean;
}

/** The descriptor of a pushed or mounted blob, and whether anything had to be sent. */
export interface BlobPushResult extends Descriptor {
  /** `existing`: the registry already had it; `mounted`: cross-repository mount; `uploaded`: bytes were sent. */
  outcome: 'existing' | 'mounted' | 'uploaded';
}

/**
 * Pushes a blob and returns its descriptor. Bytes and files are sent in one monolithic PUT after a
 * POST; streams of unknown length are sent in PATCH chunks. A blob the repository already has is not sent.
 */
export async function pushBlob(ctx: RemoteContext, repo: ReferenceInput, data: BlobData, options: PushBlobOptions & SkipExistenceCheck = {}): Promise<BlobPushResult> {
  const ref = toReference(repo);
  const mediaType = options.mediaType ?? OCTET_STREAM;
  const what = `push blob to ${repoLabel(ref)}`;
  const given = options.digest === undefined ? undefined : parseDigest(options.digest);

  if (data instanceof Uint8Array) {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const digest = digestOf(bytes, given ? digestAlgorithm(given) : 'sha256');
    checkGiven(what, given, options.size, digest, bytes.length);
    const source: SizedSource = { size: bytes.length, bytes, open: async (offset) => Readable.from([bytes.subarray(offset)]) };
    return pushSized(ctx, ref, { digest, size: bytes.length, mediaType }, source, options);
  }
  if (typeof data === 'string' || isFileBody(data)) {
    const path = typeof data === 'string' ? data : data.path;
    const size = (await stat(path)).size;
    if (options.size !== undefined && options.size !== size) throw new ValidationError(`${what}: ${path} is ${size} bytes, not ${options.size}`);
    const source = fileSource(path, size);
    if (given) return pushSized(ctx, ref, { digest: given, size, mediaType }, source, options);
    // No digest: the file is hashed while it is sent (one read, not two), so the registry cannot be asked first.
    const digest = await uploadNew(ctx, ref, undefined, source, options.signal);
    return { mediaType, digest, size, outcome: 'uploaded' };
  }
  if (given && !options.knownAbsent && (await blobExists(ctx, ref, given, { signal: options.signal, forPush: true }))) {
    destroyQuietly(data);
    return { mediaType, digest: given, size: options.size ?? -1, outcome: 'existing' };
  }
  const session = await UploadSession.start(ctx, ref, { signal: options.signal });
  if (session === 'mounted') throw new RegistryError(what, 201); // unreachable: no mount was asked for
  try {
    const { digest, size } = await uploadChunked(session, data, {
      chunkSize: ctx.chunkSize,
      algorithm: given ? digestAlgorithm(given) : 'sha256',
      expected: { digest: given, size: options.size },
      signal: options.signal,
      what,
    });
    return { mediaType, digest, size, outcome: 'uploaded' };
  } catch (error) {
    await session.cancel();
    throw error;
  }
}

/** Options of {@link pushSized}. */
export interface SizedPushOptions extends SkipExistenceCheck {
  signal?: AbortSignal;
  /** Called with the bytes of this blob the registry has accepted so far. */
  onBytes?: (bytesDone: number) => void;
}

/**
 * Pushes a blob of known digest and size from a source that can be read again from any offset:
 * skipped when the repository has it, else one streamed request (or chunks at the registry's
 * request limit, see {@link uploadSized}). A session that fails is cancelled.
 */
export async function pushSized(ctx: RemoteContext, ref: Reference, descriptor: Descriptor, source: SizedSource, options: SizedPushOptions = {}): Promise<BlobPushResult> {
  const { signal } = options;
  if (!options.knownAbsent && (await blobExists(ctx, ref, descriptor.digest, { signal, forPush: true }))) return { ...descriptor, outcome: 'existing' };
  await uploadNew(ctx, ref, descriptor.digest as Digest, source, signal, options.onBytes);
  return { ...descriptor, outcome: 'uploaded' };
}

async function uploadNew(ctx: RemoteContext, ref: Reference, digest: Digest | undefined, source: SizedSource, signal?: AbortSignal, onBytes?: (bytesDone: number) => void): Promise<Digest> {
  const policy = ctx.transport.retryPolicy;
  for (let attempt = 0; ; attempt++) {
    const session = await UploadSession.start(ctx, ref, { signal });
    if (session === 'mounted') throw new RegistryError(`push blob to ${repoLabel(ref)}`, 201); // unreachable: no mount was asked for
    try {
      return await uploadSized(session, digest, source, { signal, onBytes, chunkSize: ctx.chunkSize });
    } catch (error) {
      await session.cancel();
      const failure = error instanceof RestartableUpload ? error.cause : error;
      if (signal?.aborted) throw failure;
      if (error instanceof RestartableUpload && refusedWholePut(failure) && !session.wholePutRefused) {
        session.learnWholePutRefused();
        continue;
      }
      // The source can be read again, so a whole-blob upload that failed restarts in a fresh session.
      if (!(error instanceof RestartableUpload) || attempt >= policy.retries || !isRetryableError(failure, policy)) throw failure;
    }
  }
}

/** A file as a {@link SizedSource}; a file that changes size while it is sent fails the upload. */
export function fileSource(path: string, size: number): SizedSource {
  return {
    size,
    open: async (offset) => {
      const now = await stat(path);
      if (now.size !== size) throw new ValidationError(`push blob from ${path}: the file changed while it was being pushed`);
      return new FileChunks(path, offset);
    },
  };
}

/** A registry's blob as a {@link SizedSource}: every opening is a verified GET (from the start, skipping to `offset`). */
export function remoteBlobSource(ctx: RemoteContext, from: Reference, descriptor: Descriptor, signal?: AbortSignal): SizedSource {
  return {
    size: descriptor.size,
    open: async (offset) => {
      const stream = await getBlob(ctx, from, descriptor, { signal });
      // Until the upload starts reading it, an abort must not surface as an unhandled 'error' event (which
      // ends the process); the reader still gets the error, from the stream's stored state.
      stream.on('error', () => {});
      if (offset > 0) return skipBytes(stream, offset);
      // The upload is this stream's only reader: its read buffers may be handed back once written.
      return stream instanceof BlobReadStream ? stream.handChunksBack() : stream;
    },
  };
}

/** The stream without its first `count` bytes. */
export async function* skipBytes(stream: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let skip = count;
  for await (const piece of stream) {
    if (skip >= piece.byteLength) {
      skip -= piece.byteLength;
      continue;
    }
    yield skip > 0 ? piece.subarray(skip) : piece;
    skip = 0;
  }
}

export interface MountBlobOptions extends CallOptions {
  /** The repository (same registry) that has the blob. */
  from: ReferenceInput;
  /** The blob's size, if known (saves a HEAD). */
  size?: number;
  mediaType?: string;
}

/**
 * Mounts a blob from another repository of the same registry. When the registry declines (202, or
 * `insufficient_scope` on the source), the blob is copied through this client instead, so the call
 * succeeds whenever the source is readable.
 */
export async function mountBlob(ctx: RemoteContext, target: ReferenceInput, digestInput: string, options: MountBlobOptions & SkipExistenceCheck): Promise<BlobPushResult> {
  const ref = toReference(target);
  const from = toReference(options.from);
  const digest = parseDigest(digestInput);
  const mediaType = options.mediaType ?? OCTET_STREAM;
  if (from.registry !== ref.registry) {
    throw new ValidationError(`mount ${digest}: ${from.registry} and ${ref.registry} are different registries; use copyBlob`);
  }
  if (!options.knownAbsent && (await blobExists(ctx, ref, digest, { signal: options.signal, forPush: true }))) {
    return { mediaType, digest, size: options.size ?? (await headBlob(ctx, ref, digest, { signal: options.signal, forPush: true })).size, outcome: 'existing' };
  }
  let session: UploadSession | 'mounted';
  try {
    session = await UploadSession.start(ctx, ref, { signal: options.signal, mount: { digest, from } });
  } catch (error) {
    if (!isAuthError(error) && !(error instanceof RegistryError && (error.status === 403 || error.status === 401))) throw error;
    session = await UploadSession.start(ctx, ref, { signal: options.signal });
  }
  if (session === 'mounted') {
    const size = options.size ?? (await headBlob(ctx, ref, digest, options)).size;
    return { mediaType, digest, size, outcome: 'mounted' };
  }
  try {
    const source = await getBlob(ctx, from, digest, { size: options.size, signal: options.signal });
    const { size } = await uploadChunked(session, source, {
      chunkSize: ctx.chunkSize,
      algorithm: digestAlgorithm(digest),
      expected: { digest, size: options.size },
      signal: options.signal,
      what: `copy blob ${digest} from ${repoLabel(from)} to ${repoLabel(ref)}`,
    });
    return { mediaType, digest, size, outcome: 'uploaded' };
  } catch (error) {
    await session.cancel();
    throw error;
  }
}

/** Copies a blob between repositories on any registries: mounted when both are on one registry, else streamed and verified. */
export async function copyBlob(
  ctx: RemoteContext,
  from: ReferenceInput,
  to: ReferenceInput,
  descriptor: Descriptor,
  options: CallOptions & SizedPushOptions = {},
): Promise<BlobPushResult> {
  const source = toReference(from);
  const target = toReference(to);
  if (source.registry === target.registry) {
    if (source.repository === target.repository) return { ...descriptor, outcome: 'existing' };
    return mountBlob(ctx, target, descriptor.digest, { from: source, size: descriptor.size, mediaType: descriptor.mediaType, signal: options.signal, knownAbsent: options.knownAbsent });
  }
  if (descriptor.size >= 0) return pushSized(ctx, target, descriptor, remoteBlobSource(ctx, source, descriptor, options.signal), options);
  if (!options.knownAbsent && (await blobExists(ctx, target, descriptor.digest, { signal: options.signal, forPush: true }))) return { ...descriptor, outcome: 'existing' };
  const stream = await getBlob(ctx, source, descriptor, options);
  try {
    // The target was just found to lack the blob (here or by the caller): pushBlob need not ask again.
    const result = await pushBlob(ctx, target, stream, { digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType, signal: options.signal, knownAbsent: true });
    return { ...result, size: descriptor.size };
  } finally {
    // A failed upload must not leave the source download holding its connection.
    stream.destroy();
  }
}

function checkGiven(what: string, given: Digest | undefined, size: number | undefined, digest: Digest, actualSize: number): void {
  if ((given && given !== digest) || (size !== undefined && size !== actualSize)) {
    throw new ValidationError(`${what}: the data does not match the given ${given && given !== digest ? `digest ${given} (it is ${digest})` : `size ${size} (it is ${actualSize} bytes)`}`);
  }
}

function destroyQuietly(data: unknown): void {
  if (data instanceof Readable) data.destroy();
}
