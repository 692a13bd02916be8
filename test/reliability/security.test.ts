/**
 * Where credentials may go, for the cases the embedded registry cannot stage and that
 * client-protocol.test.ts / client-auth.test.ts do not already cover: a 401 from the origin a
 * redirect led to, redirects and token realms aimed at loopback or private addresses of a public
 * registry, and secrets echoed back in error bodies. undici MockAgent, network disabled.
 */
import { describe, expect, it } from 'vitest';
import { AuthError, RegistryError, UnsafeRequestError } from '../../src/errors.js';
import { manifestReply, ociManifest, rejection, sha256, useMockRegistry } from '../helpers/mock-registry.js';

const REF = 'registry.test/app:1.0';
const MANIFEST_PATH = '/v2/app/manifests/1.0';
const BLOB = Buffer.from('blob behind a redirect');
const DIGEST = sha256(BLOB);
const BLOB_PATH = `/v2/app/blobs/${DIGEST}`;
const PASSWORD = 'sekret-Pa55-for-security-tests';
const credentials = { 'registry.test': { username: 'alice', password: PASSWORD } };
const BASIC = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
const basicChallenge = { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } };

const mock = useMockRegistry();

describe('a 401 from the origin a redirect led to', () => {
  it.each([
    ['Basic', 'Basic realm="cdn"'],
    ['Bearer', 'Bearer realm="https://cdn.test/token",service="cdn"'],
  ])('is reported as that request failing, never answered with credentials (%s challenge)', async (_scheme, challenge) => {
    mock
      .on('GET', BLOB_PATH, basicChallenge)
      .on('GET', BLOB_PATH, { status: 307, headers: { location: 'https://cdn.test/blobs/abc?sig=1' } }, { times: 2 })
      .on('GET', '/blobs/abc', { status: 401, headers: { 'www-authenticate': challenge } }, { origin: 'https://cdn.test', persist: true })
      .on('GET', '/token', { status: 200, body: { token: 'cdn-token' } }, { origin: 'https://cdn.test', persist: true });

    const error = await rejection(mock.client({ credentials, retry: false }).getBlob('registry.test/app', DIGEST));

    expect(error).toBeInstanceOf(RegistryError);
    expect(error).not.toBeInstanceOf(AuthError);
    expect((error as RegistryError).status).toBe(401);
    const atCdn = mock.filter(undefined, undefined, 'https://cdn.test');
    expect(atCdn.map((r) => r.path)).toEqual(['/blobs/abc?sig=1']);
    expect(atCdn[0]?.headers['authorization']).toBeUndefined();
    // The registry saw its challenge answered once, and nothing more.
    expect(mock.filter('GET', BLOB_PATH).map((r) => r.headers['authorization'])).toEqual([undefined, BASIC]);
  });
});

describe('redirects and realms aimed inside the network of a public registry are refused', () => {
  it.each(['https://127.0.0.1/blob', 'https://localhost:8443/blob', 'https://10.1.2.3/blob', 'https://192.168.1.1/blob', 'https://[::1]/blob', 'https://[fd00::1]/blob'])(
    'redirect of a blob GET to %s',
    async (location) => {
      mock.on('GET', BLOB_PATH, basicChallenge).on('GET', BLOB_PATH, { status: 302, headers: { location } });

      const error = await rejection(mock.client({ credentials }).getBlob('registry.test/app', DIGEST));

      expect(error).toBeInstanceOf(UnsafeRequestError);
      expect(error.message).toMatch(/internal address/);
      expect(mock.requests.every((r) => r.origin === 'https://registry.test')).toBe(true);
      expect(mock.requests).toHaveLength(2);
    },
  );

  it.each(['https://127.0.0.1:5001/token', 'https://10.0.0.7/token', 'https://169.254.169.254/token'])('token realm %s', async (realm) => {
    mock.on('GET', MANIFEST_PATH, { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service="registry.test"` } });

    const error = await rejection(mock.client({ credentials }).getManifest(REF));

    expect(error).toBeInstanceOf(UnsafeRequestError);
    expect(mock.requests).toHaveLength(1);
  });

  it('refuses a token realm over plain HTTP even on a loopback registry that is reached over HTTPS', async () => {
    const m = ociManifest();
    mock
      .on('GET', '/v2/', { status: 200, body: {} }, { origin: 'https://127.0.0.1:5000' })
      .on('GET', MANIFEST_PATH, { status: 401, headers: { 'www-authenticate': 'Bearer realm="http://127.0.0.1:5001/token"' } }, { origin: 'https://127.0.0.1:5000' })
      .on('GET', MANIFEST_PATH, manifestReply(m), { origin: 'https://127.0.0.1:5000' });

    const error = await rejection(mock.client().getManifest('127.0.0.1:5000/app:1.0'));

    expect(error).toBeInstanceOf(UnsafeRequestError);
    expect(mock.count(undefined, undefined, 'http://127.0.0.1:5001')).toBe(0);
  });

  it('lets a loopback registry use a token realm on loopback (a local test setup)', async () => {
    const m = ociManifest();
    mock
      .fail('GET', '/v2/', Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), { origin: 'https://127.0.0.1:5000' })
      .on('GET', MANIFEST_PATH, { status: 401, headers: { 'www-authenticate': 'Bearer realm="http://127.0.0.1:5001/token",service="local"' } }, { origin: 'http://127.0.0.1:5000' })
      .on('GET', '/token', { status: 200, body: { token: 'local-token' } }, { origin: 'http://127.0.0.1:5001' })
      .on('GET', MANIFEST_PATH, manifestReply(m), { origin: 'http://127.0.0.1:5000' });

    const result = await mock.client().getManifest('127.0.0.1:5000/app:1.0');

    expect(result.descriptor.digest).toBe(m.digest);
    expect(mock.filter('GET', MANIFEST_PATH, 'http://127.0.0.1:5000')[1]?.headers['authorization']).toBe('Bearer local-token');
  });
});

describe('secrets echoed back by a registry', () => {
  it('are removed from the error message and from the error details kept on the error', async () => {
    const token = 'echoed-token-0123456789abcdef';
    mock
      .on('GET', MANIFEST_PATH, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://registry.test/token",service="registry.test"' } })
      .on('GET', '/token', { status: 200, body: { token } })
      .on('GET', MANIFEST_PATH, {
        status: 403,
        headers: { 'content-type': 'application/json' },
        body: {
          errors: [
            {
              code: 'DENIED',
              message: `token ${token} of alice:${PASSWORD} was denied; see https://alice:${PASSWORD}@registry.test/v2/`,
              detail: { header: `Bearer ${token}`, password: PASSWORD, url: `https://s3.test/x?X-Amz-Signature=deadbeef01&partNumber=1` },
            },
          ],
        },
      });

    const error = (await rejection(mock.client({ credentials }).getManifest(REF))) as RegistryError;

    expect(error).toBeInstanceOf(RegistryError);
    expect(error.codes).toEqual(['DENIED']);
    const exposed = [error.message, error.stack, JSON.stringify(error), JSON.stringify(error.errors)].join('\n');
    for (const secret of [token, PASSWORD, 'deadbeef01']) expect(exposed).not.toContain(secret);
    expect(JSON.stringify(error.errors[0]?.detail)).toContain('partNumber=1');
  });
});
