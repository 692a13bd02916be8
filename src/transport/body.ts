import type { Readable } from 'node:stream';
import { MultiplatformError } from '../errors.js';
import { FileChunks } from './file-chunks.js';

/** A file on disk to send, optionally a byte range of it (inclusive start, exclusive end). */
export interface FileBody {
  path: string;
  start?: number;
  end?: number;
}

/** A factory that produces a fresh stream for each attempt, so the body can be resent. */
export type BodyFactory = () => Readable | AsyncIterable<Uint8Array> | Uint8Array;

/**
 * What a request can send. Buffers, strings, files and factories can be replayed on a retry;
 * a bare stream or async iterable can be sent only once.
 */
export type BodySource = Uint8Array | string | FileBody | BodyFactory | Readable | AsyncIterable<Uint8Array>;

/** What undici accepts as a request body. */
export type WireBody = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

export function isFileBody(body: unknown): body is FileBody {
  return typeof body === 'object' && body !== null && typeof (body as FileBody).path === 'string' && !(Symbol.asyncIterator in body);
}

/** True when the body can be sent again on a retry. */
export function isReplayable(body: BodySource | undefined): boolean {
  return body === undefined || typeof body === 'string' || body instanceof Uint8Array || typeof body === 'function' || isFileBody(body);
}

/**
 * Turns a body source into something to send once. A one-shot stream is handed out the first time only;
 * asking again throws, so a retry never sends a half-consumed stream.
 */
export class BodyOpener {
  private used = false;
  constructor(private readonly source: BodySource | undefined) {}
  get replayable(): boolean {
    return isReplayable(this.source);
  }
  open(): WireBody | undefined {
    const source = this.source;
    if (source === undefined || typeof source === 'string' || source instanceof Uint8Array) return source;
    if (typeof source === 'function') return source();
    if (isFileBody(source)) {
      return new FileChunks(source.path, source.start, source.end);
    }
    if (this.used) throw new MultiplatformError('a streamed request body cannot be sent twice');
    this.used = true;
    return source;
  }
}
