import { describe, expect, it } from 'vitest';
import { escapeMessage, escapeOutput, escapeValue, terminalSafeIo } from '../../src/cli/terminal-text.js';
import type { CliIo } from '../../src/cli/io.js';

describe('escapeValue', () => {
  it('shows CR, LF and tab by name and other controls as \\u escapes', () => {
    expect(escapeValue('amd64\r\nTagged: fake')).toBe('amd64\\r\\nTagged: fake');
    expect(escapeValue('a\tb')).toBe('a\\tb');
    expect(escapeValue('\u001b[31mred\u0007')).toBe('\\u001b[31mred\\u0007');
    expect(escapeValue('\u0000\u007f\u0085\u009b')).toBe('\\u0000\\u007f\\u0085\\u009b');
  });

  it('escapes the bidirectional controls and the line separators', () => {
    const bidi = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u2028', '\u2029'];
    for (const character of bidi) {
      expect(escapeValue(`x${character}y`)).toBe(`x\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}y`);
    }
  });

  it('doubles backslashes, so an escape differs from text that looks like one', () => {
    expect(escapeValue('\\u001b')).toBe('\\\\u001b');
    expect(escapeValue('\u001b')).toBe('\\u001b');
  });

  it('leaves ordinary text, other scripts and emoji alone', () => {
    for (const text of ['linux/arm64/v8', 'windows/amd64:10.0.17763.1234', 'ünïcødé 日本語 🐳', 'a\u200db']) {
      expect(escapeValue(text)).toBe(text);
    }
  });

  it('turns exactly the characters JSON would escape into the escapes JSON would use', () => {
    const text = 'a\r\n\t\u001b\u0085\u202eb';
    expect(JSON.parse(`"${escapeValue(text)}"`)).toBe(text);
  });
});

describe('escapeMessage', () => {
  it('puts a message on one line with every control escaped, and keeps the escapes it already quotes', () => {
    expect(escapeMessage('HTTP 404: gone\u001b[2J\r\nmultiplatform: error: fake')).toBe('HTTP 404: gone\\u001b[2J\\r\\nmultiplatform: error: fake');
    expect(escapeMessage('platform.os "linux\\r" is invalid\u202e')).toBe('platform.os "linux\\r" is invalid\\u202e');
  });
});

describe('escapeOutput', () => {
  it('keeps the newlines and tabs that lay out the output and escapes every other control', () => {
    expect(escapeOutput('line 1\n\tline 2\r\u001b[2J\u0085\u202e\n')).toBe('line 1\n\tline 2\\r\\u001b[2J\\u0085\\u202e\n');
  });

  it('keeps JSON valid and its value unchanged', () => {
    const value = { platform: 'linux\u0085/amd64\u202e', note: 'x\u2028y\u007f', path: 'C:\\dir' };
    const json = JSON.stringify(value, null, 2);
    const escaped = escapeOutput(json);
    expect(escaped).not.toMatch(/[\u007f-\u009f\u202e\u2028]/);
    expect(JSON.parse(escaped)).toEqual(value);
  });
});

describe('terminalSafeIo', () => {
  it('escapes every string written to stdout and stderr, and passes bytes through', () => {
    const written: Array<string | Uint8Array> = [];
    const io: CliIo = {
      stdout: { write: (chunk) => written.push(chunk) },
      stderr: { write: (chunk) => written.push(chunk) },
      readStdin: async () => '',
      env: {},
    };
    const safe = terminalSafeIo(io);
    const bytes = Buffer.from('raw\u001b');
    safe.stdout.write('out\u001b\n');
    safe.stderr.write('err\r\n');
    safe.stdout.write(bytes);
    expect(written).toEqual(['out\\u001b\n', 'err\\r\n', bytes]);
    expect(safe.env).toBe(io.env);
  });
});
