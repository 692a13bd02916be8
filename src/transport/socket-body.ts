/**
 * Writes a request body of a stated length to the socket of the socket exchange, pausing the source
 * while the socket is full. A chunk of a {@link RecyclingReadable} is handed back to it once the
 * socket has taken it. A source that is longer or shorter than the stated length fails the request
 * before a wrong body is completed.
 */
import type { Socket } from 'node:net';
import { Readable, finished } from 'node:stream';
import type { WireBody } from './body.js';
import { isRecycling } from './file-chunks.js';

/** A body being written: `done` settles when the writing ends; `whole` says whether every byte went to the socket. */
export interface BodyWrite {
  done: Promise<void>;
  readonly whole: boolean;
  /** Stops writing (the exchange ended first); `done` then resolves. */
  cancel(): void;
}

const lengthError = (sent: number, length: number) =>
  Object.assign(new Error(`the request body was ${sent > length ? 'longer' : 'shorter'} than its Content-Length ${length}`), { code: 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' });

export function writeBody(socket: Socket, body: WireBody | undefined, length: number): BodyWrite {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    if (bytes !== length) return { done: Promise.reject(lengthError(bytes, length)), whole: false, cancel: () => undefined };
    if (body !== undefined && bytes > 0) socket.write(body);
    return { done: Promise.resolve(), whole: true, cancel: () => undefined };
  }
  return body instanceof Readable ? writeReadable(socket, body, length) : writeIterable(socket, body, length);
}

function writeReadable(socket: Socket, stream: Readable, length: number): BodyWrite {
  let cancel = () => undefined as void;
  let sent = 0;
  const done = new Promise<void>((resolve, reject) => {
    const recycling = isRecycling(stream) ? stream : undefined;
    let stopWatching = () => undefined as void;
    const finish = (error?: Error) => {
      stream.off('data', onData);
      socket.off('drain', onDrain);
      stopWatching();
      // A source not sent whole is given up, as undici does with a body: its file or download is closed now.
      // So is one sent whole whose end was not read yet (the answer came first): its file would stay open.
      if (sent !== length || error || !stream.readableEnded) stream.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > length) return finish(lengthError(sent, length));
      const flowing = recycling ? socket.write(chunk, () => recycling.recycle(chunk)) : socket.write(chunk);
      if (!flowing) {
        stream.pause();
        socket.once('drain', onDrain);
      }
    };
    const onDrain = () => stream.resume();
    cancel = () => {
      stream.pause();
      finish();
    };
    // Also told of a source that failed or ended before this writer came (a blob verified while it was buffered).
    stopWatching = finished(stream, { writable: false }, (error) => finish(error ?? (sent === length ? undefined : lengthError(sent, length))));
    stream.on('data', onData);
    stream.resume();
  });
  return {
    done,
    get whole() {
      return sent === length;
    },
    cancel: () => cancel(),
  };
}

function writeIterable(socket: Socket, source: AsyncIterable<Uint8Array>, length: number): BodyWrite {
  let cancelled = false;
  let wake: (() => void) | undefined;
  let sent = 0;
  const done = (async () => {
    for await (const chunk of source) {
      if (cancelled) return;
      sent += chunk.byteLength;
      if (sent > length) throw lengthError(sent, length);
      if (!socket.write(chunk)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          socket.once('drain', resolve);
        });
        if (cancelled) return;
      }
    }
    if (sent !== length) throw lengthError(sent, length);
  })();
  return {
    done,
    get whole() {
      return sent === length;
    },
    cancel: () => {
      cancelled = true;
      if (wake) socket.off('drain', wake);
      wake?.();
    },
  };
}
