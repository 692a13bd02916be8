/**
 * Work that concurrent requests share (a token fetch, the scheme probe of a loopback registry)
 * must not be cancelled by one caller's signal, and must not be retried inside a retried request.
 */
import { describe, expect, it } from 'vitest';
import { AbortError, RegistryError } from '../../src/errors.js';
import { manifestReply, ociManifest, rejection, type Reply, useMockRegistry } from '../helpers/mock-registry.js';

const MANIFEST_PATH = '/v2/app/manifests/1.0';
const REF = 'registry.test/app:1.0';
const AUTH_ORIGIN = 'https://auth.registry.test';
const credentials = { 'registry.test': { username: 'alice', password: 'alice-Pa55word-xyz' } };
const challenge: Reply = {
  status: 401,
  headers: { 'www-authenticate': `Bearer realm="${AUTH_ORIGIN}/token",service="registry.test",scope="repository:app:pull"` },
};

const mock = useMockRegistry();

describe('a shared token fetch', () => {
  it('survives one waiter aborting: the other request still gets the token and its manifest', async () => {
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, challenge, { times: 2 })
      .on('GET', '/token', { status: 200, body: { token: 'shared-token' } }, { origin: AUTH_ORIGIN, delayMs: 150 })
      .on('GET', MANIFEST_PATH, manifestReply(m));
    const client = mock.client({ credentials });
    const impatient = new AbortController();

    const a = client.getManifest(REF, { signal: impatient.signal });
    const b = client.getManifest(REF);
    setTimeout(() => impatient.abort(), 30);

    expect(await rejection(a)).toBeInstanceOf(AbortError);
    expect((await b).descriptor.digest).toBe(m.digest);
    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(1);
  });

  it('is not retried inside the retried request: one token request per attempt', async () => {
    mock
      .on('GET', MANIFEST_PATH, challenge, { persist: true })
      .on('GET', '/token', { status: 503, body: 'busy' }, { origin: AUTH_ORIGIN, persist: true });
    const client = mock.client({ credentials, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 } });

    const error = await rejection(client.getManifest(REF));

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(503);
    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(3);
  });
});
