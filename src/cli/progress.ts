/**
 * Progress display of blob transfers. A placeholder with plain lines only: the full display (live
 * lines on a terminal) replaces this file, with the same interface.
 */
import type { ProgressListener } from '../index.js';
import type { CliIo } from './io.js';

export type ProgressMode = 'auto' | 'plain' | 'quiet';

export interface ProgressDisplay {
  /** Receives the transfer's events. */
  readonly listener: ProgressListener;
  /** Prints lines of the plan before the transfer starts (nothing in quiet mode). */
  plan(lines: readonly string[]): void;
  /** Ends the display: finishes live lines (TTY) and stops timers. Idempotent. */
  finish(): void;
}

export function createProgressDisplay(io: CliIo, mode: ProgressMode): ProgressDisplay {
  if (mode === 'quiet') return { listener: () => undefined, plan: () => undefined, finish: () => undefined };
  return {
    listener: (event) => {
      if (event.type === 'blob-done' && event.action !== 'skip') io.stderr.write(`${event.action === 'mount' ? 'mounted' : 'copied'} ${event.digest} (${event.size} bytes)\n`);
      if (event.type === 'transfer' && event.blobsDone === event.blobsTotal && event.blobsTotal > 0) io.stderr.write(`blobs: ${event.blobsDone}/${event.blobsTotal} done\n`);
    },
    plan: (lines) => {
      for (const line of lines) io.stderr.write(`${line}\n`);
    },
    finish: () => undefined,
  };
}
