import { SizeLimitError } from '../errors.js';
import { discard, readCapped } from '../util/streams.js';
import { header, toTransportError, type HttpResponse } from './http.js';

/**
 * Reads a whole response body of at most `limit` bytes. A declared `Content-Length` over the limit
 * fails before anything is read; a body that grows past it fails as soon as it does. A connection
 * that breaks, stalls or is aborted half-way is reported as the transport reports it everywhere
 * else — a {@link NetworkError} (which a retry may cure) or an {@link AbortError} — never as the
 * socket's own error.
 * @throws {SizeLimitError} over the limit.
 */
export async function readBody(res: HttpResponse, limit: number, operation: string, signal?: AbortSignal): Promise<Buffer> {
  const declared = Number(header(res, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await discard(res.body);
    throw new SizeLimitError(operation, limit);
  }
  try {
    return await readCapped(res.body, limit, operation);
  } catch (error) {
    await discard(res.body);
    throw toTransportError(error, operation, signal);
  }
}
