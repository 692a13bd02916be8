import type { HttpEvent } from '../index.js';
import type { CliIo } from './io.js';
import { escapeMessage } from './terminal-text.js';

/** How much of the HTTP traffic `--verbose` and `--debug` show. */
export type HttpLogLevel = 'steps' | 'headers';

/**
 * A listener for the client's `onHttp` events that writes them to stderr: with `steps`
 * (`--verbose`) one line per answer, `METHOD URL -> STATUS`; with `headers` (`--debug`) every
 * request and answer line with its headers, `>` for what was sent and `<` for what came back;
 * a request that got no answer (refused, TLS error, timeout) is said in both, with `!` in debug.
 * The events arrive with credentials already removed; each line is still escaped, since headers
 * come from the registry.
 */
export function httpLogger(io: CliIo, level: HttpLogLevel): (event: HttpEvent) => void {
  const write = (line: string): void => void io.stderr.write(`multiplatform: ${escapeMessage(line)}\n`);
  return (event) => {
    if (event.kind === 'failure') {
      write(`${level === 'headers' ? 'debug: ! ' : ''}${event.method} ${event.url} -> ${event.message}`);
      return;
    }
    if (level === 'steps') {
      if (event.kind === 'response') write(`${event.method} ${event.url} -> ${event.status}`);
      return;
    }
    write(event.kind === 'request' ? `debug: > ${event.method} ${event.url}` : `debug: < ${event.status} (${event.method} ${event.url})`);
    const arrow = event.kind === 'request' ? '>' : '<';
    for (const [name, value] of Object.entries(event.headers)) {
      for (const item of Array.isArray(value) ? value : [value]) write(`debug: ${arrow} ${name}: ${item}`);
    }
  };
}
