/**
 * Bounded reads that the other MockAgent files do not cover: token responses (1 MiB) and tag-list /
 * catalog pages (16 MiB). Manifests, error bodies and blobs past their size are covered in
 * client-protocol.test.ts and client-blobs.test.ts; referrer lists in test/integration/faults.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SizeLimitError } from '../../src/errors.js';
import { manifestReply, ociManifest, rejection, useMockRegistry } from '../helpers/mock-registry.js';

const MiB = 1024 * 1024;
const AUTH_ORIGIN = 'https://auth.registry.test';
const challenge = {
  status: 401,
  headers: { 'www-authenticate': `Bearer realm="${AUTH_ORIGIN}/token",service="registry.test",scope="repository:app:pull"` },
};

const mock = useMockRegistry();

describe('token responses are read up to 1 MiB', () => {
  it('refuses a larger token response with SizeLimitError, after one token request', async () => {
    const huge = JSON.stringify({ token: 'x'.repeat(MiB + 10) });
    mock
      .on('GET', '/v2/app/manifests/1.0', challenge)
      .on('GET', '/token', { status: 200, body: huge, headers: { 'content-type': 'application/json' } }, { origin: AUTH_ORIGIN, persist: true });

    const error = await rejection(mock.client().getManifest('registry.test/app:1.0'));

    expect(error).toBeInstanceOf(SizeLimitError);
    expect((error as SizeLimitError).limit).toBe(MiB);
    expect(error.message).toMatch(/token response/);
    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(1);
  });

  it('accepts a token response just under the cap', async () => {
    const m = ociManifest();
    const token = 't'.repeat(MiB - 100);
    mock
      .on('GET', '/v2/app/manifests/1.0', challenge)
      .on('GET', '/token', { status: 200, body: { token } }, { origin: AUTH_ORIGIN })
      .on('GET', '/v2/app/manifests/1.0', manifestReply(m));

    const result = await mock.client().getManifest('registry.test/app:1.0');

    expect(result.descriptor.digest).toBe(m.digest);
    expect(mock.filter('GET', '/v2/app/manifests/1.0')[1]?.headers['authorization']).toBe(`Bearer ${token}`);
  });
});

describe('list pages are read up to 16 MiB each', () => {
  const hugePage = (key: 'tags' | 'repositories') => {
    const names = Array.from({ length: 17 * 1024 }, (_, i) => `${'n'.repeat(1000)}-${i}`);
    return JSON.stringify(key === 'tags' ? { name: 'app', tags: names } : { repositories: names });
  };

  it('refuses a tag list page over the cap', async () => {
    mock.on('GET', '/v2/app/tags/list', { status: 200, body: hugePage('tags'), headers: { 'content-type': 'application/json' } });

    const error = await rejection(mock.client().listTags('registry.test/app'));

    expect(error).toBeInstanceOf(SizeLimitError);
    expect((error as SizeLimitError).limit).toBe(16 * MiB);
    expect(mock.count('GET')).toBe(1);
  });

  it('refuses a catalog page over the cap', async () => {
    mock.on('GET', '/v2/_catalog', { status: 200, body: hugePage('repositories'), headers: { 'content-type': 'application/json' } });

    const error = await rejection(mock.client().catalog('registry.test'));

    expect(error).toBeInstanceOf(SizeLimitError);
    expect(mock.count('GET')).toBe(1);
  });
});
