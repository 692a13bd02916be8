import { SizeLimitError } from '../errors.js';

/** Reads an async iterable of chunks into one Buffer, failing past `limit` bytes. */
export async function readCapped(source: AsyncIterable<Uint8Array>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > limit) throw new SizeLimitError(what, limit);
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads and drops what is left of a response body, so that its connection can serve the next
 * request. Never throws: a body that fails while being discarded was not wanted anyway.
 */
export async function discard(body: { dump(): Promise<unknown> }): Promise<void> {
  await body.dump().catch(() => undefined);
}
