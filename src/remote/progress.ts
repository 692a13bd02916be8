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
