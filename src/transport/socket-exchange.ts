/**
 * A blob's bytes as one HTTP/1.1 exchange on a socket of our own (node:net / node:tls): a download's
 * GET, or an upload's PUT/PATCH of known length, for the requests that name no dispatcher of the
 * caller's and go through no proxy. The response resolves at its head with a {@link RawBody}, as
 * `dispatchRaw` does for undici's dispatch; the body's chunks are the socket's own reads (see
 * socket-pool.ts), so no parser or stream sits between the kernel and the digest. One hop only:
 * redirects are `HttpTransport.send`'s.
 */
import { Readable } from 'node:stream';
import { RawBody, type BodyFlow, type RawRequest, type RawResponse } from './raw-body.js';
import { MalformedResponseError, ResponseReader } from './http1-response.js';
import { SocketPool, type Connection, type Origin } from './socket-pool.js';
import { writeBody, type BodyWrite } from './socket-body.js';
import type { WireBody } from './body.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** Control characters (CR and LF among them) and anything past Latin-1 cannot be written into a request head as it is. */
const FORBIDDEN_IN_HEADERS = /[^\t\x20-\x7e\x80-\xff]/;

/** The error codes are the ones undici gives for the same failures, so `NetworkError.code` does not depend on the path a request took. */
const failure = (message: string, code: string): Error => Object.assign(new Error(message), { code });

export interface SocketRequest extends RawRequest {
  /** https only: accept any certificate. */
  insecure: boolean;
  /** A request body of `length` bytes (its `content-length` header is among `headers`). */
  body?: { source: WireBody | undefined; length: number };
}

/** Sends a request over a pooled connection and resolves at the response head. */
export async function exchangeOverSocket(pool: SocketPool, req: SocketRequest): Promise<RawResponse> {
  const head = requestHead(req);
  // A source that already failed (a blob found corrupt while it was buffered) sends nothing at all.
  const source = req.body?.source;
  if (source instanceof Readable && (source.errored || source.destroyed)) throw source.errored ?? failure('the request body was destroyed before it was sent', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH');
  const origin = originOf(req.url, req.insecure);
  let first: Awaited<ReturnType<SocketPool['acquire']>>;
  try {
    first = await pool.acquire(origin, CONNECT_TIMEOUT_MS, req.signal);
  } catch (error) {
    // No connection, so the body is never read: close its file or download now rather than at GC.
    if (source instanceof Readable) source.destroy();
    throw error;
  }
  try {
    return await new Exchange(pool, first.connection, req).start(head);
  } catch (error) {
    // A kept connection the server closed meanwhile fails before any answer: one fresh try, as undici does for
    // idempotent requests. A request with a body is not sent twice here (its source may be a stream read once);
    // the uploads above ask the registry where the upload stands instead.
    if (req.body || !first.reused || !(error instanceof UnansweredError) || req.signal?.aborted) throw unwrap(error);
    const fresh = await pool.acquire(origin, CONNECT_TIMEOUT_MS, req.signal, { fresh: true });
    return new Exchange(pool, fresh.connection, req).start(head).catch((again: unknown) => {
      throw unwrap(again);
    });
  }
}

/** A failure before the first byte of the answer (the request may be sent again). */
class UnansweredError extends Error {
  constructor(readonly inner: Error) {
    super(inner.message);
  }
}

function unwrap(error: unknown): unknown {
  return error instanceof UnansweredError ? error.inner : error;
}

class Exchange implements BodyFlow {
  readonly #reader: ResponseReader;
  #body: RawBody | undefined;
  #answered = false;
  #settled = false;
  #paused = false;
  #inRead = false;
  #write: BodyWrite | undefined;
  #resolve: (res: RawResponse) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;

  constructor(
    private readonly pool: SocketPool,
    private readonly connection: Connection,
    private readonly req: SocketRequest,
  ) {
    this.#reader = new ResponseReader({
      head: (status, headers) => {
        // An answer before the whole body was sent (a refusal): the rest is not sent, and the connection not kept.
        this.#write?.cancel();
        this.#body = new RawBody(this);
        // The body starts paused, as dispatchRaw's does: nothing more is read until it is read.
        this.pause();
        this.connection.setIdleTimeout(0);
        this.#resolve({ statusCode: status, headers, body: this.#body });
      },
      data: (piece) => {
        this.#body?.deliver(piece);
        return !this.#paused;
      },
      end: () => undefined,
    });
  }

  start(head: string): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      const { signal } = this.req;
      if (signal?.aborted) return void this.#fail(signal.reason as Error);
      signal?.addEventListener('abort', this.#onAbort, { once: true });
      this.connection.listen({
        data: this.#onData,
        end: this.#onEnd,
        error: (error) => this.#fail(error),
        // A timeout is not a dropped kept connection: it is not tried again here.
        timeout: () =>
          this.#fail(
            this.#body
              ? failure('timed out waiting for the response body', 'UND_ERR_BODY_TIMEOUT')
              : failure('timed out waiting for response headers', 'UND_ERR_HEADERS_TIMEOUT'),
            false,
          ),
      });
      this.connection.setIdleTimeout(this.req.headersTimeout);
      this.connection.socket.write(head, 'latin1');
      if (this.req.body) {
        const write = writeBody(this.connection.socket, this.req.body.source, this.req.body.length);
        this.#write = write;
        write.done.catch((error: Error) => this.#fail(error, false));
      }
      this.connection.resume();
    });
  }

  pause(): void {
    if (this.#paused || this.#settled) return;
    this.#paused = true;
    this.connection.setIdleTimeout(0);
    // Inside a read, returning false stops the socket; outside one, it is stopped here.
    if (!this.#inRead) this.connection.pause();
  }

  resume(): void {
    if (!this.#paused || this.#settled) return;
    this.#paused = false;
    this.connection.setIdleTimeout(this.req.bodyTimeout);
    this.connection.resume();
  }

  abort(reason?: unknown): void {
    this.#fail(reason instanceof Error ? reason : new Error('response body discarded'));
  }

  readonly #onData = (chunk: Buffer): boolean => {
    if (this.#settled) return false;
    this.#answered = true;
    this.#inRead = true;
    try {
      this.#reader.feed(chunk);
    } catch (error) {
      this.#fail(error instanceof MalformedResponseError ? failure(`malformed response: ${error.message}`, error.code) : (error as Error));
      return false;
    } finally {
      this.#inRead = false;
    }
    if (this.#reader.done) {
      this.#settle();
      // A connection whose request body was not written whole (an early answer) is not kept.
      // A kept connection goes on reading while idle, so that a server's close or stray bytes end it at once.
      const kept = this.#reader.reusable && (this.#write?.whole ?? true);
      if (kept) this.pool.release(this.connection);
      else this.connection.destroy();
      this.#body?.finish();
      return kept;
    }
    return !this.#paused;
  };

  readonly #onEnd = (): void => {
    if (this.#settled) return;
    try {
      this.#reader.close();
    } catch (error) {
      this.#fail(failure((error as Error).message, 'UND_ERR_SOCKET'));
      return;
    }
    this.#settle();
    this.connection.destroy();
    this.#body?.finish();
  };

  readonly #onAbort = (): void => {
    this.#fail(this.req.signal?.reason as Error);
  };

  #fail(error: Error, mayRetry = this.req.body === undefined): void {
    if (this.#settled) return;
    this.#settle();
    this.connection.destroy();
    if (this.#body) this.#body.fail(error);
    else this.#reject(this.#answered || !mayRetry ? error : new UnansweredError(error));
  }

  #settle(): void {
    this.#settled = true;
    this.#write?.cancel();
    this.req.signal?.removeEventListener('abort', this.#onAbort);
    this.connection.listen(undefined);
    this.connection.setIdleTimeout(0);
  }
}

function originOf(url: URL, insecure: boolean): Origin {
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  return { protocol, hostname, port, insecure: protocol === 'https:' && insecure };
}

/** The request line and headers; a value that would split the head is refused, as undici refuses it. */
function requestHead(req: SocketRequest): string {
  const target = `${req.url.pathname}${req.url.search}`;
  let head = `${req.method} ${target} HTTP/1.1\r\nhost: ${req.url.host}\r\n`;
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'host') continue;
    if (FORBIDDEN_IN_HEADERS.test(name) || FORBIDDEN_IN_HEADERS.test(value) || name.includes(':')) {
      throw failure(`invalid ${name.includes(':') ? 'header name' : `${name} header`}`, 'UND_ERR_INVALID_ARG');
    }
    head += `${name}: ${value}\r\n`;
  }
  if (FORBIDDEN_IN_HEADERS.test(target) || target.includes(' ')) throw failure('invalid request path', 'UND_ERR_INVALID_ARG');
  return `${head}\r\n`;
}
