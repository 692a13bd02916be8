import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/registry/api-error.js';
import { formatScope, parseScopes, requiredAccess } from '../../src/registry/auth/access.js';
import { parseBasicAuthorization, parseBearerAuthorization } from '../../src/registry/auth/credentials.js';
import { isRepositoryName, isTag, parseManifestReference } from '../../src/registry/grammar.js';
import { paginate } from '../../src/registry/handlers/listing.js';
import { parseContentRange, parseRangeHeader, uploadRangeHeader } from '../../src/registry/range.js';
import { matchRoute } from '../../src/registry/router.js';

describe('Range header', () => {
  it.each([
    [undefined, 10, { kind: 'whole' }],
    ['bytes=0-', 10, { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=3-5', 10, { kind: 'partial', range: { start: 3, end: 5 } }],
    ['bytes=3-100', 10, { kind: 'partial', range: { start: 3, end: 9 } }],
    ['bytes=-3', 10, { kind: 'partial', range: { start: 7, end: 9 } }],
    ['bytes=-30', 10, { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=10-', 10, { kind: 'unsatisfiable' }],
    ['bytes=-0', 10, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=5-3', 10, { kind: 'whole' }],
    ['bytes=0-1,3-4', 10, { kind: 'whole' }],
    ['items=0-1', 10, { kind: 'whole' }],
    ['bytes=-', 10, { kind: 'whole' }],
  ])('%s of %i bytes', (header, size, expected) => {
    expect(parseRangeHeader(header, size)).toEqual(expected);
  });

  it('a partial range always lies inside the body', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.integer({ min: 1, max: 1000 }), (a, b, size) => {
        const result = parseRangeHeader(`bytes=${a}-${b}`, size);
        if (result.kind === 'partial') {
          expect(result.range.start).toBeLessThanOrEqual(result.range.end);
          expect(result.range.end).toBeLessThan(size);
        }
      }),
    );
  });
});

describe('Content-Range of upload chunks', () => {
  it.each([
    ['0-9', { start: 0, end: 9 }],
    ['bytes 10-19/*', { start: 10, end: 19 }],
    ['bytes=10-19', { start: 10, end: 19 }],
    ['5-5/100', { start: 5, end: 5 }],
  ])('%s', (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });

  it.each(['', '9-0', 'abc', '1-', '-1', '0-9 extra'])('%j is BLOB_UPLOAD_INVALID', (header) => {
    expect(() => parseContentRange(header)).toThrow(ApiError);
  });

  it('upload Range is 0-<last byte>, 0-0 when empty', () => {
    expect(uploadRangeHeader(0)).toBe('0-0');
    expect(uploadRangeHeader(1)).toBe('0-0');
    expect(uploadRangeHeader(100)).toBe('0-99');
  });
});

describe('grammar', () => {
  it.each(['a', 'library/ubuntu', 'a.b_c__d-e--f/g', '0/1/2'])('%s is a repository name', (name) => {
    expect(isRepositoryName(name)).toBe(true);
  });
  it.each(['', 'A', 'a/', '/a', 'a//b', 'a..b', 'a___b', '.a', 'a-', '..', 'a/../b', 'a:b', 'a'.repeat(256)])('%j is not', (name) => {
    expect(isRepositoryName(name)).toBe(false);
  });
  it('tags', () => {
    expect(isTag('v1.0_rc-1')).toBe(true);
    expect(isTag('_x')).toBe(true);
    expect(isTag('a'.repeat(128))).toBe(true);
    expect(isTag('a'.repeat(129))).toBe(false);
    expect(isTag('.x')).toBe(false);
    expect(isTag('-x')).toBe(false);
    expect(isTag('a/b')).toBe(false);
  });
  it('manifest references', () => {
    expect(parseManifestReference('latest')).toEqual({ kind: 'tag', tag: 'latest' });
    const digest = 'sha256:' + 'a'.repeat(64);
    expect(parseManifestReference(digest)).toEqual({ kind: 'digest', digest });
    expect(() => parseManifestReference('sha256:zz')).toThrow(/DIGEST_INVALID/);
    expect(() => parseManifestReference('-x')).toThrow(/TAG_INVALID/);
  });
});

describe('routes', () => {
  it('routes by suffix, so names may contain / and even endpoint words', () => {
    expect(matchRoute('/v2/')).toEqual({ kind: 'base' });
    expect(matchRoute('/v2/_catalog')).toEqual({ kind: 'catalog' });
    expect(matchRoute('/v2/a/b/c/manifests/v1')).toEqual({ kind: 'manifest', name: 'a/b/c', reference: 'v1' });
    expect(matchRoute('/v2/blobs/blobs/sha256:x')).toEqual({ kind: 'blob', name: 'blobs', digest: 'sha256:x' });
    expect(matchRoute('/v2/a/blobs/uploads/')).toEqual({ kind: 'upload-start', name: 'a' });
    expect(matchRoute('/v2/a/blobs/uploads')).toEqual({ kind: 'upload-start', name: 'a' });
    expect(matchRoute('/v2/a/blobs/uploads/123')).toEqual({ kind: 'upload', name: 'a', id: '123' });
    expect(matchRoute('/v2/x/tags/list/tags/list')).toEqual({ kind: 'tags', name: 'x/tags/list' });
    expect(matchRoute('/v2/a/referrers/sha256:x')).toEqual({ kind: 'referrers', name: 'a', digest: 'sha256:x' });
    expect(matchRoute('/v2/a/manifests/')).toEqual({ kind: 'unknown' });
    expect(matchRoute('/token')).toEqual({ kind: 'token' });
  });
});

describe('pagination', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  const q = (s: string) => new URLSearchParams(s);
  it('pages', () => {
    expect(paginate(items, q(''))).toEqual({ items });
    expect(paginate(items, q('n=2'))).toEqual({ items: ['a', 'b'], nextLast: 'b', n: 2 });
    expect(paginate(items, q('n=2&last=b'))).toEqual({ items: ['c', 'd'], nextLast: 'd', n: 2 });
    expect(paginate(items, q('n=2&last=d'))).toEqual({ items: ['e'], n: 2 });
    expect(paginate(items, q('n=0'))).toEqual({ items: [], n: 0 });
    expect(paginate(items, q('last=bb'))).toEqual({ items: ['c', 'd', 'e'] });
    expect(paginate(items, q('last=z'))).toEqual({ items: [] });
    expect(() => paginate(items, q('n=x'))).toThrow(ApiError);
  });

  it('following pages visits every item once, in order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/)), fc.integer({ min: 1, max: 7 }), (names, n) => {
        const sorted = [...names].sort();
        const seen: string[] = [];
        let query = `n=${n}`;
        for (let guard = 0; guard < 1000; guard++) {
          const page = paginate(sorted, q(query));
          seen.push(...page.items);
          if (page.nextLast === undefined) break;
          query = `n=${n}&last=${encodeURIComponent(page.nextLast)}`;
        }
        expect(seen).toEqual(sorted);
      }),
    );
  });
});

describe('scopes and credentials', () => {
  it('parses scopes, several per value', () => {
    expect(parseScopes(['repository:a/b:pull,push registry:catalog:*', 'repository:c:pull', 'bogus', 'user:x:y'])).toEqual([
      { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'c', actions: ['pull'] },
    ]);
  });

  it('formats what a request needs', () => {
    const none = new URLSearchParams();
    expect(formatScope(requiredAccess({ kind: 'manifest', name: 'a', reference: 'v' }, 'GET', none))).toBe('repository:a:pull');
    expect(formatScope(requiredAccess({ kind: 'manifest', name: 'a', reference: 'v' }, 'PUT', none))).toBe('repository:a:pull,push');
    expect(formatScope(requiredAccess({ kind: 'blob', name: 'a', digest: 'd' }, 'DELETE', none))).toBe('repository:a:delete');
    expect(formatScope(requiredAccess({ kind: 'upload-start', name: 'a' }, 'POST', new URLSearchParams('mount=d&from=b')))).toBe(
      'repository:a:pull,push repository:b:pull',
    );
    expect(requiredAccess({ kind: 'base' }, 'GET', none)).toEqual([]);
  });

  it('parses Authorization headers', () => {
    expect(parseBasicAuthorization(`Basic ${Buffer.from('u:p:q').toString('base64')}`)).toEqual({ username: 'u', password: 'p:q' });
    expect(parseBasicAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuthorization('Bearer x')).toBeUndefined();
    expect(parseBearerAuthorization('Bearer abc.def')).toBe('abc.def');
    expect(parseBearerAuthorization('bearer abc')).toBe('abc');
    expect(parseBearerAuthorization('Basic abc')).toBeUndefined();
  });
});

describe('upload sessions', () => {
  it('idle sessions are discarded when a new one starts', async () => {
    const { MemoryBlobStore } = await import('../../src/registry/storage/memory-store.js');
    const { UploadManager } = await import('../../src/registry/upload-sessions.js');
    const uploads = new UploadManager(new MemoryBlobStore(), 50);
    const old = await uploads.create('a');
    await old.buffer.append(Buffer.from('abandoned'));
    expect(uploads.get('a', old.id)).toBe(old);
    await new Promise((r) => setTimeout(r, 80));
    const fresh = await uploads.create('a');
    expect(uploads.get('a', old.id)).toBeUndefined();
    expect(old.buffer.size).toBe(0);
    expect(uploads.get('a', fresh.id)).toBe(fresh);
    expect(uploads.count).toBe(1);
  });
});
