import { Readable } from 'node:stream';
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
          rawBody: true,
          expect: [202, 201, 204],
          signal,
          retry: false,
        });
        this.follow(header(res, 'location'), res.url);
        this.offset += piece.length;
        return;
      } catch (error) {
        const outOfOrder = error instanceof RegistryError && error.status === 416;
        // A request over the registry's size limit fails the same way every time: the caller re-chunks.
        if (requestLimitOf(error) !== undefined) throw error;
        if (signal?.aborted || attempt >= policy.retries || !(outOfOrder || isRetryableError(error, policy))) throw error;
        await sleep(Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt), signal);
        const reported = await this.status(signal, outOfOrder && this.offset === 0);
        if (reported < chunkStart || reported > chunkStart + chunk.length) throw error;
        this.offset = reported;
      }
    }
  }

  /**
   * Sends `length` bytes from `body` (a stream read once) as one PATCH at the current offset; no
   * retry here: a failed request leaves the offset for {@link status} to establish.
   */
  async patchStream(body: AsyncIterable<Uint8Array>, length: number, signal?: AbortSignal): Promise<void> {
    const res = await this.send({
      method: 'PATCH',
      headers: {
        'content-type': OCTET_STREAM,
        'content-length': String(length),
        'content-range': formatChunkRange(this.offset, this.offset + length - 1),
      },
      body,
      operation: `upload to ${repoLabel(this.ref)}`,
      rawBody: true,
      expect: [202, 201, 204],
      signal,
      retry: false,
    });
    this.follow(header(res, 'location'), res.url);
    this.offset += length;
  }

  /** The largest request body this session's registry accepts, as learnt from its refusals in this client. */
  get requestLimit(): number | undefined {
    return learntLimits.get(this.ctx.transport)?.get(this.ref.registry);
  }

  /** True once this session's registry has refused a whole blob in the closing PUT (see {@link refusedWholePut}). */
  get wholePutRefused(): boolean {
    return refusingWholePut.get(this.ctx.transport)?.has(this.ref.registry) ?? false;
  }

  /** Remembers, for the client's life, that this registry takes blobs only as PATCHes. */
  learnWholePutRefused(): void {
    let registries = refusingWholePut.get(this.ctx.transport);
    if (!registries) refusingWholePut.set(this.ctx.transport, (registries = new Set()));
    registries.add(this.ref.registry);
  }

  /** Remembers a registry's request size limit for the client's life. */
  learnRequestLimit(limit: number): void {
    let limits = learntLimits.get(this.ctx.transport);
    if (!limits) learntLimits.set(this.ctx.transport, (limits = new Map()));
    limits.set(this.ref.registry, Math.min(limit, limits.get(this.ref.registry) ?? limit));
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
      rawBody: body !== undefined,
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

/** Request size limits learnt from 416 refusals, per client (its transport) and registry. */
const learntLimits = new WeakMap<object, Map<string, number>>();
/** Registries (per client transport) that refused a whole blob sent in the closing PUT: they get PATCHes. */
const refusingWholePut = new WeakMap<object, Set<string>>();

/** What a registry that states no number is assumed to accept (GHCR's limit). */
const DEFAULT_REQUEST_LIMIT = 4 * 1024 * 1024;

/**
 * When `error` is a registry refusing a request for its size (GHCR: 416 "exceeds the maximum
 * permissible limit of 4.00MiB"), the limit in bytes (the one stated, else 4 MiB); else undefined.
 * A 416 for an out-of-order chunk says nothing of a limit and is not one.
 */
export function requestLimitOf(error: unknown): number | undefined {
  if (!(error instanceof RegistryError) || error.status !== 416) return undefined;
  const text = error.errors.map((entry) => entry.message ?? '').join(' ');
  if (!/exceed|limit|too large/i.test(text)) return undefined;
  const stated = /([\d.]+)\s*(KiB|MiB|GiB|KB|MB|GB)/i.exec(text);
  if (!stated) return DEFAULT_REQUEST_LIMIT;
  const unit = stated[2]!.toUpperCase().startsWith('K') ? 1024 : stated[2]!.toUpperCase().startsWith('M') ? 1024 ** 2 : 1024 ** 3;
  const bytes = Math.floor(Number(stated[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : DEFAULT_REQUEST_LIMIT;
}

/** Bytes of known size that can be read again from any offset: a file, a registry blob, a layout's blob. */
export interface SizedSource {
  size: number;
  /** The bytes from `offset` to the end, as a fresh stream. */
  open(offset: number): Promise<AsyncIterable<Uint8Array>>;
  /** The whole blob, when it is in memory: sent as it is. */
  bytes?: Buffer;
}

/** Options of {@link uploadSized}. */
export interface SizedUploadOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes the registry has accepted so far (it may go back after a failed request). */
  onBytes?: (bytesDone: number) => void;
  /** PATCH size when the body must be chunked and the registry states no limit. */
  chunkSize: number;
}

/**
 * Uploads bytes of known size into an open session and completes it; returns the digest. With the
 * digest known and the size within what the registry accepts, the whole blob goes as one streamed
 * `PUT ?digest=`; without the digest, as one streamed PATCH hashed on the way, then `PUT ?digest=`.
 * A request refused for its size (416) teaches the registry's limit, and the upload goes on in
 * PATCHes of that size (at least `OCI-Chunk-Min-Length`) from the offset the registry reports; a
 * broken connection resumes the same way. A digest being computed when a request fails is computed
 * again from the source, since a hash cannot be rewound.
 */
export async function uploadSized(session: UploadSession, known: Digest | undefined, source: SizedSource, options: SizedUploadOptions): Promise<Digest> {
  const { size } = source;
  const { signal } = options;
  let digest = known;
  /** The source stream of the current attempt: destroyed when the attempt fails, so no download is left paused. */
  let opened: AsyncIterable<Uint8Array> | undefined;
  const open = async (offset: number): Promise<AsyncIterable<Uint8Array>> => (opened = await source.open(offset));
  for (let attempt = 0; ; attempt++) {
    const digester = digest === undefined && session.offset === 0 ? new Digester() : undefined;
    let whole = false;
    try {
      const limit = session.requestLimit;
      const start = session.offset;
      const remaining = size - start;
      if (digest !== undefined && start === 0 && !session.wholePutRefused && (limit === undefined || size <= limit)) {
        whole = true;
        const body = source.bytes ?? countedBody(await open(0), 0, undefined, options.onBytes);
        await finishOrConfirm(session, digest, { source: body, size }, signal);
        options.onBytes?.(size);
        return digest;
      }
      const chunk = limit === undefined ? Math.max(options.chunkSize, session.minChunk, digest === undefined ? remaining : 0) : limit;
      if (remaining > 0 && chunk >= remaining) {
        await session.patchStream(countedBody(await open(start), start, digester, options.onBytes), remaining, signal);
      } else if (remaining > 0) {
        for await (const piece of rechunk(await open(start), chunk)) {
          digester?.update(piece);
          await session.patch(piece, signal);
          options.onBytes?.(session.offset);
        }
      }
      if (session.offset !== size) throw new DigestMismatchError(`upload to ${repoLabel(session.ref)}`, { size }, { size: session.offset });
      digest ??= digester!.digest();
      await finishOrConfirm(session, digest, undefined, signal);
      return digest;
    } catch (error) {
      if (opened instanceof Readable) opened.destroy();
      opened = undefined;
      if (signal?.aborted) throw error;
      const limit = requestLimitOf(error);
      // A final PUT that failed may have ended the session: the caller starts a new one.
      if (whole && limit === undefined) throw new RestartableUpload(error);
      const policy = session.retryPolicy;
      if (limit !== undefined && (session.requestLimit === undefined || limit < session.requestLimit)) session.learnRequestLimit(limit);
      else if (attempt >= policy.retries || !isRetryableError(error, policy)) throw error;
      digest ??= await digestOfSource(source, signal);
      // A session the registry no longer knows (after a failed final PUT) ends the upload with the first failure.
      session.offset = await session.status(signal).catch(() => {
        throw error;
      });
      options.onBytes?.(session.offset);
    }
  }
}

/**
 * True when a registry refused the closing PUT of a "POST then PUT" whole-blob upload as if the blob did not
 * exist (404 `BLOB_UNKNOWN`, as JFrog Artifactory answers): the same bytes sent as PATCHes are accepted.
 */
export function refusedWholePut(error: unknown): boolean {
  return error instanceof RegistryError && error.status === 404 && error.hasCode('BLOB_UNKNOWN');
}

/** A whole-blob PUT failed for a reason other than its size: the upload may start again in a new session. */
export class RestartableUpload extends Error {
  constructor(cause: unknown) {
    super('the final upload request failed', { cause });
  }
}

/**
 * The request body for `stream`, reporting the absolute offset reached and feeding `digester`. A
 * Readable is sent as it is (undici writes it from its 'data' events, without an async iterator
 * and a generator between the source and the socket), observed by a listener of its own; the
 * stream stays paused until the request's writer resumes it, so no chunk passes unseen by it.
 */
function countedBody(stream: AsyncIterable<Uint8Array>, start: number, digester: Digester | undefined, onBytes?: (bytesDone: number) => void): AsyncIterable<Uint8Array> {
  if (!(stream instanceof Readable)) return counted(stream, start, digester, onBytes);
  if (!digester && !onBytes) return stream;
  let done = start;
  stream.on('data', (piece: Uint8Array) => {
    digester?.update(piece);
    done += piece.byteLength;
    onBytes?.(done);
  });
  stream.pause();
  return stream;
}

/** Passes a stream through, reporting the absolute offset reached and feeding `digester`. */
async function* counted(stream: AsyncIterable<Uint8Array>, start: number, digester: Digester | undefined, onBytes?: (bytesDone: number) => void): AsyncGenerator<Uint8Array> {
  let done = start;
  for await (const piece of stream) {
    digester?.update(piece);
    done += piece.byteLength;
    onBytes?.(done);
    yield piece;
  }
}

async function digestOfSource(source: SizedSource, signal?: AbortSignal): Promise<Digest> {
  const digester = new Digester();
  for await (const piece of await source.open(0)) {
    if (signal?.aborted) break;
    digester.update(piece);
  }
  return digester.digest();
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
