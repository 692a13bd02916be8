import { open, stat } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { pullScope, pushScope, repositoryPath, type CallOptions, type RemoteContext } from './context.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { Digester, VerifyingStream, digestAlgorithm, digestOf, parseDigest, type Digest } from '../oci/digest.js';
import { NetworkError, RegistryError, ValidationError, isAuthError } from '../errors.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor } from '../oci/schemas.js';
import { isFileBody, type FileBody } from '../transport/body.js';
import { header, toTransportError, type HttpResponse } from '../transport/http.js';
import { formatRangeRequest, parseContentRange } from '../oci/range.js';
import { isRetryableError } from '../transport/retry.js';
import { UploadSession, finishOrConfirm, uploadChunked } from './upload-session.js';

const OCTET_STREAM = 'application/octet-stream';

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

/** Internal to the library: see {@link SkipExistenceCheck}. */
export interface PushScopedLookup {
  /** Before a push, ask with the push scope so that one token serves the lookup and the upload. */
  forPush?: boolean;
}

/** The descriptor of a pushed or mounted blob, and whether anything had to be sent. */
export interface BlobPushResult extends Descriptor {
  /** `existing`: the registry already had it; `mounted`: cross-repository mount; `uploaded`: bytes were sent. */
  outcome: 'existing' | 'mounted' | 'uploaded';
}

function blobPath(ref: Reference, digest: string): string {
  return `${repositoryPath(ref)}/blobs/${digest}`;
}

function repoLabel(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** HEAD a blob: its digest and size. Throws a RegistryError (404, `BLOB_UNKNOWN`) when absent. */
export async function headBlob(ctx: RemoteContext, repo: ReferenceInput, digestInput: string, options: CallOptions & PushScopedLookup = {}): Promise<Descriptor> {
  const ref = toReference(repo);
  const digest = parseDigest(digestInput);
  const res = await ctx.transport.request({
    registry: ref.registry,
    method: 'HEAD',
    path: blobPath(ref, digest),
    // Before a push, ask with the push scope so that one token serves the HEAD and the upload.
    scopes: [options.forPush ? pushScope(ref) : pullScope(ref)],
    operation: `HEAD blob ${repoLabel(ref)}@${digest}`,
    expect: [200],
    signal: options.signal,
  });
  await res.body.dump().catch(() => undefined);
  const size = Number(header(res, 'content-length'));
  return { mediaType: OCTET_STREAM, digest, size: Number.isSafeInteger(size) ? size : -1 };
}

/** True when the repository has the blob. */
export async function blobExists(ctx: RemoteContext, repo: ReferenceInput, digest: string, options: CallOptions & PushScopedLookup = {}): Promise<boolean> {
  try {
    await headBlob(ctx, repo, digest, options);
    return true;
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return false;
    throw error;
  }
}

export interface GetBlobOptions extends CallOptions {
  /** Expected size: reading stops with an error past it, and a short blob fails at the end. */
  size?: number;
}

/**
 * Streams a blob. The stream verifies digest (and size when known) as it flows and fails at the
 * end on a mismatch. A connection that breaks mid-blob is resumed with `Range: bytes=N-` when the
 * registry answers 206, or restarted (skipping what was already delivered) when it does not.
 * Memory use does not depend on the blob's size.
 */
export async function getBlob(ctx: RemoteContext, repo: ReferenceInput, digestInput: string | Descriptor, options: GetBlobOptions = {}): Promise<Readable> {
  const ref = toReference(repo);
  const digest = parseDigest(typeof digestInput === 'string' ? digestInput : digestInput.digest);
  const known = options.size ?? (typeof digestInput === 'string' ? undefined : digestInput.size);
  // A negative size is "unknown" (headBlob reports -1 when the registry sends no Content-Length).
  const size = known !== undefined && known >= 0 ? known : undefined;
  const what = `GET blob ${repoLabel(ref)}@${digest}`;
  const first = await openBlob(ctx, ref, digest, 0, options.signal, what);
  const verifier = new VerifyingStream({ digest, size }, what);
  const source = Readable.from(resumingChunks(ctx, ref, digest, first, options.signal, what));
  // pipeline, not pipe: pipe's own error handler re-emits a verification failure as an uncaught
  // exception once the consumer (a for-await loop that already rejected) has stopped listening.
  pipeline(source, verifier, () => {});
  return verifier;
}

async function openBlob(ctx: RemoteContext, ref: Reference, digest: Digest, offset: number, signal: AbortSignal | undefined, what: string): Promise<HttpResponse> {
  return ctx.transport.request({
    registry: ref.registry,
    method: 'GET',
    path: blobPath(ref, digest),
    headers: offset > 0 ? { range: formatRangeRequest(offset), 'accept-encoding': 'identity' } : {},
    scopes: [pullScope(ref)],
    operation: offset > 0 ? `${what} (resuming at byte ${offset})` : what,
    expect: offset > 0 ? [200, 206] : [200],
    signal,
  });
}

async function* resumingChunks(
  ctx: RemoteContext,
  ref: Reference,
  digest: Digest,
  first: HttpResponse,
  signal: AbortSignal | undefined,
  what: string,
): AsyncGenerator<Buffer> {
  let delivered = 0;
  let res = first;
  let resumes = 0;
  for (;;) {
    let skip = 0;
    if (res.status === 200 && delivered > 0) skip = delivered;
    else if (res.status === 206) {
      const range = parseContentRange(header(res, 'content-range'));
      if (!range || range.start !== delivered) {
        await res.body.dump().catch(() => undefined);
        throw new NetworkError(what, `resume answered with an unexpected Content-Range ${header(res, 'content-range') ?? '(none)'}`);
      }
    }
    try {
      for await (const chunk of decoded(res)) {
        let piece = chunk as Buffer;
        if (skip > 0) {
          const drop = Math.min(skip, piece.length);
          piece = piece.subarray(drop);
          skip -= drop;
          if (piece.length === 0) continue;
        }
        delivered += piece.length;
        yield piece;
      }
      if (skip > 0) throw new NetworkError(what, 'the restarted download was shorter than what was already received');
      return;
    } catch (error) {
      const failure = toTransportError(error, what, signal);
      if (signal?.aborted || !isRetryableError(failure, ctx.transport.retryPolicy) || resumes >= ctx.transport.retryPolicy.retries || header(res, 'content-encoding')) {
        throw failure;
      }
      resumes++;
      res = await openBlob(ctx, ref, digest, delivered, signal, what);
    }
  }
}

/** The response body with any `Content-Encoding` removed, so digests are computed on the decoded bytes. */
function decoded(res: HttpResponse): AsyncIterable<Uint8Array> {
  const encoding = header(res, 'content-encoding')?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return res.body;
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (!decoder) throw new NetworkError('GET blob', `unsupported Content-Encoding ${encoding}`);
  // pipeline, not pipe: a consumer that stops early destroys the response body too.
  pipeline(res.body, decoder, () => undefined);
  return decoder;
}

/** Reads a whole blob into memory (for configs and other small documents), capped at `limit` bytes. */
export async function getBlobBytes(ctx: RemoteContext, repo: ReferenceInput, descriptor: Descriptor, limit: number, options: CallOptions = {}): Promise<Buffer> {
  if (descriptor.size > limit) throw new ValidationError(`blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${limit}-byte limit for this read`);
  const stream = await getBlob(ctx, repo, descriptor, options);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
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
