import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../src/errors.js';
import { parseReference } from '../../src/oci/reference.js';
import { parseWwwAuthenticate, type Challenge } from '../../src/transport/headers/challenge.js';
import { nextLink, parseLinkHeader, type Link } from '../../src/transport/headers/link.js';
import {
  formatChunkRange,
  formatContentRange,
  formatRangeRequest,
  parseContentRange,
  parseRangeRequest,
  parseUploadRange,
} from '../../src/oci/range.js';

const RUNS = { numRuns: 10_000 };

/** Strings over an alphabet chosen to hit the parsers' delimiters often. */
const stringOver = (alphabet: string, maxLength = 40) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength });

/** Arbitrary text: mostly printable ASCII, sometimes any code unit (lone surrogates, controls). */
const anyText = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = stringOver(TCHARS, 12).filter((s) => s.length > 0);

/** A quoted-string: `"` and `\` escaped; other characters sometimes escaped needlessly, as senders may. */
function quote(value: string, escapeAll: boolean): string {
  let out = '"';
  for (const c of value) out += c === '"' || c === '\\' || (escapeAll && c !== ' ') ? `\\${c}` : c;
  return `${out}"`;
}
const isToken = (s: string): boolean => s.length > 0 && [...s].every((c) => TCHARS.includes(c));
const ows = fc.constantFrom('', ' ', '  ', '\t', ' \t');

describe('reference parser properties', () => {
  const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  const separator = fc.constantFrom('.', '_', '__', '-', '--', '---');
  const component = fc
    .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
    .map(([head, rest]) => head + rest.map(([sep, part]) => sep + part).join(''));
  const port = fc.integer({ min: 1, max: 65535 }).map(String);
  const withPort = (host: fc.Arbitrary<string>) =>
    fc.tuple(host, fc.option(port, { nil: undefined })).map(([h, p]) => (p === undefined ? h : `${h}:${p}`));
  const mixCase = (s: string, flips: boolean[]) =>
    [...s].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c)).join('');
  const registry = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.IO', 'localhost', 'LOCALHOST'),
    withPort(fc.constant('localhost')),
    withPort(fc.domain()).chain((d) => fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }).map((flips) => mixCase(d, flips))),
    withPort(fc.ipV4()),
    withPort(
      fc
        .ipV6()
        .filter((a) => !a.includes('.'))
        .map((a) => `[${a}]`),
    ),
  );
  const tag = fc.option(fc.stringMatching(/^\w[\w.-]{0,127}$/), { nil: undefined });
  const digest = fc.option(
    fc.oneof(
      fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`),
      fc.stringMatching(/^[a-f0-9]{128}$/).map((h) => `sha512:${h}`),
    ),
    { nil: undefined },
  );
  const validParts = fc
    .record({ registry, path: fc.array(component, { minLength: 1, maxLength: 4 }), tag, digest })
    // Without a registry, a first component with a '.' (or localhost) would be read as the registry.
    .filter(({ registry: r, path }) => r !== undefined || path.length === 1 || !(path[0]!.includes('.') || path[0] === 'localhost'))
    // A lone 64-hex name is an image ID, which Docker refuses.
    .filter(({ registry: r, path, tag: t, digest: d }) => !(r === undefined && t === undefined && d === undefined && /^[a-f0-9]{64}$/.test(path.join('/'))));

  it('accepts every generated valid reference, normalises it, and round-trips through toString and familiar', () => {
    fc.assert(
      fc.property(validParts, ({ registry: r, path, tag: t, digest: d }) => {
        const input = `${r === undefined ? '' : `${r}/`}${path.join('/')}${t === undefined ? '' : `:${t}`}${d === undefined ? '' : `@${d}`}`;
        const lower = r?.toLowerCase();
        const expectedRegistry =
          lower === undefined || lower === 'index.docker.io' || lower === 'registry-1.docker.io' ? 'docker.io' : lower;
        const expectedRepository = expectedRegistry === 'docker.io' && path.length === 1 ? `library/${path[0]}` : path.join('/');
        if (`${expectedRegistry}/${expectedRepository}`.length > 255) {
          expect(() => parseReference(input)).toThrow(/limit is 255/);
          return;
        }
        const ref = parseReference(input);
        expect(ref.registry).toBe(expectedRegistry);
        expect(ref.repository).toBe(expectedRepository);
        expect(ref.tag).toBe(t);
        expect(ref.digest).toBe(d);
        expect(ref.reference).toBe(d ?? t ?? 'latest');
        expect(parseReference(ref.toString())).toEqual(ref);
        expect(parseReference(ref.familiar())).toEqual(ref);
      }),
      RUNS,
    );
  });

  it('throws only InvalidReferenceError on arbitrary strings, and whatever parses round-trips', () => {
    const referenceLike = stringOver('abcz09AZ._-/:@[]', 40);
    fc.assert(
      fc.property(fc.oneof(anyText, referenceLike), (input) => {
        let ref;
        try {
          ref = parseReference(input);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidReferenceError);
          expect((error as InvalidReferenceError).reason.length).toBeGreaterThan(0);
          return;
        }
        expect(parseReference(ref.toString())).toEqual(ref);
        expect(parseReference(ref.familiar())).toEqual(ref);
      }),
      RUNS,
    );
  });
});

describe('WWW-Authenticate parser properties', () => {
  it('never throws and returns well-formed challenges', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, stringOver('Bearer realm="\\, =\t;/:+~', 50)), (header) => {
        for (const challenge of parseWwwAuthenticate(header)) {
          expect(challenge.scheme.length).toBeGreaterThan(0);
          expect(challenge.scheme).toBe(challenge.scheme.toLowerCase());
          for (const [key, value] of Object.entries(challenge.params)) {
            expect(key).toBe(key.toLowerCase());
            expect(typeof value).toBe('string');
          }
        }
      }),
      RUNS,
    );
  });

  const param = fc.record({
    key: token,
    value: fc.string({ maxLength: 20 }),
    style: fc.constantFrom('quoted', 'escaped', 'bare'),
    before: ows,
    after: ows,
  });
  const challenge = fc.record({
    scheme: token,
    token68: fc.option(fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,12}={0,2}$/), { nil: undefined }),
    params: fc.uniqueArray(param, { maxLength: 4, selector: (p) => p.key.toLowerCase() }),
  });

  it('parses serialised challenges back to the same schemes and parameters', () => {
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), ows, (challenges, gap) => {
        const header = challenges
          .map(({ scheme, token68, params }) => {
            if (token68 !== undefined) return `${scheme} ${token68}`;
            const list = params.map(({ key, value, style, before, after }) => {
              const text = style === 'bare' && isToken(value) ? value : quote(value, style === 'escaped');
              return `${key}${before}=${after}${text}`;
            });
            return list.length === 0 ? scheme : `${scheme} ${list.join(`${gap},${gap}`)}`;
          })
          .join(`${gap}, `);
        const expected: Challenge[] = challenges.map(({ scheme, token68, params }) =>
          token68 !== undefined
            ? { scheme: scheme.toLowerCase(), params: {}, token68 }
            : { scheme: scheme.toLowerCase(), params: Object.fromEntries(params.map((p) => [p.key.toLowerCase(), p.value])) },
        );
        const parsed = parseWwwAuthenticate(header);
        expect(parsed.map((c) => ({ ...c, params: { ...c.params } }))).toEqual(expected);
      }),
      RUNS,
    );
  });
});

describe('Link parser properties', () => {
  it('never throws on arbitrary headers and request URLs', () => {
    const linkLike = stringOver('<>;,="\\ relnxt/:?&ab', 50);
    const url = fc.oneof(fc.webUrl(), anyText);
    fc.assert(
      fc.property(fc.oneof(anyText, linkLike), url, (header, requestUrl) => {
        const links = parseLinkHeader(header);
        for (const link of links) expect(link.url).not.toContain('>');
        const next = nextLink(header, requestUrl);
        if (next !== undefined) expect(() => new URL(next)).not.toThrow();
      }),
      RUNS,
    );
  });

  const param = fc.record({
    key: token,
    value: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    style: fc.constantFrom('quoted', 'escaped', 'bare'),
    before: ows,
  });
  const link = fc.record({
    url: fc.string({ maxLength: 40 }).filter((u) => !u.includes('>')),
    params: fc.uniqueArray(param, { maxLength: 4, selector: (p) => p.key.toLowerCase() }),
  });

  it('parses serialised links back to the same URLs and parameters', () => {
    fc.assert(
      fc.property(fc.array(link, { minLength: 1, maxLength: 4 }), ows, (links, gap) => {
        const header = links
          .map(({ url, params }) => {
            const list = params.map(({ key, value, style, before }) => {
              if (value === undefined) return `${before};${gap}${key}`;
              const text = style === 'bare' && isToken(value) ? value : quote(value, style === 'escaped');
              return `${before};${gap}${key}=${text}`;
            });
            return `<${url}>${list.join('')}`;
          })
          .join(`${gap},${gap}`);
        const expected: Link[] = links.map(({ url, params }) => ({
          url,
          params: Object.fromEntries(params.map((p) => [p.key.toLowerCase(), p.value ?? ''])),
        }));
        expect(parseLinkHeader(header).map((l) => ({ ...l, params: { ...l.params } }))).toEqual(expected);
      }),
      RUNS,
    );
  });
});

describe('range helper properties', () => {
  const offset = fc.oneof(fc.nat(10_000), fc.maxSafeNat());
  const ordered = fc.tuple(offset, offset).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);

  it('parsers never throw and only return ordered safe integers', () => {
    const rangeLike = stringOver('0123456789-=/* bytesBYTES,.e+', 30);
    fc.assert(
      fc.property(fc.oneof(anyText, rangeLike), (value) => {
        for (const range of [parseUploadRange(value), parseContentRange(value), parseRangeRequest(value)]) {
          if (range === undefined) continue;
          expect(Number.isSafeInteger(range.start) && range.start >= 0).toBe(true);
          if ('end' in range && range.end !== undefined) {
            expect(Number.isSafeInteger(range.end) && range.end >= range.start).toBe(true);
          }
        }
        const content = parseContentRange(value);
        if (content?.total !== undefined) expect(content.total).toBeGreaterThan(content.end);
      }),
      RUNS,
    );
  });

  it('format then parse gives the numbers back', () => {
    fc.assert(
      fc.property(ordered, fc.option(fc.nat(1000), { nil: undefined }), ([start, end], extra) => {
        expect(parseUploadRange(formatChunkRange(start, end))).toEqual({ start, end });
        expect(parseUploadRange(`bytes=${formatChunkRange(start, end)}`)).toEqual({ start, end });
        expect(parseRangeRequest(formatRangeRequest(start))).toEqual({ start });
        const total = extra === undefined || end + 1 + extra > Number.MAX_SAFE_INTEGER ? undefined : end + 1 + extra;
        const parsed = parseContentRange(formatContentRange(start, end, total));
        expect(parsed).toEqual(total === undefined ? { start, end } : { start, end, total });
      }),
      RUNS,
    );
  });
});

describe('IPv6 registry hosts', () => {
  it('parseReference accepts [address]:port exactly when node:net calls the address IPv6', () => {
    const hexAndColons = fc.array(fc.constantFrom(...'0123456789abcdefABCDEF::::'), { minLength: 1, maxLength: 45 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(hexAndColons, (address) => {
        const parse = () => parseReference(`[${address}]:5000/app:1`);
        if (isIPv6(address)) expect(parse().registry.toLowerCase()).toBe(`[${address.toLowerCase()}]:5000`);
        else expect(parse).toThrow(InvalidReferenceError);
      }),
      { numRuns: 3000 },
    );
  });
});
