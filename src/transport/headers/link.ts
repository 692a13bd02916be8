import { HeaderReader, isWhitespace, parseEachValue, setParam } from './syntax.js';

/**
 * Parsing of `Link` headers (RFC 8288), which registries use to paginate tag lists and the catalog.
 * The parser is lenient: it never throws and skips malformed link values.
 */

/** One link value: the target between `<` and `>` and its parameters. */
export interface Link {
  /** The target exactly as written, possibly relative. */
  url: string;
  /** Parameters with lowercased names; a parameter without `=` has the value `''`. The first occurrence of a name wins. */
  params: Record<string, string>;
}


/** Parses one or more `Link` header values (`<url>; rel="next", <url2>; rel="prev"`) into links, in order. */
export function parseLinkHeader(header: string | string[] | undefined): Link[] {
  return parseEachValue(header, (value) => new LinkParser(value).parse());
}

/**
 * The absolute URL of the first link whose `rel` includes `next`, resolved against the URL of the
 * request that returned the header (a relative target keeps its own query string). Undefined when
 * there is no such link or it cannot be resolved.
 */
export function nextLink(header: string | string[] | undefined, requestUrl: string): string | undefined {
  const link = parseLinkHeader(header).find((l) => relations(l).includes('next'));
  if (link === undefined) return undefined;
  try {
    return new URL(link.url, requestUrl).href;
  } catch {
    return undefined;
  }
}

/** The relation types of a link: its `rel` parameter split on whitespace, lowercased. */
export function relations(link: Link): string[] {
  const rel = Object.hasOwn(link.params, 'rel') ? link.params['rel'] : undefined;
  return rel === undefined ? [] : rel.toLowerCase().split(/\s+/).filter((r) => r.length > 0);
}

/** Where an unquoted parameter value ends. */
const BARE_VALUE_END = /[\s,;"]/;

class LinkParser extends HeaderReader {
  parse(): Link[] {
    const links: Link[] = [];
    for (;;) {
      while (isWhitespace(this.peek()) || this.peek() === ',') this.pos++;
      if (this.pos >= this.text.length) return links;
      if (this.peek() !== '<') {
        this.skipTo(',');
        continue;
      }
      const close = this.text.indexOf('>', this.pos + 1);
      if (close < 0) return links;
      const link: Link = { url: this.text.slice(this.pos + 1, close), params: {} };
      this.pos = close + 1;
      this.readParams(link.params);
      links.push(link);
    }
  }

  /** Reads `; name[=value]` parameters up to the comma that ends the link value. */
  private readParams(params: Record<string, string>): void {
    for (;;) {
      this.skipWhitespace();
      const c = this.peek();
      if (c === undefined) return;
      if (c === ',') {
        this.pos++;
        return;
      }
      if (c !== ';') {
        this.skipTo(';,');
        continue;
      }
      this.pos++;
      this.skipWhitespace();
      const name = this.readToken();
      this.skipWhitespace();
      let value = '';
      if (this.peek() === '=') {
        this.pos++;
        this.skipWhitespace();
        value = this.peek() === '"' ? this.readQuoted() : this.readBareValue(BARE_VALUE_END);
      }
      if (name.length > 0) setParam(params, name.toLowerCase(), value);
    }
  }

  /** Recovers from garbage: moves to the next of `stops` outside a quoted string (not past it). */
  private skipTo(stops: string): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (stops.includes(c)) return;
      if (c === '"') this.readQuoted();
      else this.pos++;
    }
  }
}
