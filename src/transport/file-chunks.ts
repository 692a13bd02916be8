/**
 * A file read as a stream of chunks from a few buffers that are used again once the consumer hands
 * them back ({@link FileChunks.recycle}): the socket exchange does so when the socket has taken a
 * chunk (its write callback), so a file upload holds a few hundred KiB however large the file is.
 * A consumer that never recycles gets a fresh buffer for every chunk, as from `createReadStream`.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 256 << 10;

/** A Readable whose chunks may be handed back to it when their consumer is done with them. */
export interface RecyclingReadable extends Readable {
  recycle(chunk: Uint8Array): void;
}

export function isRecycling(stream: unknown): stream is RecyclingReadable {
  return stream instanceof Readable && typeof (stream as Partial<RecyclingReadable>).recycle === 'function';
}

export class FileChunks extends Readable implements RecyclingReadable {
  #handle: FileHandle | undefined;
  #position: number;
  readonly #free: Buffer[] = [];
  /** The memory of this stream's own buffers: only those are taken back. */
  readonly #own = new WeakSet<ArrayBufferLike>();

  /** Reads `path` from `start` up to `end` (exclusive; the end of the file when absent). */
  constructor(
    private readonly path: string,
    start = 0,
    private readonly end = Infinity,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    this.#position = start;
  }

  recycle(chunk: Uint8Array): void {
    if (this.#own.has(chunk.buffer) && this.#free.length < 4) this.#free.push(Buffer.from(chunk.buffer, 0, CHUNK_BYTES));
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'r').then(
      (handle) => {
        this.#handle = handle;
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _read(): void {
    const want = Math.min(CHUNK_BYTES, this.end - this.#position);
    if (want <= 0) return void this.push(null);
    const buffer = this.#free.pop() ?? this.#allocate();
    this.#handle!.read(buffer, 0, want, this.#position).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) return void this.push(null);
        this.#position += bytesRead;
        this.push(buffer.subarray(0, bytesRead));
      },
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return callback(error);
    handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  #allocate(): Buffer {
    const buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    this.#own.add(buffer.buffer);
    return buffer;
  }
}
