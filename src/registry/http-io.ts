import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as wait } from 'node:timers/promises';
import { ApiError } from './api-error.js';

/** How a fault asks the real response body to be delivered. */
export interface BodyShaping {
  /** Destroy the connection after half of the body was sent. */
  cutMidBody?: boolean;
  /** Send the body at this rate. */
  bytesPerSecond?: number;
  /** Perform the operation, then destroy the connection instead of answering. */
  dropResponse?: boolean;
  /** Response headers left out (lower-case names). */
  omitHeaders?: string[];
}

/** One request being served, with its parsed URL. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** The raw path, without any decoding or normalisation. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Path and query as received, for matching and logging. */
  readonly pathAndQuery: string;
  shaping: BodyShaping;
}

/** Splits a request target into its raw path and query. */
export function createExchange(req: IncomingMessage, res: ServerResponse): Exchange {
  let target = req.url ?? '/';
  if (/^https?:\/\//i.test(target)) {
    const url = new URL(target);
    target = url.pathname + url.search;
  }
  const question = target.indexOf('?');
  const path = question === -1 ? target : target.slice(0, question);
  const rawQuery = question === -1 ? '' : target.slice(question + 1);
  return {
    req,
    res,
    method: (req.method ?? 'GET').toUpperCase(),
    path,
    query: new URLSearchParams(rawQuery),
    pathAndQuery: target,
    shaping: {},
  };
}

/** A response: status, headers and an optional body (a `Readable` needs its `Content-Length` in `headers`). */
export interface Reply {
  status: number;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string | Readable;
}

/** The value of a single request header (the first, when repeated). */
export function header(ex: Exchange, name: string): string | undefined {
  const value = ex.req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Sends `reply`, applying any fault shaping. Never throws for a client that went away. */
export async function send(ex: Exchange, reply: Reply): Promise<void> {
  const { res } = ex;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  if (ex.shaping.dropResponse) {
    if (body instanceof Readable) body.destroy();
    dropConnection(ex);
    return;
  }
  res.statusCode = reply.status;
  if (abandonedBodies.has(ex.req)) closeAfterAnswer(ex);
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    if (value !== undefined && !ex.shaping.omitHeaders?.includes(name.toLowerCase())) res.setHeader(name, value);
  }
  if (body instanceof Buffer && !res.hasHeader('Content-Length')) res.setHeader('Content-Length', body.byteLength);
  const hasBody = body !== undefined && ex.method !== 'HEAD' && reply.status !== 204 && reply.status !== 304;
  if (!hasBody) {
    if (body instanceof Readable) body.destroy();
    if (ex.shaping.cutMidBody) {
      await writeChunk(res, Buffer.alloc(0));
      dropConnection(ex);
      return;
    }
    res.end();
    return;
  }
  if (ex.shaping.cutMidBody || ex.shaping.bytesPerSecond) {
    const total = Number(res.getHeader('Content-Length') ?? 0);
    await writeShaped(ex, body instanceof Buffer ? [body] : (body as AsyncIterable<Buffer>), total);
    return;
  }
  if (body instanceof Buffer) {
    res.end(body);
    return;
  }
  try {
    await pipeline(body, res);
  } catch {
    // The client went away or the source failed mid-body: the connection is the only thing left to close.
    dropConnection(ex);
  }
}

/** Writes a body slowly and/or cuts the connection half-way through, for fault injection. */
async function writeShaped(ex: Exchange, source: AsyncIterable<Buffer> | Iterable<Buffer>, total: number): Promise<void> {
  const { res } = ex;
  const cutAt = ex.shaping.cutMidBody ? Math.floor(total / 2) : Number.POSITIVE_INFINITY;
  const rate = ex.shaping.bytesPerSecond;
  const pieceSize = rate ? Math.max(1, Math.floor(rate / 10)) : Number.POSITIVE_INFINITY;
  let sent = 0;
  try {
    for await (const chunk of source) {
      for (let offset = 0; offset < chunk.byteLength; ) {
        if (res.destroyed) return;
        const room = cutAt - sent;
        const piece = chunk.subarray(offset, offset + Math.min(pieceSize, room));
        if (piece.byteLength > 0) await writeChunk(res, piece);
        sent += piece.byteLength;
        offset += piece.byteLength;
        if (sent >= cutAt) {
          if (piece.byteLength === 0) await writeChunk(res, piece);
          dropConnection(ex);
          return;
        }
        if (rate) {
          // Sleep in short steps, so a closed connection ends the trickle promptly.
          for (let pause = (piece.byteLength / rate) * 1000; pause > 0 && !res.destroyed; pause -= 100) {
            await sleep(Math.min(pause, 100));
          }
        }
      }
    }
    if (sent < cutAt && Number.isFinite(cutAt)) {
      dropConnection(ex);
      return;
    }
    res.end();
  } catch {
    dropConnection(ex);
  } finally {
    if (source instanceof Readable) source.destroy();
  }
}

/** Writes one chunk and waits until it is handed to the socket (headers are sent with the first write). */
function writeChunk(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.destroyed) {
      reject(new Error('response destroyed'));
      return;
    }
    // A write's callback is not always called when the connection is destroyed while the chunk
    // waits in the response's own buffer, so the response closing settles the write too.
    const onClose = () => reject(new Error('response closed'));
    res.once('close', onClose);
    res.write(chunk, (err) => {
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    });
  });
}

/** Sends an {@link ApiError} as the spec's JSON error body. */
export async function sendError(ex: Exchange, error: ApiError): Promise<void> {
  await send(ex, {
    status: error.status,
    headers: { 'Content-Type': 'application/json', ...error.headers },
    body: error.body(),
  });
}

/** Sends a JSON document. */
export async function sendJson(ex: Exchange, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): Promise<void> {
  await send(ex, { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(value) });
}

/** Most bytes of an unwanted request body read and thrown away before the connection is closed instead. */
export const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * How long the rest of an abandoned request body is still read (and thrown away) after the answer, before the
 * connection is destroyed: time for the client to read the answer before its writes are refused.
 */
const LINGER_MS = 1000;

/** Requests whose body was abandoned past the discard limit: their connection is destroyed shortly after the answer. */
const abandonedBodies = new WeakSet<IncomingMessage>();

/**
 * Destroys the connection of `ex` at once. Safe at any time: once Node has detached the socket from the
 * request (it may be null by then), the response's socket, or nothing, is destroyed.
 */
export function dropConnection(ex: Pick<Exchange, 'req' | 'res'>): void {
  const socket = ex.req.socket ?? ex.res.socket;
  if (socket) socket.destroy();
  else if (!ex.res.destroyed) ex.res.destroy();
}

/**
 * Gives up on the rest of a request body: it is read and thrown away in the background, and the connection is
 * closed after the answer (see {@link closeAfterAnswer}). Destroying it at once could lose the answer: a socket
 * closed with unread data is reset, and a client still writing its body is then told of the reset before it
 * reads the answer already on its way.
 */
function abandonBody(req: IncomingMessage, chunks: AsyncIterator<Buffer>): void {
  abandonedBodies.add(req);
  void (async () => {
    try {
      while (!(await chunks.next()).done);
    } catch {
      // the connection was destroyed
    }
  })();
}

/**
 * Ends the connection of a request whose body was abandoned, after its answer: it is destroyed {@link LINGER_MS}
 * after the answer unless the body ended by then. A client that asked to close (`Connection: close`) would have
 * its connection destroyed by Node the moment the answer is written, with the body still arriving; so for it the
 * closing is taken from Node (the answer carries no `Connection` header), and the connection ends gracefully once
 * the body has. A client that keeps its connection alive keeps it when the body ends in time.
 */
function closeAfterAnswer(ex: Exchange): void {
  const askedToClose = !ex.res.shouldKeepAlive;
  if (askedToClose) {
    ex.res.shouldKeepAlive = true;
    ex.res.removeHeader('Connection');
  }
  let scheduled = false;
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    const socket = ex.req.socket;
    const end = (): void => {
      clearTimeout(timer);
      if (!socket.destroyed) socket.end();
    };
    const timer = setTimeout(() => {
      ex.req.off('end', end);
      if (!ex.req.complete) dropConnection(ex);
      else if (askedToClose) end();
    }, LINGER_MS).unref();
    if (!askedToClose) return;
    if (ex.req.complete) end();
    else ex.req.once('end', end);
  };
  ex.res.once('finish', schedule);
  ex.res.once('close', schedule);
}

/** Outcome of reading a request body into a sink. */
export interface BodyResult {
  /** Bytes received. */
  bytes: number;
  /** The first error the sink threw; later bytes were read and thrown away. */
  sinkError?: unknown;
}

/**
 * Reads the whole request body, handing each chunk to `sink` (awaited, so the body is read no faster than
 * the sink can take it). When the sink fails, the rest of the body is still read — and discarded, up to
 * `discardLimit` bytes — so the error can be answered on a healthy connection. Past that limit the body is
 * abandoned: the answer to the sink's error is sent at once and the connection destroyed shortly after.
 * Rejects only when the client aborts.
 */
export async function readBody(
  req: IncomingMessage,
  sink: (chunk: Buffer) => void | Promise<void>,
  discardLimit = DISCARD_LIMIT_BYTES,
): Promise<BodyResult> {
  let bytes = 0;
  let discarded = 0;
  let sinkError: unknown;
  let failed = false;
  // Iterated by hand: leaving a `for await` early would destroy the request, and with it the connection
  // the error must be answered on.
  const chunks = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
    const chunk = next.value;
    bytes += chunk.byteLength;
    if (failed) {
      discarded += chunk.byteLength;
      if (discarded > discardLimit) {
        abandonBody(req, chunks);
        break;
      }
      continue;
    }
    try {
      await sink(chunk);
    } catch (e) {
      failed = true;
      sinkError = e;
    }
  }
  return failed ? { bytes, sinkError } : { bytes };
}

/**
 * Reads and discards whatever is left of a request body, so that an error reply reaches the client on a
 * connection that stays usable. Past `limit` bytes the body is abandoned, as in {@link readBody}.
 */
export async function drainRequest(req: IncomingMessage, limit = DISCARD_LIMIT_BYTES): Promise<void> {
  if (req.complete || req.readableEnded || req.destroyed || abandonedBodies.has(req)) return;
  let seen = 0;
  try {
    const chunks = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      seen += next.value.byteLength;
      if (seen > limit) {
        abandonBody(req, chunks);
        return;
      }
    }
  } catch {
    // the client went away
  }
}

/** The request's `Content-Length`, or undefined when absent; a malformed value is a 400. */
export function contentLength(ex: Exchange): number | undefined {
  const value = header(ex, 'content-length');
  if (value === undefined) return undefined;
  const length = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(length)) {
    throw ApiError.of(400, 'SIZE_INVALID', `malformed Content-Length ${JSON.stringify(value.slice(0, 50))}`);
  }
  return length;
}

/** Waits `ms`; rejects early when `signal` aborts (the registry is closing). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, { signal });
}
