/**
 * A GET whose body is read through `dispatcher.dispatch` instead of `undici.request`: the
 * response's chunks come straight from the HTTP parser to one consumer, without undici's
 * `BodyReadable` and its per-chunk stream work in between. The body is still a Readable (for
 * the callers that only discard it or read a small error document), but a consumer that
 * hands a sink to {@link RawBody.sendTo} gets each chunk by a plain call and pauses the socket by returning false.
 * Blob downloads use it; every other request keeps `undici.request`.
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

const DUMP_LIMIT = 128 * 1024;

/** How a {@link RawBody} holds back, restarts or stops what feeds it (undici's dispatch controller, or the socket exchange). */
export interface BodyFlow {
  pause(): void;
  resume(): void;
  abort(reason?: unknown): void;
}

/** Where a body's chunks go after sendTo. */
export interface ChunkSink {
  /** One chunk of the body; returning false pauses the socket until {@link RawBody.flow}. */
  data(chunk: Buffer): boolean;
  end(): void;
  error(error: Error): void;
}

/** The body of a response read with {@link dispatchRaw} or the socket exchange. It starts paused: nothing is read until it is read or sent to a sink. */
export class RawBody extends Readable {
  #sink: ChunkSink | undefined;
  #done = false;

  constructor(private readonly controller: BodyFlow) {
    super();
  }

  /** Sends every further chunk to `sink` instead of the stream, and starts the flow. */
  sendTo(sink: ChunkSink): void {
    if (this.errored) {
      sink.error(this.errored);
      return;
    }
    this.#sink = sink;
    // What the stream side already buffered comes first.
    let flowing = true;
    while (this.readableLength > 0) flowing = sink.data(this.read() as Buffer) && flowing;
    if (this.#done) sink.end();
    else if (flowing) this.controller.resume();
  }

  /** Lets the body flow again after its sink returned false. */
  flow(): void {
    this.controller.resume();
  }

  /**
   * Reads and drops the rest of the body (as undici's `dump`), so its connection can be reused;
   * a body longer than 128 KiB is cut off instead (the connection is closed).
   */
  dump(): Promise<void> {
    if (this.destroyed || (this.#done && this.readableLength === 0)) return Promise.resolve();
    return new Promise((resolve) => {
      let left = DUMP_LIMIT;
      this.sendTo({
        data: (chunk) => {
          left -= chunk.length;
          if (left >= 0) return true;
          this.destroy();
          resolve();
          return false;
        },
        end: resolve,
        error: () => resolve(),
      });
    });
  }

  override _read(): void {
    this.controller.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#sink = undefined;
    // A body left unread would keep its connection: stop the request.
    if (!this.#done) this.controller.abort(error ?? new Error('response body discarded'));
    callback(error);
  }

  /** @internal */
  deliver(chunk: Buffer): void {
    if (this.destroyed) return;
    const flowing = this.#sink ? this.#sink.data(chunk) : this.push(chunk);
    if (!flowing) this.controller.pause();
  }

  /** @internal */
  finish(): void {
    this.#done = true;
    if (this.destroyed) return;
    if (this.#sink) this.#sink.end();
    else this.push(null);
  }

  /** @internal */
  fail(error: Error): void {
    this.#done = true;
    if (this.destroyed) return;
    const sink = this.#sink;
    if (sink) {
      this.#sink = undefined;
      sink.error(error);
      return;
    }
    // The body may fail before anyone reads it: the error is kept (`errored`) for the reader to come, not thrown as uncaught.
    if (this.listenerCount('error') === 0) this.once('error', () => undefined);
    this.destroy(error);
  }
}

export interface RawRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
  headersTimeout: number;
  bodyTimeout: number;
}

export interface RawResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: RawBody;
}

/** Sends a bodiless request through `dispatcher` and resolves at the response headers, with a {@link RawBody}. */
export function dispatchRaw(dispatcher: Dispatcher, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = req;
    let controller: Dispatcher.DispatchController | undefined;
    let body: RawBody | undefined;
    // Before the dispatcher starts the request (a connection still being made) there is nothing to
    // abort yet: the caller is answered at once, and the request is aborted when it starts.
    const onAbort = () => (controller ? controller.abort(signal?.reason) : reject(signal?.reason));
    const settle = () => signal?.removeEventListener('abort', onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctl) {
        controller = ctl;
        if (signal?.aborted) ctl.abort(signal.reason);
      },
      onResponseStart(ctl, statusCode, headers) {
        body = new RawBody(ctl);
        ctl.pause();
        resolve({ statusCode, headers: headers as RawResponse['headers'], body });
      },
      onResponseData(_ctl, chunk) {
        body?.deliver(chunk);
      },
      onResponseEnd() {
        settle();
        body?.finish();
      },
      onResponseError(_ctl, error) {
        settle();
        if (body) body.fail(error);
        else reject(error);
      },
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      dispatcher.dispatch(
        {
          origin: req.url.origin,
          path: `${req.url.pathname}${req.url.search}`,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          headersTimeout: req.headersTimeout,
          bodyTimeout: req.bodyTimeout,
        },
        handler,
      );
    } catch (error) {
      settle();
      reject(error);
    }
  });
}
