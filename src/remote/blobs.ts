/**
 * The read side of blobs: HEAD, exists, GET (verified as it streams, resumed when the connection
 * breaks) and small reads into memory. Pushing, mounting and copying are in blob-push.ts.
 */
import type { Readable } from 'node:stream';
import { BlobReadStream, isIdentity } from './blob-read-stream.js';
import type { CallOptions, RemoteContext } from './context.js';
import { pullScope, pushScope, routes } from './routes.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { digestAlgorithm, digestOf, parseDigest, type Digest } from '../oci/digest.js';
import { DigestMismatchError, RegistryError, ValidationError } from '../errors.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor } from '../oci/schemas.js';
import { header, toTransportError, type HttpResponse } from '../transport/http.js';
import { formatRangeRequest } from '../oci/range.js';
import { eachChunk } from '../transport/read-body.js';
import { isRetryableError } from '../transport/retry.js';
import { discard, readCapped } from '../util/streams.js';

/** The media type a blob is reported with when nothing more is known about it. */
export const OCTET_STREAM = 'application/octet-stream';

/** `registry/repository`, as operation labels name a repository. */
export function repoLabel(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Internal to the library: before a push, look up with the push scope so that one token serves the lookup and the upload. */
export interface PushScopedLookup {
  forPush?: boolean;
}

/** HEAD a blob: its digest and size. Throws a RegistryError (404, `BLOB_UNKNOWN`) when absent. */
export async function headBlob(ctx: RemoteContext, repo: ReferenceInput, digestInput: string, options: CallOptions & PushScopedLookup = {}): Promise<Descriptor> {
  const ref = toReference(repo);
  const digest = parseDigest(digestInput);
  const res = await ctx.transport.request({
    registry: ref.registry,
    method: 'HEAD',
    path: routes.blob(ref, digest),
    // Before a push, ask with the push scope so that one token serves the HEAD and the upload.
    scopes: [options.forPush ? pushScope(ref) : pullScope(ref)],
    operation: `HEAD blob ${repoLabel(ref)}@${digest}`,
    expect: [200],
    signal: options.signal,
  });
  await discard(res.body);
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
  return verifiedStream(ctx, ref, digest, size, await openBlob(ctx, ref, digest, 0, options.signal, what), options.signal, what);
}

/** The verifying, resuming stream of getBlob over a response already opened. */
function verifiedStream(ctx: RemoteContext, ref: Reference, digest: Digest, size: number | undefined, first: HttpResponse, signal: AbortSignal | undefined, what: string): Readable {
  return new BlobReadStream(ctx, { digest, size }, first, (offset) => openBlob(ctx, ref, digest, offset, signal, what), signal, what);
}

async function openBlob(ctx: RemoteContext, ref: Reference, digest: Digest, offset: number, signal: AbortSignal | undefined, what: string, small = false): Promise<HttpResponse> {
  return ctx.transport.request({
    registry: ref.registry,
    method: 'GET',
    path: routes.blob(ref, digest),
    headers: offset > 0 ? { range: formatRangeRequest(offset), 'accept-encoding': 'identity' } : {},
    scopes: [pullScope(ref)],
    operation: offset > 0 ? `${what} (resuming at byte ${offset})` : what,
    expect: offset > 0 ? [200, 206] : [200],
    signal,
    rawBody: true,
    small,
    continuing: offset > 0,
  });
}

/** Up to this size a blob read whole goes on the control plane's kept connections (see HttpRequest.small). */
const SMALL_BLOB_BYTES = 1 << 20;

/** Reads a whole blob into memory (for configs and other small documents), capped at `limit` bytes. */
export async function getBlobBytes(ctx: RemoteContext, repo: ReferenceInput, blob: Descriptor | string, limit: number, options: CallOptions = {}): Promise<Buffer> {
  if (typeof blob === 'string') {
    // Without a size, the cap applies while reading.
    const ref = toReference(repo);
    return readCapped(await getBlob(ctx, ref, blob, options), limit, `GET blob ${repoLabel(ref)}@${blob}`);
  }
  if (blob.size > limit) throw new ValidationError(`blob ${blob.digest} is ${blob.size} bytes, over the ${limit}-byte limit for this read`);
  const ref = toReference(repo);
  const digest = parseDigest(blob.digest);
  const what = `GET blob ${repoLabel(ref)}@${digest}`;
  // Configs are read by the dozen when a list is composed: one request read whole and checked in
  // memory, without the stream machinery of getBlob. A body that breaks is read again through
  // getBlob, which resumes; an encoded body goes through getBlob's decoder.
  const res = await openBlob(ctx, ref, digest, 0, options.signal, what, blob.size <= SMALL_BLOB_BYTES);
  if (!isIdentity(res)) return collect(verifiedStream(ctx, ref, digest, blob.size, res, options.signal, what));
  let bytes: Buffer;
  try {
    bytes = await readExactly(res, blob.size, digest, what);
  } catch (error) {
    if (error instanceof DigestMismatchError) throw error;
    const failure = toTransportError(error, what, options.signal);
    if (options.signal?.aborted || !isRetryableError(failure, ctx.transport.retryPolicy)) throw failure;
    return collect(await getBlob(ctx, ref, blob, options));
  }
  const actual = digestOf(bytes, digestAlgorithm(digest));
  if (actual !== digest) throw new DigestMismatchError(what, { digest, size: blob.size }, { digest: actual, size: bytes.length });
  return bytes;
}

/** The body of `res`, which must be `size` bytes long; a longer or shorter body is a {@link DigestMismatchError}. */
async function readExactly(res: HttpResponse, size: number, digest: Digest, what: string): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  try {
    await eachChunk(res.body, (chunk) => {
      if (offset + chunk.length > size) throw new DigestMismatchError(what, { digest, size }, { size: offset + chunk.length });
      chunk.copy(bytes, offset);
      offset += chunk.length;
    });
  } catch (error) {
    await discard(res.body);
    throw error;
  }
  if (offset !== size) throw new DigestMismatchError(what, { digest, size }, { size: offset });
  return bytes;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
