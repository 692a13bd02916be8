/**
 * Finds where a JSON text stops being valid, without quoting any of it: `JSON.parse`
 * messages differ between Node versions and some of them echo the surrounding text,
 * which in a Docker config.json or a token server's answer may be a password or a token.
 */

/** Where a JSON text is broken, and what was expected there (never the text itself). */
export interface JsonSyntaxProblem {
  /** 0-based offset in the text (UTF-16 code units). */
  position: number;
  /** 1-based line number. */
  line: number;
  /** 1-based column number. */
  column: number;
  problem: string;
}

class Stop extends Error {
  constructor(
    readonly position: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

const MAX_DEPTH = 1000;

/** Returns the first syntax problem in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  let pos = 0;

  const fail = (problem: string): never => {
    throw new Stop(pos, pos >= text.length ? 'unexpected end of input' : problem);
  };
  const skipWhitespace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text.charAt(pos))) pos++;
  };
  const expect = (char: string, what: string): void => {
    if (text.charAt(pos) !== char) fail(`expected ${what}`);
    pos++;
  };

  const parseString = (): void => {
    expect('"', 'a string');
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const code = text.charCodeAt(pos);
      if (code === 0x22) {
        pos++;
        return;
      }
      if (code < 0x20) fail('control character inside a string');
      if (code === 0x5c) {
        const escape = text.charAt(pos + 1);
        if ('"\\/bfnrt'.includes(escape) && escape !== '') {
          pos += 2;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          pos += 6;
        } else {
          fail('invalid escape sequence in a string');
        }
        continue;
      }
      pos++;
    }
  };

  const parseNumber = (): void => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!match) return fail('invalid number');
    pos += match[0].length;
  };

  /** Reads `open item (, item)* close` or an empty `open close`, starting at `open`. */
  const parseContainer = (close: '}' | ']', parseItem: () => void, afterItem: string): void => {
    pos++;
    skipWhitespace();
    if (text.charAt(pos) === close) {
      pos++;
      return;
    }
    for (;;) {
      parseItem();
      skipWhitespace();
      if (text.charAt(pos) === ',') {
        pos++;
        continue;
      }
      expect(close, afterItem);
      return;
    }
  };

  const parseValue = (depth: number): void => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipWhitespace();
    const char = text.charAt(pos);
    const parseMember = (): void => {
      skipWhitespace();
      if (text.charAt(pos) !== '"') fail("expected a property name in double quotes");
      parseString();
      skipWhitespace();
      expect(':', "':' after a property name");
      parseValue(depth + 1);
    };
    if (char === '{') return parseContainer('}', parseMember, "',' or '}' after a property value");
    if (char === '[') return parseContainer(']', () => parseValue(depth + 1), "',' or ']' after an array element");
    if (char === '"') return parseString();
    if (char === '-' || (char >= '0' && char <= '9')) return parseNumber();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return;
      }
    }
    fail('expected a JSON value');
  };

  try {
    parseValue(0);
    skipWhitespace();
    if (pos < text.length) fail('unexpected content after the JSON value');
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const before = text.slice(0, e.position);
    const lineStart = before.lastIndexOf('\n') + 1;
    return {
      position: e.position,
      line: before.split('\n').length,
      column: e.position - lineStart + 1,
      problem: e.problem,
    };
  }
}

/** `unexpected end of input at line 1, column 9 (position 8)`: where and what, never the text. */
export function describeJsonSyntaxProblem(problem: JsonSyntaxProblem): string {
  return `${problem.problem} at line ${problem.line}, column ${problem.column} (position ${problem.position})`;
}

/**
 * `JSON.parse`, but a failure throws what `onError` makes of a description that quotes none of the
 * input (see {@link findJsonSyntaxProblem}); the parser's own message, which may, is dropped.
 */
export function parseJsonText(text: string, onError: (description: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const problem = findJsonSyntaxProblem(text);
    // JSON.parse and the finder disagree only on input the finder accepts, such as a lone surrogate.
    throw onError(problem ? describeJsonSyntaxProblem(problem) : 'not parseable');
  }
}
