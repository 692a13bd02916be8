/**
 * Read buffers for a socket's `onread`: 256 KiB regions of 1 MiB slabs, each region read into once,
 * so a chunk handed on is a view that no later read writes over and its consumer owns it. A consumer
 * that is done with a chunk may hand it back ({@link recycleReadChunk}; the upload writer does, on the
 * socket's write callback): a slab whose every byte read was handed back is read into again, so a copy
 * from one registry to another reads through a few slabs instead of fresh memory.
 */
const SLAB_BYTES = 1 << 20;
const READ_BYTES = 256 << 10;
const MIN_READ_BYTES = 64 << 10;
const SPARE_SLABS = 2;

/** Kept in a WeakMap keyed by the slab's memory, so it must not refer to the slab itself (it would keep it alive). */
interface SlabState {
  readonly owner: ReadSlabs;
  /** Bytes read into the slab so far. */
  read: number;
  /** Bytes of it handed back. */
  returned: number;
  /** No more reads go into it. */
  full: boolean;
}

const states = new WeakMap<ArrayBufferLike, SlabState>();

export class ReadSlabs {
  #current: { slab: Buffer; state: SlabState } | undefined;
  readonly #spare: Buffer[] = [];

  /** The region the next read goes into. */
  next(): Buffer {
    let current = this.#current;
    if (!current || SLAB_BYTES - current.state.read < MIN_READ_BYTES) {
      if (current) this.#retire(current.slab, current.state);
      const slab = this.#spare.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
      const state = { owner: this, read: 0, returned: 0, full: false };
      states.set(slab.buffer, state);
      this.#current = current = { slab, state };
    }
    const { slab, state } = current;
    return slab.subarray(state.read, Math.min(state.read + READ_BYTES, SLAB_BYTES));
  }

  /** `bytes` were read into the region {@link next} gave. */
  filled(bytes: number): void {
    this.#current!.state.read += bytes;
  }

  #retire(slab: Buffer, state: SlabState): void {
    state.full = true;
    if (state.returned === state.read) this.reuse(slab.buffer);
  }

  /** @internal */
  reuse(memory: ArrayBufferLike): void {
    states.delete(memory);
    if (this.#spare.length < SPARE_SLABS) this.#spare.push(Buffer.from(memory as ArrayBuffer, 0, SLAB_BYTES));
  }
}

/**
 * Hands back a chunk read by a socket of the socket exchange, once its consumer is done with it: nothing
 * may read or keep it afterwards. Any other chunk is ignored, and a slab handed back more bytes than were
 * read into it is never used again.
 */
export function recycleReadChunk(chunk: Uint8Array): void {
  const state = states.get(chunk.buffer);
  if (!state) return;
  state.returned += chunk.byteLength;
  if (state.returned > state.read) states.delete(chunk.buffer);
  else if (state.full && state.returned === state.read) state.owner.reuse(chunk.buffer);
}
