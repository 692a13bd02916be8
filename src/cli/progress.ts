/**
 * The progress display of blob transfers, on stderr. On a terminal (`auto` with a TTY): one line
 * per blob with its bytes, rate and a bar, redrawn in place at most every {@link REDRAW_MS}, each
 * line kept once its blob is done; elsewhere (`plain`, or `auto` without a TTY): one line when a
 * blob starts and one when it ends, so a CI log shows what is happening; `quiet`: nothing. The
 * formatting helpers are pure and take no clock; the display is handed one.
 */
import type { BlobAction, ProgressListener, TransferEvent } from '../index.js';
import type { CliIo } from './io.js';
import { escapeMessage, escapeValue } from './terminal-text.js';

export type ProgressMode = 'auto' | 'plain' | 'quiet';

export interface ProgressDisplay {
  /** Pass as `onProgress`; it never throws. */
  readonly listener: ProgressListener;
  /** Lines that say what is about to happen (shown above the blob lines; not at all when quiet). */
  plan(lines: readonly string[]): void;
  /** Draws the last state and a summary; the listener ignores events after it. */
  finish(): void;
}

/** Shortest time between two redraws on a terminal, in ms. */
export const REDRAW_MS = 100;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`, `1.02 GiB`: three significant digits from KiB up. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(Number.isFinite(bytes) ? bytes : 0))} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Bytes per second as `5.60 MiB/s`; `-` when nothing can be said yet (no time has passed). */
export function formatRate(bytes: number, elapsedMs: number): string {
  if (elapsedMs <= 0 || bytes <= 0) return '-';
  return `${formatBytes((bytes * 1000) / elapsedMs)}/s`;
}

/** `[=====>    ]`, `width` characters in all; a done bar is all `=`. */
export function formatBar(done: number, total: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : done > 0 ? 1 : 0;
  const filled = Math.floor(fraction * inner);
  if (filled >= inner) return `[${'='.repeat(inner)}]`;
  return `[${'='.repeat(filled)}>${' '.repeat(inner - filled - 1)}]`;
}

/** `0.4s`, `12.3s`, `2m05s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** `sha256:` and the first 12 hex digits, escaped: digests in events come from registries. */
export function shortDigest(digest: string): string {
  const separator = digest.indexOf(':');
  return escapeValue(separator < 0 ? digest.slice(0, 19) : digest.slice(0, separator + 13));
}

const ACTION_DONE: Record<BlobAction, string> = { copy: 'copied', mount: 'mounted', skip: 'already there' };
const ACTION_UNDER_WAY: Record<BlobAction, string> = { copy: 'copying', mount: 'mounting', skip: 'checking' };

/** One blob as the display knows it. */
export interface BlobState {
  digest: string;
  size: number;
  action: BlobAction;
  repository: string;
  bytesDone: number;
  startedAt: number;
  doneAt?: number;
}

/** The total as the last `transfer` event gave it. */
type Totals = Extract<TransferEvent, { type: 'transfer' }>;

/** A blob's line on a terminal, cut to `columns - 1` characters so it never wraps. */
export function terminalLine(blob: BlobState, now: number, columns: number): string {
  const done = blob.doneAt !== undefined;
  const elapsed = (blob.doneAt ?? now) - blob.startedAt;
  const head = `${shortDigest(blob.digest)} ${(done ? ACTION_DONE : ACTION_UNDER_WAY)[blob.action].padEnd(13)}`;
  if (blob.action !== 'copy') return clip(`${head} ${formatBytes(blob.size)}`, columns);
  const bytes = done ? formatBytes(blob.size) : `${formatBytes(blob.bytesDone)} / ${formatBytes(blob.size)}`;
  const tail = ` ${bytes}  ${formatRate(done ? blob.size : blob.bytesDone, elapsed)}${done ? `  ${formatDuration(elapsed)}` : ''}`;
  const barWidth = Math.min(32, columns - 1 - head.length - tail.length - 1);
  const bar = barWidth >= 8 ? ` ${formatBar(done ? blob.size : blob.bytesDone, blob.size, barWidth)}` : '';
  return clip(`${head}${bar}${tail}`, columns);
}

/** The summary line: blobs and bytes done of all. */
export function totalsLine(totals: Totals, elapsedMs: number): string {
  return `${totals.blobsDone}/${totals.blobsTotal} blobs, ${formatBytes(totals.bytesDone)} / ${formatBytes(totals.bytesTotal)} in ${formatDuration(elapsedMs)}`;
}

function clip(line: string, columns: number): string {
  const room = Math.max(10, columns - 1);
  return line.length <= room ? line : `${line.slice(0, room - 1)}…`;
}

const ERASE_LINE = '\u001b[2K';
const cursorUp = (lines: number): string => (lines > 0 ? `\u001b[${lines}A\r` : '\r');

/** What a display needs besides the I/O: a clock (ms), so tests decide what time it is. */
export interface ProgressClock {
  now(): number;
}

/**
 * A progress display for `mode` on `io`'s stderr. `auto` draws in place when stderr is a terminal
 * (`io.stderrTerminal`), else writes plain lines.
 */
export function createProgressDisplay(io: CliIo, mode: ProgressMode, clock: ProgressClock = { now: () => performance.now() }): ProgressDisplay {
  if (mode === 'quiet') return { listener: () => {}, plan: () => {}, finish: () => {} };
  const terminal = mode === 'auto' ? io.stderrTerminal : undefined;
  return terminal ? new TerminalDisplay(io, terminal, clock) : new PlainDisplay(io, clock);
}

/** State both displays keep: blobs by digest, the totals, and whether finish() has run. */
abstract class Display implements ProgressDisplay {
  protected readonly blobs = new Map<string, BlobState>();
  protected totals: Totals | undefined;
  protected finished = false;
  protected readonly startedAt: number;
  readonly listener: ProgressListener;

  constructor(
    protected readonly io: CliIo,
    protected readonly clock: ProgressClock,
  ) {
    this.startedAt = clock.now();
    this.listener = (event) => {
      if (this.finished) return;
      try {
        this.receive(event);
      } catch {
        // A display must never break the transfer it shows.
      }
    };
  }

  private receive(event: TransferEvent): void {
    const now = this.clock.now();
    switch (event.type) {
      case 'blob-start': {
        const blob: BlobState = { digest: event.digest, size: event.size, action: event.action, repository: event.repository, bytesDone: 0, startedAt: now };
        this.blobs.set(event.digest, blob);
        this.started(blob);
        return;
      }
      case 'blob-progress': {
        const blob = this.blobs.get(event.digest);
        if (blob === undefined) return;
        blob.bytesDone = event.bytesDone;
        this.changed();
        return;
      }
      case 'blob-done': {
        const blob = this.blobs.get(event.digest) ?? { digest: event.digest, size: event.size, action: event.action, repository: '', bytesDone: 0, startedAt: now };
        this.blobs.set(event.digest, blob);
        blob.bytesDone = event.size;
        blob.doneAt = now;
        this.ended(blob);
        return;
      }
      case 'transfer':
        this.totals = event;
        this.changed();
        return;
    }
  }

  abstract plan(lines: readonly string[]): void;
  abstract finish(): void;
  protected abstract started(blob: BlobState): void;
  protected abstract ended(blob: BlobState): void;
  protected abstract changed(): void;
}

/** Without a terminal: a line per start and end of a copied blob, one per mounted or skipped blob. */
class PlainDisplay extends Display {
  plan(lines: readonly string[]): void {
    for (const line of lines) this.io.stderr.write(`multiplatform: ${escapeMessage(line)}\n`);
  }

  protected started(blob: BlobState): void {
    if (blob.action !== 'copy') return;
    this.line(`copy ${shortDigest(blob.digest)} (${formatBytes(blob.size)}) to ${escapeValue(blob.repository)}: started`);
  }

  protected ended(blob: BlobState): void {
    const elapsed = (blob.doneAt ?? blob.startedAt) - blob.startedAt;
    if (blob.action === 'copy') {
      this.line(`copy ${shortDigest(blob.digest)} (${formatBytes(blob.size)}): done in ${formatDuration(elapsed)}, ${formatRate(blob.size, elapsed)}`);
    } else {
      this.line(`${blob.action} ${shortDigest(blob.digest)} (${formatBytes(blob.size)})${blob.repository ? ` to ${escapeValue(blob.repository)}` : ''}: ${ACTION_DONE[blob.action]}`);
    }
  }

  protected changed(): void {}

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.totals !== undefined) this.line(totalsLine(this.totals, this.clock.now() - this.startedAt));
  }

  private line(text: string): void {
    this.io.stderr.write(`multiplatform: [${formatDuration(this.clock.now() - this.startedAt)}] ${text}\n`);
  }
}

/**
 * On a terminal: the lines of blobs not yet done (and the totals) are redrawn in place; a done
 * blob at the top of that block is written once more and left where it is.
 */
class TerminalDisplay extends Display {
  /** Blobs still drawn in place, in the order they started. */
  private live: BlobState[] = [];
  /** How many lines the last frame drew in place (the cursor is below them). */
  private drawn = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;

  constructor(
    io: CliIo,
    private readonly terminal: NonNullable<CliIo['stderrTerminal']>,
    clock: ProgressClock,
  ) {
    super(io, clock);
  }

  plan(lines: readonly string[]): void {
    this.draw(lines.map((line) => clip(`multiplatform: ${escapeMessage(line)}`, this.terminal.columns())));
  }

  protected started(blob: BlobState): void {
    this.live.push(blob);
    this.changed();
  }

  protected ended(): void {
    this.changed();
  }

  protected changed(): void {
    if (this.clock.now() - this.lastDraw >= REDRAW_MS) this.draw();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.draw([], true);
  }

  /** Redraws the block: `above` and done blobs at its top are written for good, the rest in place. */
  private draw(above: readonly string[] = [], final = false): void {
    const now = this.clock.now();
    this.lastDraw = now;
    const columns = this.terminal.columns();
    const kept = [...above];
    while (this.live[0] !== undefined && (final || this.live[0].doneAt !== undefined)) kept.push(terminalLine(this.live.shift() as BlobState, now, columns));
    const inPlace = this.live.map((blob) => terminalLine(blob, now, columns));
    if (this.totals !== undefined) {
      const totals = clip(totalsLine(this.totals, now - this.startedAt), columns);
      if (final) kept.push(totals);
      else inPlace.push(totals);
    }
    const lines = [...kept, ...inPlace];
    // Erase whatever of the previous frame the new one does not cover.
    const stale = Math.max(0, this.drawn - lines.length);
    const frame = cursorUp(this.drawn) + lines.map((line) => `${ERASE_LINE}${line}\n`).join('') + `${ERASE_LINE}\n`.repeat(stale) + (stale > 0 ? cursorUp(stale) : '');
    this.drawn = inPlace.length;
    if (frame !== '\r') this.terminal.writeFrame(frame);
  }
}
