/**
 * Progress of blob transfers, reported through an `onProgress` callback. `remote/` and `copy/` emit these
 * events; only `cli/` renders them.
 */

/** What happens to one blob of a transfer. */
export type BlobAction = 'copy' | 'mount' | 'skip';

/** One event of a transfer. */
export type TransferEvent =
  /** A blob starts: mounted, copied, or skipped because the target has it. */
  | { type: 'blob-start'; digest: string; size: number; action: BlobAction; repository: string }
  /** Bytes of a copied blob have reached the target (`bytesDone` of `size`). */
  | { type: 'blob-progress'; digest: string; size: number; bytesDone: number }
  /** A blob is in the target. */
  | { type: 'blob-done'; digest: string; size: number; action: BlobAction }
  /** The whole transfer: `blobsDone` of `blobsTotal` blobs, `bytesDone` of `bytesTotal` bytes. */
  | { type: 'transfer'; blobsDone: number; blobsTotal: number; bytesDone: number; bytesTotal: number };

/** Receives {@link TransferEvent}s; it must not throw (an exception thrown by it is ignored). */
export type ProgressListener = (event: TransferEvent) => void;

/** A blob as far as progress is concerned. */
interface ReportedBlob {
  digest: string;
  size: number;
}

/**
 * Emits the events of one transfer of `blobs` and keeps its totals. A listener that throws is ignored:
 * progress must never break a transfer.
 */
export class TransferReporter {
  readonly #listener: ProgressListener | undefined;
  readonly #totals: { blobsDone: number; blobsTotal: number; bytesDone: number; bytesTotal: number };

  constructor(listener: ProgressListener | undefined, blobs: readonly ReportedBlob[]) {
    this.#listener = listener;
    this.#totals = { blobsDone: 0, blobsTotal: blobs.length, bytesDone: 0, bytesTotal: blobs.reduce((sum, b) => sum + Math.max(0, b.size), 0) };
  }

  /** The totals before anything moved. */
  begin(): void {
    this.#emit({ type: 'transfer', ...this.#totals });
  }

  start(blob: ReportedBlob, action: BlobAction, repository: string): void {
    this.#emit({ type: 'blob-start', digest: blob.digest, size: blob.size, action, repository });
  }

  /** A callback for the bytes of `blob` the target has accepted so far. */
  bytesOf(blob: ReportedBlob): (bytesDone: number) => void {
    return (bytesDone) => this.#emit({ type: 'blob-progress', digest: blob.digest, size: blob.size, bytesDone });
  }

  done(blob: ReportedBlob, action: BlobAction): void {
    this.#totals.blobsDone++;
    this.#totals.bytesDone += Math.max(0, blob.size);
    this.#emit({ type: 'blob-done', digest: blob.digest, size: blob.size, action });
    this.#emit({ type: 'transfer', ...this.#totals });
  }

  #emit(event: TransferEvent): void {
    try {
      this.#listener?.(event);
    } catch {
      // ignored, as documented on ProgressListener
    }
  }
}
