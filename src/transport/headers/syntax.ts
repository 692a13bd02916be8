/** Characters of an RFC 9110 `token`. */
export const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Optional white space as HTTP headers define it (space or horizontal tab). */
export const isWhitespace = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** Parses every value of a header that may be repeated, concatenating the results in order; never throws on non-strings. */
export function parseEachValue<T>(header: string | string[] | undefined, parseOne: (value: string) => T[]): T[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  return values.flatMap((value) => (typeof value === 'string' ? parseOne(value) : []));
}

/** Sets a key as an own property, so that names such as `__proto__` are kept as data. The first value of a name wins. */
export function setParam(params: Record<string, string>, key: string, value: string): void {
  if (Object.hasOwn(params, key)) return;
  Object.defineProperty(params, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A cursor over one header value with the readers that header grammars share (tokens,
 * quoted-strings, bare values, white space). The `WWW-Authenticate` and `Link` parsers extend it.
 */
export class HeaderReader {
  protected pos = 0;
  constructor(protected readonly text: string) {}

  protected peek(): string | undefined {
    return this.text[this.pos];
  }

  protected skipWhitespace(): void {
    while (isWhitespace(this.peek())) this.pos++;
  }

  /** Reads a `token`; empty when the next character cannot start one. */
  protected readToken(): string {
    const start = this.pos;
    while (this.pos < this.text.length && TCHAR.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** Reads a quoted-string starting at `"`, unescaping `\x`; an unterminated one runs to the end of the text. */
  protected readQuoted(): string {
    this.pos++;
    let value = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++]!;
      if (c === '"') return value;
      if (c === '\\' && this.pos < this.text.length) value += this.text[this.pos++];
      else value += c;
    }
    return value;
  }

  /** Reads an unquoted value up to the first character `end` matches (lenient: more than a token). */
  protected readBareValue(end: RegExp): string {
    const start = this.pos;
    while (this.pos < this.text.length && !end.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }
}
