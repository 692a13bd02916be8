import type { RemoteContext } from './context.js';
import { pullScope, pushScope, routes } from './routes.js';
import { OCTET_STREAM, headBlob, repoLabel } from './blobs.js';
import { Digester, digestAlgorithm, type Digest, type DigestAlgorithm } from '../oci/digest.js';
import { DigestMismatchError, MultiplatformError, RegistryError } from '../errors.js';
import type { Reference } from '../oci/reference.js';
import type { BodySource } from '../transport/body.js';
import { header, type HttpResponse } from '../transport/http.js';
import type { RegistryRequest } from '../transport/registry-transport.js';
import { formatChunkRange, parseUploadRange } from '../oci/range.js';
import { isRetryableError } from '../transport/retry.js';
import { sleep } from '../util/abort.js';
import { discard } from '../util/streams.js';

/** An open upload session: where to send the next request, and how far the registry has got. */
export class UploadSession {
  /** Always the newest `Location` the registry returned, resolved against the request URL. */
  location: string;
  offset = 0;
  /** The registry's `OCI-Chunk-Min-Length`, if it has one. */
  minChunk: number;
  private closed = false;

  constructor(
    private readonly ctx: RemoteContext,
    readonly ref: Reference,
    location: string,
    minChunk: number,
  ) {
    this.location = location;
    this.minChunk = minChunk;
  }

  /** Opens a session with `POST /v2/<repo>/blobs/uploads/`, or mounts when `mount` is given and the registry agrees. */
  static async start(
    ctx: RemoteContext,
    ref: Reference,
    options: { signal?: AbortSignal; mount?: { digest: Digest; from: Reference } } = {},
  ): Promise<UploadSession | 'mounted'> {
    const scopes = [pushScope(ref)];
    const query: Record<string, string> = {};
    if (options.mount) {
      query['mount'] = options.mount.digest;
      query['from'] = options.mount.from.repository;
      scopes.push(pullScope(options.mount.from));
    }
    const res = await ctx.transport.request({
      registry: ref.registry,
      method: 'POST',
      path: routes.uploads(ref),
      query,
      headers: { 'content-length': '0' },
      scopes,
      operation: `${options.mount ? 'mount' : 'start upload of'} blob into ${repoLabel(ref)}`,
      expect: options.mount ? [201, 202] : [202],
      signal: options.signal,
    });
    await discard(res.body);
    if (res.status === 201) return 'mounted';
    const location = header(res, 'location');
    if (!location) throw new MultiplatformError(`start upload into ${repoLabel(ref)}: the registry sent no Location`);
    const minChunk = Number(header(res, 'oci-chunk-min-length')) || 0;
    return new UploadSession(ctx, ref, new URL(location, res.url).toString(), minChunk);
  }

  /** Sends one request of this session: to its location unless `path` says otherwise, with the push scope; the answer's body is discarded. */
  private async send(req: Omit<RegistryRequest, 'registry' | 'scopes' | 'path'> & { path?: string }): Promise<HttpResponse> {
    const res = await this.ctx.transport.request({ registry: this.ref.registry, path: this.location, scopes: [pushScope(this.ref)], ...req });
    await discard(res.body);
    return res;
  }

  private follow(location: string | undefined, requestUrl: string): void {
    if (location) this.location = new URL(location, requestUrl).toString();
  }

  /**
   * Sends one chunk with `PATCH` and `Content-Range`. When the connection breaks or the registry
   * answers 416, the session's status is asked for (`GET` → `Range: 0-N`) and the rest of the
   * chunk is sent from the registry's offset.
   */
  async patch(chunk: Buffer, signal?: AbortSignal): Promise<void> {
    const chunkStart = this.offset;
    const policy = this.ctx.transport.retryPolicy;
    for (let attempt = 0; ; attempt++) {
      const sent = this.offset - chunkStart;
      const piece = chunk.subarray(sent);
      if (piece.length === 0) return;
      try {
        const res = await this.send({
          method: 'PATCH',
          headers: {
            'content-type': OCTET_STREAM,
            'content-length': String(piece.length),
            'content-range': formatChunkRange(this.offset, this.offset + piece.length - 1),
          },
          body: piece,
          operation: `upload chunk to ${repoLabel(this.ref)}`,
          expect: [202, 201, 204],
          signal,
          retry: false,
        });
        this.follow(header(res, 'location'), res.url);
        this.offset += piece.length;
        return;
      } catch (error) {
        const outOfOrder = error instanceof RegistryError && error.status === 416;
        if (signal?.aborted || attempt >= policy.retries || !(outOfOrder || isRetryableError(error, policy))) throw error;
        await sleep(Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt), signal);
        const reported = await this.status(signal, outOfOrder && this.offset === 0);
        if (reported < chunkStart || reported > chunkStart + chunk.length) throw error;
        this.offset = reported;
      }
    }
  }

  /**
   * Asks the registry how much of the upload it has (`GET` on the session): the next offset to send.
   * `Range: 0-0` is ambiguous (Docker's registry sends it for an empty upload and for a one-byte
   * one): it is read as empty, unless `refusedAtZero` says a chunk starting at 0 was just refused.
   */
  async status(signal?: AbortSignal, refusedAtZero = false): Promise<number> {
    const res = await this.send({ method: 'GET', operation: `upload status at ${repoLabel(this.ref)}`, expect: [204, 200], signal });
    this.follow(header(res, 'location'), res.url);
    const range = parseUploadRange(header(res, 'range'));
    if (!range) return 0;
    if (range.start === 0 && range.end === 0) return refusedAtZero ? 1 : 0;
    return range.end + 1;
  }

  /** Completes the upload with `PUT ?digest=`, sending `body` (all or the rest of the blob) if given. */
  async finish(digest: Digest, body?: { source: BodySource; size: number }, signal?: AbortSignal): Promise<void> {
    const url = new URL(this.location);
    url.searchParams.set('digest', digest);
    const headers: Record<string, string> = { 'content-type': OCTET_STREAM, 'content-length': String(body?.size ?? 0) };
    const res = await this.send({
      method: 'PUT',
      path: url.toString(),
      headers,
      body: body?.source,
      operation: `complete upload of ${digest} to ${repoLabel(this.ref)}`,
      expect: [201, 204],
      signal,
      // A final PUT that failed may still have committed: the caller checks with a HEAD first.
      retry: false,
    });
    this.closed = true;
    const confirmed = header(res, 'docker-content-digest');
    if (confirmed && confirmed !== digest && confirmed.startsWith(`${digestAlgorithm(digest)}:`)) {
      throw new DigestMismatchError(`upload to ${repoLabel(this.ref)}`, { digest }, { digest: confirmed });
    }
  }

  /** Cancels the session (best effort; never throws). */
  async cancel(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.send({ method: 'DELETE', operation: `cancel upload to ${repoLabel(this.ref)}`, expect: [200, 202, 204, 404], retry: false, signal: AbortSignal.timeout(10_000) });
    } catch {
      // The session expires on its own on the registry.
    }
  }

  get retryPolicy() {
    return this.ctx.transport.retryPolicy;
  }

  /** True when the repository has the blob (used after an uncertain final PUT); any failure to tell counts as absent. */
  async blobCommitted(digest: Digest, signal?: AbortSignal): Promise<boolean> {
    try {
      await headBlob(this.ctx, this.ref, digest, { signal, forPush: true });
      this.closed = true;
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Uploads a stream of unknown length in PATCH chunks of `chunkSize` bytes (at least the registry's
 * minimum), hashing as it goes, then completes with the computed digest. Memory use is one chunk.
 */
export async function uploadChunked(
  session: UploadSession,
  source: AsyncIterable<Uint8Array>,
  options: { chunkSize: number; algorithm?: DigestAlgorithm; expected?: { digest?: Digest; size?: number }; signal?: AbortSignal; what: string },
): Promise<{ digest: Digest; size: number }> {
  const digester = new Digester(options.algorithm ?? 'sha256');
  const chunkSize = Math.max(options.chunkSize, session.minChunk);
  for await (const chunk of rechunk(source, chunkSize)) {
    digester.update(chunk);
    if (options.expected?.size !== undefined && digester.size > options.expected.size) {
      throw new DigestMismatchError(options.what, { size: options.expected.size }, { size: digester.size });
    }
    await session.patch(chunk, options.signal);
  }
  const digest = digester.digest();
  const size = digester.size;
  const expected = options.expected;
  if (expected && ((expected.digest !== undefined && expected.digest !== digest) || (expected.size !== undefined && expected.size !== size))) {
    throw new DigestMismatchError(options.what, expected, { digest, size });
  }
  await finishOrConfirm(session, digest, undefined, options.signal);
  return { digest, size };
}

/** Regroups a byte stream into Buffers of exactly `size` bytes (the last may be shorter). */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const piece of source) {
    let input = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (input.length > 0) {
      const take = Math.min(size - filled, input.length);
      input.copy(buffer, filled, 0, take);
      filled += take;
      input = input.subarray(take);
      if (filled === size) {
        yield buffer;
        buffer = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

/**
 * Completes an upload; when the final PUT fails in a way that may have committed it anyway (a
 * timeout, a reset, a 5xx), a HEAD on the blob decides: present means success, and nothing is sent twice.
 */
export async function finishOrConfirm(
  session: UploadSession,
  digest: Digest,
  body: { source: BodySource; size: number } | undefined,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await session.finish(digest, body, signal);
  } catch (error) {
    if (signal?.aborted || !isRetryableError(error, session.retryPolicy)) throw error;
    if (await session.blobCommitted(digest, signal)) return;
    throw error;
  }
}
