/**
 * An incremental HTTP/1.1 response reader for the socket exchange (socket-exchange.ts): the status
 * line and headers, then the body framed by Content-Length, by chunked transfer coding or by the
 * end of the connection. Interim (1xx) answers are skipped. Body pieces are handed on as views of
 * the bytes fed in, so they are owned by whoever owns those bytes. It knows nothing of sockets.
 */

/** Response headers as undici gives them: lower-case names, repeated headers as arrays. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** What the reader reports, in order: one head, body pieces, then the end. */
export interface ResponseEvents {
  head(status: number, headers: ResponseHeaders): void;
  /** One piece of the body; the return value is passed back to the caller of feed(). */
  data(piece: Buffer): boolean;
  end(): void;
}

/** Thrown by {@link ResponseReader.feed} on bytes that are not an HTTP/1.1 response. */
export class MalformedResponseError extends Error {
  readonly code = 'HTTP_MALFORMED_RESPONSE';
}

/** The longest response head (status line and headers) either transport path accepts. */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const CRLF_CRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

export class ResponseReader {
  #state: State = 'head';
  #pending: Buffer | undefined;
  #left = 0;
  #keepAlive = false;

  constructor(private readonly events: ResponseEvents) {}

  /** True once the whole response was read. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** True when the connection may carry another request after this response: HTTP/1.1, not `Connection: close`, body framed, read whole. */
  get reusable(): boolean {
    return this.#state === 'done' && this.#keepAlive && this.#pending === undefined;
  }

  /** True while the body runs until the connection closes (no Content-Length, not chunked). */
  get endsAtClose(): boolean {
    return this.#state === 'until-close';
  }

  /**
   * Reads `bytes`; returns false when a data() call returned false. Bytes past the end of the
   * response are kept (the connection is then not reusable). Throws a {@link MalformedResponseError}.
   */
  feed(bytes: Buffer): boolean {
    let flowing = true;
    let rest = bytes;
    while (rest.length > 0) {
      switch (this.#state) {
        case 'head':
          rest = this.#readHead(rest);
          break;
        case 'length':
        case 'chunk-data': {
          const piece = rest.length <= this.#left ? rest : rest.subarray(0, this.#left);
          this.#left -= piece.length;
          rest = rest.subarray(piece.length);
          flowing = this.events.data(piece) && flowing;
          if (this.#left === 0) {
            if (this.#state === 'length') this.#finish();
            else this.#state = 'chunk-end';
          }
          break;
        }
        case 'until-close':
          flowing = this.events.data(rest) && flowing;
          rest = rest.subarray(rest.length);
          break;
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers':
          rest = this.#readChunkLine(rest);
          break;
        case 'done':
          this.#pending = rest;
          return flowing;
      }
    }
    return flowing;
  }

  /** The connection ended: ends a body that runs until the close; throws when the response was cut short. */
  close(): void {
    if (this.#state === 'until-close') {
      this.#finish();
      return;
    }
    if (this.#state !== 'done') throw new MalformedResponseError(this.#state === 'head' ? 'the connection closed before a complete response head' : 'the connection closed before the end of the response body');
  }

  #readHead(bytes: Buffer): Buffer {
    const buffered = this.#pending ? Buffer.concat([this.#pending, bytes]) : bytes;
    const end = buffered.indexOf(CRLF_CRLF);
    if (end < 0) {
      if (buffered.length > MAX_HEAD_BYTES) throw new MalformedResponseError(`response head longer than ${MAX_HEAD_BYTES} bytes`);
      // A copy: the bytes fed in may be a read buffer that is reused.
      this.#pending = Buffer.from(buffered);
      return bytes.subarray(bytes.length);
    }
    if (end > MAX_HEAD_BYTES) throw new MalformedResponseError(`response head longer than ${MAX_HEAD_BYTES} bytes`);
    this.#pending = undefined;
    this.#startBody(buffered.subarray(0, end).toString('latin1'));
    return buffered.subarray(end + 4);
  }

  #startBody(head: string): void {
    const lines = head.split('\r\n');
    const status = STATUS_LINE.exec(lines[0]!);
    if (!status) throw new MalformedResponseError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    const code = Number(status[2]);
    const headers = parseHeaders(lines);
    if (code >= 100 && code < 200) {
      // 101 would switch protocols, which this GET never asks for.
      if (code === 101) throw new MalformedResponseError('unexpected 101 Switching Protocols');
      return; // an interim answer: the real one follows
    }
    const connection = listValues(headers['connection']);
    this.#keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const coding = listValues(headers['transfer-encoding']);
    const lengths = headers['content-length'];
    if (code === 204 || code === 304) {
      this.#state = 'length';
      this.#left = 0;
    } else if (coding.length > 0) {
      if (coding[coding.length - 1] !== 'chunked') {
        this.#keepAlive = false;
        this.#state = 'until-close';
      } else this.#state = 'chunk-size';
      // A Content-Length beside Transfer-Encoding is ignored (RFC 9112 6.3), and the connection not reused.
      if (lengths !== undefined) this.#keepAlive = false;
    } else if (lengths !== undefined) {
      this.#state = 'length';
      this.#left = parseLength(lengths);
    } else {
      this.#keepAlive = false;
      this.#state = 'until-close';
    }
    this.events.head(code, headers);
    if (this.#state === 'length' && this.#left === 0) this.#finish();
  }

  /** A chunk-size line, the CRLF after a chunk's data, or a trailer line. */
  #readChunkLine(bytes: Buffer): Buffer {
    const buffered = this.#pending ? Buffer.concat([this.#pending, bytes]) : bytes;
    const end = buffered.indexOf('\r\n');
    if (end < 0) {
      if (buffered.length > MAX_CHUNK_LINE) throw new MalformedResponseError('chunk framing line too long');
      this.#pending = Buffer.from(buffered);
      return bytes.subarray(bytes.length);
    }
    this.#pending = undefined;
    const line = buffered.subarray(0, end).toString('latin1');
    const rest = buffered.subarray(end + 2);
    if (this.#state === 'chunk-end') {
      if (line !== '') throw new MalformedResponseError('chunk data longer than its size');
      this.#state = 'chunk-size';
    } else if (this.#state === 'chunk-size') {
      const size = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (!size) throw new MalformedResponseError(`bad chunk size line ${JSON.stringify(line.slice(0, 40))}`);
      this.#left = parseInt(size[1]!, 16);
      this.#state = this.#left === 0 ? 'trailers' : 'chunk-data';
    } else if (line === '') {
      this.#finish(); // the empty line after the trailers
    }
    return rest;
  }

  #finish(): void {
    this.#state = 'done';
    this.events.end();
  }
}

function parseHeaders(lines: string[]): ResponseHeaders {
  const headers: ResponseHeaders = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!HEADER_NAME.test(name)) {
      // Also refuses obsolete line folding (a line starting with a space), as RFC 9112 5.2 allows.
      throw new MalformedResponseError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    }
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers[key];
    if (seen === undefined) headers[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[key] = [seen, value];
  }
  return headers;
}

/** The lower-cased members of a comma-separated header (all its lines). */
function listValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
}

/** One Content-Length (repeated values must agree, RFC 9110 8.6). */
function parseLength(value: string | string[]): number {
  const values = new Set((Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',').map((p) => p.trim())));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only!)) throw new MalformedResponseError(`bad Content-Length ${JSON.stringify(String(value))}`);
  return Number(only);
}
