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
