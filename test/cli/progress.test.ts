/**
 * The progress display: the pure formatting helpers, then the display itself, fed transfer events
 * with a clock the test moves. On a fake terminal, the frames written are played on a small screen
 * model (cursor up, erase line, carriage return, newline), so the tests assert what a user would
 * see; without one, the lines a CI log would hold.
 */
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { createProgressDisplay, formatBar, formatBytes, formatDuration, formatRate, shortDigest, REDRAW_MS } from '../../src/cli/progress.js';
import { terminalSafeIo } from '../../src/cli/terminal-text.js';
import type { TransferEvent } from '../../src/remote/progress.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;
const MiB = 1024 * 1024;

describe('formatting helpers', () => {
  it('formats bytes with binary units and three significant digits', () => {
    expect([0, 512, 1023, 1024, 1536, 10 * 1024 + 300, 12.34 * MiB, 1.02 * 1024 * MiB, 150 * MiB].map(formatBytes)).toEqual([
      '0 B',
      '512 B',
      '1023 B',
      '1.00 KiB',
      '1.50 KiB',
      '10.3 KiB',
      '12.3 MiB',
      '1.02 GiB',
      '150 MiB',
    ]);
  });

  it('formats a rate, and says nothing before time has passed', () => {
    expect(formatRate(5 * MiB, 1000)).toBe('5.00 MiB/s');
    expect(formatRate(MiB, 250)).toBe('4.00 MiB/s');
    expect(formatRate(MiB, 0)).toBe('-');
    expect(formatRate(0, 100)).toBe('-');
  });

  it('draws a bar of the given width', () => {
    expect(formatBar(0, 100, 12)).toBe('[>         ]');
    expect(formatBar(50, 100, 12)).toBe('[=====>    ]');
    expect(formatBar(100, 100, 12)).toBe('[==========]');
    expect(formatBar(150, 100, 12)).toBe('[==========]');
    expect(formatBar(0, 0, 6)).toBe('[>   ]');
    expect(formatBar(50, 100, 12)).toHaveLength(12);
  });

  it('formats durations and short digests', () => {
    expect([400, 12_340, 125_000].map(formatDuration)).toEqual(['0.4s', '12.3s', '2m05s']);
    expect(shortDigest(A)).toBe('sha256:aaaaaaaaaaaa');
    expect(shortDigest('sha256:\u001b[2Jabc')).toBe('sha256:\\u001b[2Jabc');
  });
});

/** A clock the test moves by hand. */
function manualClock(): { now(): number; advance(ms: number): void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** A stderr that is a terminal of `columns` columns: the frames written, played on a screen. */
function fakeTerminal(columns = 100) {
  const screen: string[] = [];
  let row = 0;
  const frames: string[] = [];
  let plain = '';
  const play = (frame: string): void => {
    const tokens = frame.match(/\u001b\[\d*[A-Za-z]|\r|\n|[^\u001b\r\n]+/g) ?? [];
    for (const token of tokens) {
      if (token === '\n') row++;
      else if (token === '\r') continue;
      else if (token === '\u001b[2K') screen[row] = '';
      else if (/^\u001b\[\d+A$/.test(token)) row = Math.max(0, row - Number(token.slice(2, -1)));
      else if (token.startsWith('\u001b')) throw new Error(`unexpected escape ${JSON.stringify(token)}`);
      else screen[row] = (screen[row] ?? '') + token;
    }
  };
  const io: CliIo = {
    stdout: { write: () => true },
    stderr: { write: (chunk) => void (plain += chunk) },
    readStdin: async () => '',
    env: {},
    stderrTerminal: {
      columns: () => columns,
      writeFrame: (frame) => {
        frames.push(frame);
        play(frame);
      },
    },
  };
  return { io, frames, screen: () => screen.slice(0, row).concat(screen[row] ? [screen[row]!] : []), plain: () => plain, row: () => row };
}

function plainIo() {
  let err = '';
  let out = '';
  const io: CliIo = { stdout: { write: (c) => void (out += String(c)) }, stderr: { write: (c) => void (err += c) }, readStdin: async () => '', env: {} };
  return { io, stderr: () => err, stdout: () => out };
}

const start = (digest: string, size: number, action: 'copy' | 'mount' | 'skip' = 'copy'): TransferEvent => ({ type: 'blob-start', digest, size, action, repository: '127.0.0.1:5000/app' });
const progress = (digest: string, size: number, bytesDone: number): TransferEvent => ({ type: 'blob-progress', digest, size, bytesDone });
const done = (digest: string, size: number, action: 'copy' | 'mount' | 'skip' = 'copy'): TransferEvent => ({ type: 'blob-done', digest, size, action });

describe('on a terminal', () => {
  it('draws one line per blob, updates it in place, keeps finished lines, and ends with the totals', () => {
    const terminal = fakeTerminal(100);
    const clock = manualClock();
    const display = createProgressDisplay(terminal.io, 'auto', clock);

    display.plan(['copying 127.0.0.1:5000/src:1.0 to 127.0.0.1:5000/dst:1.0']);
    display.listener(start(A, 10 * MiB));
    display.listener(start(B, 2 * MiB, 'mount'));
    display.listener({ type: 'transfer', blobsDone: 0, blobsTotal: 2, bytesDone: 5 * MiB, bytesTotal: 12 * MiB });
    clock.advance(REDRAW_MS);
    display.listener(progress(A, 10 * MiB, 5 * MiB));

    let screen = terminal.screen();
    expect(screen[0]).toBe('multiplatform: copying 127.0.0.1:5000/src:1.0 to 127.0.0.1:5000/dst:1.0');
    expect(screen[1]).toMatch(/^sha256:aaaaaaaaaaaa copying\s+\[=+>\s*\] 5\.00 MiB \/ 10\.0 MiB {2}\S+ MiB\/s$/);
    expect(screen[2]).toMatch(/^sha256:bbbbbbbbbbbb mounting\s+2\.00 MiB$/);
    expect(screen[3]).toMatch(/^0\/2 blobs, 5\.00 MiB \/ 12\.0 MiB in /);
    expect(screen).toHaveLength(4);

    clock.advance(REDRAW_MS);
    display.listener(done(B, 2 * MiB, 'mount'));
    clock.advance(REDRAW_MS);
    display.listener(done(A, 10 * MiB));
    display.listener({ type: 'transfer', blobsDone: 2, blobsTotal: 2, bytesDone: 12 * MiB, bytesTotal: 12 * MiB });
    display.finish();

    screen = terminal.screen();
    expect(screen[1]).toMatch(/^sha256:aaaaaaaaaaaa copied\s+\[=+\] 10\.0 MiB {2}\S+ MiB\/s {2}0\.3s$/);
    expect(screen[2]).toMatch(/^sha256:bbbbbbbbbbbb mounted\s+2\.00 MiB$/);
    expect(screen[3]).toMatch(/^2\/2 blobs, 12\.0 MiB \/ 12\.0 MiB in 0\.3s$/);
    expect(screen).toHaveLength(4);
    // Everything went through the terminal writer; nothing through the escaping stderr.
    expect(terminal.plain()).toBe('');
  });

  it('redraws at most every REDRAW_MS, and draws the last state on finish', () => {
    const terminal = fakeTerminal();
    const clock = manualClock();
    const display = createProgressDisplay(terminal.io, 'auto', clock);

    display.listener(start(A, 1000));
    for (let i = 1; i <= 50; i++) {
      clock.advance(1);
      display.listener(progress(A, 1000, i * 10));
    }
    expect(terminal.frames).toHaveLength(1);
    clock.advance(REDRAW_MS);
    display.listener(progress(A, 1000, 600));
    expect(terminal.frames).toHaveLength(2);
    expect(terminal.screen()[0]).toContain('600 B / 1000 B');
    display.listener(progress(A, 1000, 700));
    display.finish();
    expect(terminal.frames).toHaveLength(3);
    expect(terminal.screen()[0]).toContain('700 B / 1000 B');
    display.listener(progress(A, 1000, 800));
    expect(terminal.frames).toHaveLength(3);
  });

  it('fits every line in the width, so none wraps and breaks the in-place redraw', () => {
    const terminal = fakeTerminal(40);
    const clock = manualClock();
    const display = createProgressDisplay(terminal.io, 'auto', clock);
    display.plan(['a plan line that is much longer than forty columns of terminal']);
    display.listener(start(A, 10 * MiB));
    clock.advance(REDRAW_MS);
    display.listener(progress(A, 10 * MiB, MiB));
    display.finish();
    for (const line of terminal.screen()) expect(line.length).toBeLessThanOrEqual(39);
  });

  it('shows a digest holding control characters escaped, never obeyed', () => {
    const terminal = fakeTerminal();
    const display = createProgressDisplay(terminal.io, 'auto', manualClock());
    display.listener(start('sha256:\u001b[2J\r', 10));
    display.finish();
    expect(terminal.screen()[0]).toContain('sha256:\\u001b[2J\\r');
  });

  it('a terminal writer that throws does not reach the transfer', () => {
    const terminal = fakeTerminal();
    terminal.io.stderrTerminal!.writeFrame = () => {
      throw new Error('EPIPE');
    };
    const display = createProgressDisplay(terminal.io, 'auto', manualClock());
    expect(() => display.listener(start(A, 10))).not.toThrow();
  });
});

describe('without a terminal', () => {
  it('auto writes a line when each copied blob starts and ends, one per mounted or skipped blob, and the totals', () => {
    const { io, stderr, stdout } = plainIo();
    const clock = manualClock();
    const display = createProgressDisplay(terminalSafeIo(io), 'auto', clock);

    display.plan(['copying src to dst']);
    display.listener(start(A, 3 * MiB));
    display.listener(start(B, 100, 'skip'));
    display.listener(done(B, 100, 'skip'));
    clock.advance(1500);
    display.listener(progress(A, 3 * MiB, MiB));
    display.listener(done(A, 3 * MiB));
    display.listener(start(C, 2048, 'mount'));
    display.listener(done(C, 2048, 'mount'));
    display.listener({ type: 'transfer', blobsDone: 3, blobsTotal: 3, bytesDone: 3 * MiB + 2148, bytesTotal: 3 * MiB + 2148 });
    display.finish();

    expect(stderr().split('\n')).toEqual([
      'multiplatform: copying src to dst',
      'multiplatform: [0.0s] copy sha256:aaaaaaaaaaaa (3.00 MiB) to 127.0.0.1:5000/app: started',
      'multiplatform: [0.0s] skip sha256:bbbbbbbbbbbb (100 B) to 127.0.0.1:5000/app: already there',
      'multiplatform: [1.5s] copy sha256:aaaaaaaaaaaa (3.00 MiB): done in 1.5s, 2.00 MiB/s',
      'multiplatform: [1.5s] mount sha256:cccccccccccc (2.00 KiB) to 127.0.0.1:5000/app: mounted',
      'multiplatform: [1.5s] 3/3 blobs, 3.00 MiB / 3.00 MiB in 1.5s',
      '',
    ]);
    expect(stdout()).toBe('');
  });

  it('plain writes lines even when stderr is a terminal', () => {
    const terminal = fakeTerminal();
    const display = createProgressDisplay(terminal.io, 'plain', manualClock());
    display.listener(start(A, 10));
    display.listener(done(A, 10));
    display.finish();
    expect(terminal.frames).toEqual([]);
    expect(terminal.plain().trimEnd().split('\n')).toHaveLength(2);
  });

  it('quiet writes nothing at all', () => {
    const terminal = fakeTerminal();
    const display = createProgressDisplay(terminal.io, 'quiet', manualClock());
    display.plan(['something']);
    display.listener(start(A, 10));
    display.listener(done(A, 10));
    display.finish();
    expect(terminal.frames).toEqual([]);
    expect(terminal.plain()).toBe('');
  });
});
