import { HeaderReader, isWhitespace, parseEachValue, setParam } from './syntax.js';

/**
 * Parsing of `WWW-Authenticate` headers (RFC 9110 §11.6.1). The parser is lenient: it never
 * throws and recovers from malformed parts by skipping to the next comma.
 */

/** One authentication challenge, e.g. `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`. */
export interface Challenge {
  /** The auth scheme, lowercased: `bearer`, `basic`, … */
  scheme: string;
  /** Auth parameters with lowercased names and unquoted, unescaped values. The first occurrence of a name wins. */
  params: Record<string, string>;
  /** The token68 form some schemes use instead of parameters (`Negotiate YIIG…==`), when present. */
  token68?: string;
}

const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
/** Where an unquoted parameter value ends: it may hold the `/` and `:` some servers leave unquoted. */
const BARE_VALUE_END = /[\s,"]/;

/**
 * Parses one or more `WWW-Authenticate` header values into challenges, in order. Several challenges
 * may share one header, separated by commas. Garbage yields `[]` or whatever could be recovered.
 */
export function parseWwwAuthenticate(header: string | string[] | undefined): Challenge[] {
  return parseEachValue(header, (value) => new ChallengeParser(value).parse());
}

/** The first challenge of `scheme` (case-insensitive), if any. */
export function findChallenge(challenges: readonly Challenge[], scheme: string): Challenge | undefined {
  const wanted = scheme.toLowerCase();
  return challenges.find((challenge) => challenge.scheme === wanted);
}

/** The space-separated scopes of a challenge's `scope` parameter (`repository:a/b:pull repository:c:pull`). */
export function scopesFromChallenge(challenge: Challenge | undefined): string[] {
  const scope = challenge !== undefined && Object.hasOwn(challenge.params, 'scope') ? challenge.params['scope'] : undefined;
  return scope === undefined ? [] : scope.split(/[ \t]+/).filter((s) => s.length > 0);
}

class ChallengeParser extends HeaderReader {
  parse(): Challenge[] {
    const challenges: Challenge[] = [];
    let current: Challenge | undefined;
    while (this.skipSeparators()) {
      const start = this.pos;
      const name = this.readToken();
      if (name.length === 0) {
        this.skipPastComma();
        continue;
      }
      const afterName = this.pos;
      this.skipWhitespace();
      if (this.peek() === '=' && current !== undefined) {
        // `name=` after a comma continues the current challenge's parameter list.
        this.pos = start;
        this.readParams(current);
        continue;
      }
      this.pos = afterName;
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
      if (!isWhitespace(this.peek())) {
        if (this.peek() !== ',' && this.peek() !== undefined) this.skipPastComma();
        continue;
      }
      this.skipWhitespace();
      const token68 = this.tryToken68();
      if (token68 !== undefined) current.token68 = token68;
      else this.readParams(current);
    }
    return challenges;
  }

  /** Reads `name=value` pairs separated by commas until the next thing is not a parameter. */
  private readParams(challenge: Challenge): void {
    for (;;) {
      this.skipWhitespace();
      const start = this.pos;
      const name = this.readToken();
      this.skipWhitespace();
      if (name.length === 0 || this.peek() !== '=') {
        // Not a parameter: hand back to the challenge loop, which starts a new challenge here.
        this.pos = start;
        if (name.length === 0 && this.peek() !== ',' && this.peek() !== undefined) this.skipPastComma();
        return;
      }
      this.pos++;
      this.skipWhitespace();
      const value = this.peek() === '"' ? this.readQuoted() : this.readBareValue(BARE_VALUE_END);
      setParam(challenge.params, name.toLowerCase(), value);
      this.skipWhitespace();
      if (this.peek() === undefined) return;
      if (this.peek() !== ',') this.skipPastComma();
      // Look past the commas: another parameter continues this challenge, anything else does not.
      const beforeSeparators = this.pos;
      if (!this.skipSeparators()) return;
      const lookahead = this.pos;
      const next = this.readToken();
      this.skipWhitespace();
      const isParam = next.length > 0 && this.peek() === '=';
      this.pos = isParam ? lookahead : beforeSeparators;
      if (!isParam) return;
    }
  }

  private tryToken68(): string | undefined {
    TOKEN68.lastIndex = this.pos;
    const match = TOKEN68.exec(this.text);
    if (match === null) return undefined;
    let end = this.pos + match[0].length;
    while (isWhitespace(this.text[end])) end++;
    if (end < this.text.length && this.text[end] !== ',') return undefined;
    this.pos = end;
    return match[0];
  }

  /** Skips whitespace and commas; false at the end of the text. */
  private skipSeparators(): boolean {
    while (this.pos < this.text.length && (isWhitespace(this.text[this.pos]) || this.text[this.pos] === ',')) this.pos++;
    return this.pos < this.text.length;
  }

  /** Recovers from garbage: moves past the next comma that is not inside a quoted string. */
  private skipPastComma(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '"') this.readQuoted();
      else {
        this.pos++;
        if (c === ',') return;
      }
    }
  }
}
