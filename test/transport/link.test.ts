import { describe, expect, it } from 'vitest';
import { nextLink, parseLinkHeader, relations } from '../../src/transport/headers/link.js';

describe('parseLinkHeader', () => {
  it('parses the distribution pagination header', () => {
    expect(parseLinkHeader('</v2/_catalog?last=b&n=2>; rel="next"')).toEqual([
      { url: '/v2/_catalog?last=b&n=2', params: { rel: 'next' } },
    ]);
  });

  it('parses several links, unquoted values and valueless parameters', () => {
    expect(parseLinkHeader('<https://a/1>; rel=prev; anchor="#x", <https://a/3>;rel=next;crossorigin')).toEqual([
      { url: 'https://a/1', params: { rel: 'prev', anchor: '#x' } },
      { url: 'https://a/3', params: { rel: 'next', crossorigin: '' } },
    ]);
  });

  it('keeps commas and semicolons inside <...> and inside quoted values', () => {
    expect(parseLinkHeader('</v2/x/tags/list?a=1,2;b>; title="a, b; c", </y>; rel="next"')).toEqual([
      { url: '/v2/x/tags/list?a=1,2;b', params: { title: 'a, b; c' } },
      { url: '/y', params: { rel: 'next' } },
    ]);
  });

  it('lowercases parameter names, unescapes quoted values and keeps the first duplicate', () => {
    expect(parseLinkHeader(String.raw`<u>; REL="Next"; Title="say \"hi\""; rel="prev"`)).toEqual([
      { url: 'u', params: { rel: 'Next', title: 'say "hi"' } },
    ]);
  });

  it('concatenates several header lines', () => {
    expect(parseLinkHeader(['<a>; rel="prev"', '<b>; rel="next"']).map((l) => l.url)).toEqual(['a', 'b']);
  });

  it('skips garbage and never throws', () => {
    expect(parseLinkHeader(undefined)).toEqual([]);
    expect(parseLinkHeader('')).toEqual([]);
    expect(parseLinkHeader('no angle brackets; rel=next')).toEqual([]);
    expect(parseLinkHeader('<unterminated; rel=next')).toEqual([]);
    expect(parseLinkHeader('junk, <ok>; rel="next"')).toEqual([{ url: 'ok', params: { rel: 'next' } }]);
    expect(parseLinkHeader('<a> junk ; rel="next" junk, <b>')).toEqual([
      { url: 'a', params: { rel: 'next' } },
      { url: 'b', params: {} },
    ]);
    expect(parseLinkHeader('<a>; ; =x; rel="unterminated')).toEqual([{ url: 'a', params: { rel: 'unterminated' } }]);
  });
});

describe('relations', () => {
  it('splits rel on whitespace and lowercases', () => {
    expect(relations({ url: 'x', params: { rel: 'Next  prev\tlast' } })).toEqual(['next', 'prev', 'last']);
    expect(relations({ url: 'x', params: {} })).toEqual([]);
  });
});

describe('nextLink', () => {
  const request = 'https://registry.example.com/v2/org/app/tags/list?n=100';

  it('resolves a path-absolute next link against the request URL and keeps its query', () => {
    expect(nextLink('</v2/org/app/tags/list?n=100&last=v1.9>; rel="next"', request)).toBe(
      'https://registry.example.com/v2/org/app/tags/list?n=100&last=v1.9',
    );
  });

  it('resolves a relative next link and returns absolute ones unchanged', () => {
    expect(nextLink('<list?last=b>; rel="next"', request)).toBe('https://registry.example.com/v2/org/app/tags/list?last=b');
    expect(nextLink('<https://cdn.example.com/page2?x=1>; rel="next"', request)).toBe('https://cdn.example.com/page2?x=1');
  });

  it('finds next among several links and multi-valued rel', () => {
    expect(nextLink('</p1>; rel="prev", </p3>; rel="last NEXT"', 'http://127.0.0.1:5000/v2/_catalog')).toBe(
      'http://127.0.0.1:5000/p3',
    );
  });

  it('returns undefined without a next link or when the URL cannot be resolved', () => {
    expect(nextLink(undefined, request)).toBeUndefined();
    expect(nextLink('</p1>; rel="prev"', request)).toBeUndefined();
    expect(nextLink('</p2>; rel="next"', 'not a url')).toBeUndefined();
    expect(nextLink('<http://[bad>; rel="next"', request)).toBeUndefined();
  });
});
