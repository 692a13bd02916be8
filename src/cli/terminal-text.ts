/**
 * Text that is safe to show on a terminal. Registries supply much of what the CLI prints (platform
 * strings, media types, error messages), and a control character among it could move the cursor,
 * rewrite a line, change the terminal's state or reorder what is shown. Each such character is
 * replaced by a visible escape written the way JSON writes it: `\r`, `\n`, `\t`, else `\u` and four
 * hex digits (`\u001b` for ESC, `\u202e` for a right-to-left override). Because these are JSON's
 * own escapes, `--json` output stays valid JSON after the same treatment.
 */
import type { CliIo } from './io.js';

/**
 * C0 controls, DEL, C1 controls, the Unicode bidirectional controls (ALM, LRM, RLM, the embeddings
 * and overrides, the isolates) and the line and paragraph separators.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** The same, less newline and tab: what a whole block of output may still contain. */
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCharacter(character: string): string {
  return NAMED[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * One value shown inside a line of output (a platform, a digest, a message from a registry): every
 * control character escaped, newlines and tabs included, and backslashes doubled so that an escape
 * cannot be confused with text that merely looks like one.
 *
 * @example escapeValue('amd64\r\nTagged: x') === 'amd64\\r\\nTagged: x'
 */
export function escapeValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(CONTROL, escapeCharacter);
}

/**
 * A message shown as one line (an error, a registry's warning): every control character escaped,
 * newlines and tabs included, so a registry's text cannot start a line of its own. Backslashes are
 * left alone: messages quote values the way JSON does, and those escapes must read as they are.
 */
export function escapeMessage(text: string): string {
  return text.replace(CONTROL, escapeCharacter);
}

/**
 * A block of output about to be written: every control character escaped except newline and tab,
 * which lay the output out. Backslashes are left alone, so JSON stays the JSON it was. This is the
 * last line of defence; values from a registry are escaped with {@link escapeValue} before they
 * are put into a line.
 */
export function escapeOutput(text: string): string {
  return text.replace(CONTROL_BUT_LINE_BREAKS, escapeCharacter);
}

/**
 * `io` with every string written to stdout and stderr passed through {@link escapeOutput}, so no
 * command can print a raw control character. Bytes (`inspect --raw`, the manifest exactly as
 * stored) pass unchanged.
 */
export function terminalSafeIo(io: CliIo): CliIo {
  return {
    ...io,
    stdout: { write: (chunk) => io.stdout.write(typeof chunk === 'string' ? escapeOutput(chunk) : chunk) },
    stderr: { write: (chunk) => io.stderr.write(escapeOutput(chunk)) },
  };
}
