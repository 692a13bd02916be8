/**
 * The stream getBlob returns: one Readable over the response body that hashes each chunk as it
 * passes, checks the size, and resumes a broken download — without an async generator,
 * `Readable.from`, a Transform and a `pipeline` between the socket and the reader (each a hop per
 * chunk, and buffers of their own). Backpressure pauses the response body.
 */
import { Readable } from 'node:stream';
import type { RemoteContext } from './context.js';
import { Digester, digestAlgorithm, type Digest } from '../oci/digest.js';
import { DigestMismatchError, NetworkError } from '../errors.js';
import { header, toTransportError, type HttpResponse } from '../transport/http.js';
import { RawBody } from '../transport/raw-body.js';
import { recycleReadChunk } from '../transport/read-slabs.js';
import { parseContentRange } from '../oci/range.js';
import { isRetryableError } from '../transport/retry.js';
import { discard } from '../util/streams.js';

/** Opens the blob from `offset` (a Range request when above 0). */
export type BlobOpener = (offset: number) => Promise<HttpResponse>;

export class BlobReadStream extends Readable {
  readonly #digester: Digester;
  #source: Readable | undefined;
  /** A body taken straight from the dispatcher: its chunks come to #onData by a call, not an event. */
  #raw: RawBody | undefined;
  #res: HttpResponse | undefined;
  #delivered = 0;
  #skip = 0;
  #resumes = 0;
  #handsBack = false;

  constructor(
    private readonly ctx: RemoteContext,
    private readonly expected: { digest: Digest; size?: number },
    first: HttpResponse,
    private readonly open: BlobOpener,
    private readonly signal: AbortSignal | undefined,
    private readonly what: string,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.#digester = new Digester(digestAlgorithm(expected.digest));
    this.#attach(first);
  }

  /**
   * @internal Lets {@link recycle} hand chunks back: only for a stream the library consumes alone (a copy's
   * source). A stream given to a caller never reuses its chunks, since the caller may keep them (a tee into
   * a file, say) after the upload has written them.
   */
  handChunksBack(): this {
    this.#handsBack = true;
    return this;
  }

  /**
   * @internal Hands a chunk back to the socket that read it once its consumer is done with it (the upload
   * writer of a copy, on the socket's write callback); does nothing unless {@link handChunksBack} was called.
   */
  recycle(chunk: Uint8Array): void {
    if (this.#handsBack) recycleReadChunk(chunk);
  }

  override _read(): void {
    if (this.#raw) this.#raw.flow();
    else this.#source?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#detach();
    callback(error);
  }

  #attach(res: HttpResponse): void {
    if (this.destroyed) {
      void discard(res.body);
      return;
    }
    this.#skip = 0;
    if (res.status === 200 && this.#delivered > 0) this.#skip = this.#delivered;
    else if (res.status === 206) {
      const range = parseContentRange(header(res, 'content-range'));
      if (!range || range.start !== this.#delivered) {
        void discard(res.body);
        this.destroy(new NetworkError(this.what, `resume answered with an unexpected Content-Range ${header(res, 'content-range') ?? '(none)'}`));
        return;
      }
    }
    const body: unknown = res.body;
    if (body instanceof RawBody && isIdentity(res)) {
      this.#res = res;
      this.#raw = body;
      body.sendTo({ data: this.#onData, end: this.#onEnd, error: this.#onError });
      return;
    }
    let source: Readable;
    try {
      source = decoded(res);
    } catch (error) {
      void discard(res.body);
      this.destroy(error as Error);
      return;
    }
    this.#res = res;
    this.#source = source;
    source.on('data', this.#onData);
    source.once('end', this.#onEnd);
    source.once('error', this.#onError);
  }

  #detach(): void {
    const raw = this.#raw;
    if (raw) {
      this.#raw = undefined;
      raw.on('error', () => undefined);
      raw.destroy();
      return;
    }
    const source = this.#source;
    if (!source) return;
    source.off('data', this.#onData);
    source.off('end', this.#onEnd);
    source.off('error', this.#onError);
    source.on('error', () => undefined);
    if (source !== this.#res?.body) this.#res?.body.destroy();
    source.destroy();
    this.#source = undefined;
  }

  /** Returns false when the reader is full (the source pauses until _read). */
  readonly #onData = (chunk: Buffer): boolean => {
    let piece = chunk;
    if (this.#skip > 0) {
      const drop = Math.min(this.#skip, piece.length);
      piece = piece.subarray(drop);
      this.#skip -= drop;
      if (piece.length === 0) return true;
    }
    this.#digester.update(piece);
    this.#delivered += piece.length;
    const { size } = this.expected;
    if (size !== undefined && this.#delivered > size) {
      this.destroy(new DigestMismatchError(this.what, { size }, { size: this.#delivered }));
      return false;
    }
    if (this.push(piece)) return true;
    this.#source?.pause();
    return false;
  };

  readonly #onEnd = (): void => {
    this.#source = undefined;
    this.#raw = undefined;
    if (this.#skip > 0) {
      this.destroy(new NetworkError(this.what, 'the restarted download was shorter than what was already received'));
      return;
    }
    const actual = this.#digester.digest();
    const size = this.#digester.size;
    if (actual !== this.expected.digest || (this.expected.size !== undefined && size !== this.expected.size)) {
      this.destroy(new DigestMismatchError(this.what, this.expected, { digest: actual, size }));
      return;
    }
    this.push(null);
  };

  readonly #onError = (error: unknown): void => {
    const res = this.#res;
    this.#detach();
    const failure = toTransportError(error, this.what, this.signal);
    const policy = this.ctx.transport.retryPolicy;
    if (this.signal?.aborted || !isRetryableError(failure, policy) || this.#resumes >= policy.retries || (res && header(res, 'content-encoding'))) {
      this.destroy(failure);
      return;
    }
    this.#resumes++;
    this.open(this.#delivered).then(
      (next) => this.#attach(next),
      (reopenError: unknown) => this.destroy(reopenError as Error),
    );
  };
}

/** True when the response carries no Content-Encoding (or `identity`). */
export function isIdentity(res: HttpResponse): boolean {
  const encoding = header(res, 'content-encoding')?.trim().toLowerCase();
  return !encoding || encoding === 'identity';
}

/** The response body with any `Content-Encoding` removed, so digests are computed on the decoded bytes. */
function decoded(res: HttpResponse): Readable {
  const encoding = header(res, 'content-encoding')?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return res.body;
  // node:zlib is loaded only by a body that needs decoding.
  const { createBrotliDecompress, createGunzip, createInflate } = process.getBuiltinModule('node:zlib');
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (!decoder) throw new NetworkError('GET blob', `unsupported Content-Encoding ${encoding}`);
  res.body.on('error', (error) => decoder.destroy(error));
  res.body.pipe(decoder);
  return decoder;
}
