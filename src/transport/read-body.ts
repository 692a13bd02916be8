import type { Readable } from 'node:stream';
import { SizeLimitError } from '../errors.js';
import { discard } from '../util/streams.js';
import { header, toTransportError, type HttpResponse } from './http.js';

/**
 * Hands each chunk of `body` to `onChunk` until the body ends. Rejects with the body's error, with
 * `ERR_STREAM_PREMATURE_CLOSE` when it closes before its end, or with what `onChunk` throws (the
 * body is then destroyed, as leaving a `for await` loop over it would). Plain listeners instead of an
 * async iterator: a response read whole is a request's hot path, and the iterator's promise per
 * chunk and its end-of-stream watcher cost more than a small document's bytes.
 */
export function eachChunk(body: Readable, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (body.errored) return reject(body.errored);
    if (body.readableEnded) return resolve();
    // Destroyed before its end without an error: no 'data', 'end' or 'close' will come any more.
    if (body.destroyed) return reject(prematureClose());
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', settle);
      body.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      try {
        onChunk(chunk);
      } catch (error) {
        settle(error);
        // Destroyed unfinished, a body reports that as an error of its own, wanted by no one.
        body.on('error', () => undefined);
        body.destroy();
      }
    };
    const onEnd = () => settle();
    const onClose = () => settle(body.errored ?? prematureClose());
    body.on('error', settle);
    body.on('end', onEnd);
    body.on('close', onClose);
    body.on('data', onData);
  });
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

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
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    await eachChunk(res.body, (chunk) => {
      total += chunk.byteLength;
      if (total > limit) throw new SizeLimitError(operation, limit);
      chunks.push(chunk);
    });
  } catch (error) {
    await discard(res.body);
    throw toTransportError(error, operation, signal);
  }
  return Buffer.concat(chunks, total);
}
