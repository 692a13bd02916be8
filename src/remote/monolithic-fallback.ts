import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { RegistryError } from '../errors.js';
import { digestAlgorithm, type Digest } from '../oci/digest.js';
import type { Reference } from '../oci/reference.js';
import type { FileBody } from '../transport/body.js';
import type { RemoteContext } from './context.js';
import { UploadSession, uploadChunked } from './upload-session.js';

/**
 * True when a registry refused the closing PUT of a "POST then PUT" monolithic upload as if the blob did not
 * exist (404 `BLOB_UNKNOWN`, as JFrog Artifactory answers): the same bytes sent as PATCH chunks are accepted.
 */
export function refusedMonolithicPut(error: unknown): boolean {
  return error instanceof RegistryError && error.status === 404 && error.hasCode('BLOB_UNKNOWN');
}

/** Sends bytes or a file again, in PATCH chunks in a fresh session, after {@link refusedMonolithicPut}. */
export async function pushChunkedInstead(
  ctx: RemoteContext,
  ref: Reference,
  descriptor: { digest: string; size: number },
  source: Buffer | FileBody,
  signal: AbortSignal | undefined,
  what: string,
): Promise<void> {
  const session = await UploadSession.start(ctx, ref, { signal });
  if (session === 'mounted') return;
  const stream = Buffer.isBuffer(source) ? Readable.from([source]) : createReadStream(source.path);
  try {
    await uploadChunked(session, stream, {
      chunkSize: ctx.chunkSize,
      algorithm: digestAlgorithm(descriptor.digest as Digest),
      expected: { digest: descriptor.digest as Digest, size: descriptor.size },
      signal,
      what,
    });
  } catch (error) {
    stream.destroy();
    await session.cancel();
    throw error;
  }
}
