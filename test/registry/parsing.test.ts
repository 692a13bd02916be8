import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/registry/api-error.js';
import { formatScope, parseScopes, requiredAccess } from '../../src/registry/auth/access.js';
import { parseBasicAuthorization, parseBearerAuthorization } from '../../src/registry/auth/credentials.js';
import { parseManifestReference } from '../../src/registry/grammar.js';
import { paginate } from '../../src/registry/handlers/listing.js';
import { parseChunkContentRange } from '../../src/registry/range.js';
import { matchRoute } from '../../src/registry/router.js';

describe('Content-Range of upload chunks', () => {
  it.each([
    ['0-9', { start: 0, end: 9 }],
    ['bytes=10-19', { start: 10, end: 19 }],
  ])('%s', (header, expected) => {
    expect(parseChunkContentRange(header)).toEqual(expected);
  });

  // The spec's chunk range is `^[0-9]+-[0-9]+$`; a 206 response's `bytes start-end/total` is another header's form.
  it.each(['', '9-0', 'abc', '1-', '-1', '0-9 extra', 'bytes 10-19/*', '5-5/100'])('%j is BLOB_UPLOAD_INVALID', (header) => {
    expect(() => parseChunkContentRange(header)).toThrow(ApiError);
  });
});

describe('grammar', () => {
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
    const uploads = new UploadManager(new MemoryBlobStore(), { perRepository: 10, total: 10, idleMs: 50 });
    const old = await uploads.create('a');
    await old.buffer.append(Buffer.from('abandoned'));
    expect(uploads.get('a', old.id)).toBe(old);
    await new Promise((r) => setTimeout(r, 80));
    const fresh = await uploads.create('a');
    expect(uploads.get('a', old.id)).toBeUndefined();
    expect(old.buffer.size).toBe(0);
    expect(uploads.get('a', fresh.id)).toBe(fresh);
    expect(uploads.count).toBe(1);
    await uploads.closeAll();
  });
});
