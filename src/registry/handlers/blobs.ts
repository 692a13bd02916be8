import type { Digest } from '../../oci/digest.js';
import { ApiError } from '../api-error.js';
import { collectGarbage, existingRepository, type RegistryContext } from '../context.js';
import { checkDigest } from '../grammar.js';
import { header, send, type Exchange } from '../http-io.js';
import { rangeOfBody } from '../../oci/range.js';
import type { BlobStore } from '../storage/blob-store.js';

const blobUnknown = (digest: string): ApiError =>
  ApiError.of(404, 'BLOB_UNKNOWN', `blob ${digest} is not known to this repository`, { digest });

/** `GET`/`HEAD /v2/<name>/blobs/<digest>`, with single-range support. */
export async function getBlob(ctx: RegistryContext, ex: Exchange, name: string, rawDigest: string): Promise<void> {
  const digest = checkDigest(rawDigest, 'blob digest');
  const repository = existingRepository(ctx, name);
  if (!repository.blobs.has(digest)) throw blobUnknown(digest);
  await serveBlob(ex, ctx.store, digest);
}

/** Answers a blob read from the store: 200 or 206 with the usual headers, 416 for an unsatisfiable range, 404 when gone. */
export async function serveBlob(ex: Exchange, store: BlobStore, digest: Digest): Promise<void> {
  const size = store.size(digest);
  if (size === undefined) throw blobUnknown(digest);
  const range = rangeOfBody(header(ex, 'range'), size);
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    ETag: `"${digest}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000',
  };
  if (range.kind === 'unsatisfiable') {
    throw ApiError.of(416, 'SIZE_INVALID', `range ${header(ex, 'range')} is not satisfiable for a blob of ${size} bytes`, undefined, {
      'Content-Range': `bytes */${size}`,
    });
  }
  const partial = range.kind === 'partial' ? range.range : undefined;
  const length = partial ? partial.end - partial.start + 1 : size;
  const status = partial ? 206 : 200;
  const replyHeaders = {
    ...headers,
    'Content-Length': length,
    ...(partial ? { 'Content-Range': `bytes ${partial.start}-${partial.end}/${size}` } : {}),
  };
  if (ex.method === 'HEAD') {
    await send(ex, { status, headers: replyHeaders });
    return;
  }
  const stream = await store.open(digest, partial);
  if (!stream) throw blobUnknown(digest);
  await send(ex, { status, headers: replyHeaders, body: stream });
}

/** `DELETE /v2/<name>/blobs/<digest>`: unlinks the blob from this repository (its bytes go once no repository refers to them). */
export async function deleteBlob(ctx: RegistryContext, ex: Exchange, name: string, rawDigest: string): Promise<void> {
  const digest = checkDigest(rawDigest, 'blob digest');
  const repository = existingRepository(ctx, name);
  if (!repository.blobs.delete(digest)) throw blobUnknown(digest);
  await ctx.persist();
  await collectGarbage(ctx, digest);
  await send(ex, { status: 202, headers: { 'Content-Length': 0 } });
}
