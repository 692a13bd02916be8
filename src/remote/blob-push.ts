/**
 * The write side of blobs: push (monolithic for bytes and files, chunked for streams), mount from
 * another repository, and copy between registries. A blob the target already has is never sent.
 */
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { CallOptions, RemoteContext } from './context.js';
import { OCTET_STREAM, blobExists, getBlob, headBlob, repoLabel } from './blobs.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { Digester, digestAlgorithm, digestOf, parseDigest, type Digest } from '../oci/digest.js';
import { RegistryError, ValidationError, isAuthError } from '../errors.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor } from '../oci/schemas.js';
import { isFileBody, type FileBody } from '../transport/body.js';
import { isRetryableError } from '../transport/retry.js';
import { UploadSession, finishOrConfirm, uploadChunked } from './upload-session.js';
import { pushChunkedInstead, refusedMonolithicPut } from './monolithic-fallback.js';

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
    return pushKnown(ctx, ref, { digest, size: bytes.length, mediaType }, { source: bytes, size: bytes.length }, options.signal);
  }
  if (typeof data === 'string' || isFileBody(data)) {
    const path = typeof data === 'string' ? data : data.path;
    const info = await stat(path);
    const size = info.size;
    const digest = given ?? (await hashFile(path, 'sha256'));
    if (options.size !== undefined && options.size !== size) throw new ValidationError(`${what}: ${path} is ${size} bytes, not ${options.size}`);
    return pushKnown(ctx, ref, { digest, size, mediaType }, { source: { path }, size }, options.signal, path);
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

async function pushKnown(
  ctx: RemoteContext,
  ref: Reference,
  descriptor: Descriptor,
  body: { source: Buffer | FileBody; size: number },
  signal: AbortSignal | undefined,
  path?: string,
): Promise<BlobPushResult> {
  if (await blobExists(ctx, ref, descriptor.digest, { signal, forPush: true })) return { ...descriptor, outcome: 'existing' };
  const policy = ctx.transport.retryPolicy;
  // The body is replayable (bytes or a file), so a failed monolithic upload restarts in a fresh session.
  for (let attempt = 0; ; attempt++) {
    const session = await UploadSession.start(ctx, ref, { signal });
    if (session === 'mounted') return { ...descriptor, outcome: 'mounted' };
    try {
      if (path !== undefined) {
        // The file is read twice (hash, then send); make sure it did not change in between.
        const now = await stat(path);
        if (now.size !== body.size) throw new ValidationError(`push blob from ${path}: the file changed while it was being pushed`);
      }
      await finishOrConfirm(session, descriptor.digest as Digest, body, signal);
      return { ...descriptor, outcome: 'uploaded' };
    } catch (error) {
      await session.cancel();
      if (refusedMonolithicPut(error) && !signal?.aborted) {
        await pushChunkedInstead(ctx, ref, descriptor, body.source, signal, `push blob to ${repoLabel(ref)}`);
        return { ...descriptor, outcome: 'uploaded' };
      }
      if (signal?.aborted || attempt >= policy.retries || !isRetryableError(error, policy)) throw error;
    }
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
  options: CallOptions & SkipExistenceCheck = {},
): Promise<BlobPushResult> {
  const source = toReference(from);
  const target = toReference(to);
  if (source.registry === target.registry) {
    if (source.repository === target.repository) return { ...descriptor, outcome: 'existing' };
    return mountBlob(ctx, target, descriptor.digest, { from: source, size: descriptor.size, mediaType: descriptor.mediaType, signal: options.signal, knownAbsent: options.knownAbsent });
  }
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

/** Hashes a file through one reused buffer, so hashing a large file creates no garbage. */
async function hashFile(path: string, algorithm: 'sha256' | 'sha512'): Promise<Digest> {
  const digester = new Digester(algorithm);
  const buffer = Buffer.allocUnsafe(1 << 20);
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      digester.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return digester.digest();
}

function destroyQuietly(data: unknown): void {
  if (data instanceof Readable) data.destroy();
}
