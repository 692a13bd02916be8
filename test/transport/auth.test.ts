/**
 * Authentication edge cases of RegistryClient against a scripted registry and token server
 * (undici MockAgent, network disabled): Basic and Bearer challenges, where credentials may go,
 * token caching and lifetime, refusal without loops, identity tokens, unsafe realms.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, UnsafeRequestError } from '../../src/errors.js';
import { errorReply, manifestReply, ociManifest, rejection, sha256, type Reply, useMockRegistry } from '../helpers/mock-registry.js';

const MANIFEST_PATH = '/v2/app/manifests/1.0';
const REF = 'registry.test/app:1.0';
const PASSWORD = 'alice-Pa55word-xyz';
const credentials = { 'registry.test': { username: 'alice', password: PASSWORD } };
const BASIC = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
const AUTH_ORIGIN = 'https://auth.registry.test';

function bearerChallenge(realm = `${AUTH_ORIGIN}/token`, extra = ''): Reply {
  return {
    status: 401,
    body: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
    headers: { 'www-authenticate': `Bearer realm="${realm}",service="registry.test",scope="repository:app:pull"${extra}`, 'content-type': 'application/json' },
  };
}

function tokenReply(token: string, extra: Record<string, unknown> = {}): Reply {
  return { status: 200, body: { token, ...extra }, headers: { 'content-type': 'application/json' } };
}

const mock = useMockRegistry();
afterEach(() => {
  vi.useRealTimers();
});

describe('Basic', () => {
  it('answers a Basic challenge with the configured credentials', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, { status: 401, headers: { 'www-authenticate': 'Basic realm="Registry Realm"' } }).on('GET', MANIFEST_PATH, manifestReply(m));
    const client = mock.client({ credentials });

    const result = await client.getManifest(REF);

    expect(result.descriptor.digest).toBe(m.digest);
    const sent = mock.filter('GET', MANIFEST_PATH).map((r) => r.headers['authorization']);
    expect(sent).toEqual([undefined, BASIC]);
    expect(client.tokenRequests).toBe(0);
  });

  it('sends Basic up front once the registry is known to want it', async () => {
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } })
      .on('GET', MANIFEST_PATH, manifestReply(m), { times: 2 });
    const client = mock.client({ credentials });
    await client.getManifest(REF);
    await client.getManifest(REF);
    expect(mock.filter('GET', MANIFEST_PATH).map((r) => r.headers['authorization'])).toEqual([undefined, BASIC, BASIC]);
  });

  it('fails with AuthError, not a loop, when the credentials are refused', async () => {
    mock.on('GET', MANIFEST_PATH, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }, { persist: true });
    const error = await rejection(mock.client({ credentials }).getManifest(REF));
    expect(error).toBeInstanceOf(AuthError);
    const authError = error as AuthError;
    expect(authError.registry).toBe('registry.test');
    expect(authError.source).toBe('options');
    expect(authError.status).toBe(401);
    expect(authError.message).not.toContain(PASSWORD);
    expect(authError.message).not.toContain(BASIC.slice(6));
    expect(mock.count('GET', MANIFEST_PATH)).toBe(2);
  });

  it('says that no credentials were found when a Basic registry is used anonymously', async () => {
    mock.on('GET', MANIFEST_PATH, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }, { persist: true });
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).source).toBe('anonymous');
    expect(error.message).toMatch(/no username\/password/);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
  });

  it('refuses a 401 without any usable challenge', async () => {
    mock.on('GET', MANIFEST_PATH, { status: 401 }, { persist: true });
    const error = await rejection(mock.client({ credentials }).getManifest(REF));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/without a usable WWW-Authenticate/);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(1);
  });
});

describe('Bearer', () => {
  it('fetches a token from the realm with service, scope and account, then retries with it', async () => {
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', tokenReply('token-one'), { origin: AUTH_ORIGIN })
      .on('GET', MANIFEST_PATH, manifestReply(m));
    const client = mock.client({ credentials });

    await client.getManifest(REF);

    const [tokenRequest] = mock.filter('GET', '/token', AUTH_ORIGIN);
    expect(tokenRequest?.url.searchParams.get('service')).toBe('registry.test');
    expect(tokenRequest?.url.searchParams.getAll('scope')).toEqual(['repository:app:pull']);
    expect(tokenRequest?.url.searchParams.get('account')).toBe('alice');
    expect(tokenRequest?.headers['authorization']).toBe(BASIC);
    expect(mock.filter('GET', MANIFEST_PATH).map((r) => r.headers['authorization'])).toEqual([undefined, 'Bearer token-one']);
    expect(client.tokenRequests).toBe(1);
  });

  it.each([
    ['the registry host itself', 'https://registry.test', [], true],
    ['a host listed in trustedTokenRealms', AUTH_ORIGIN, ['auth.registry.test'], true],
    ['a host of the same parent domain that is not listed', AUTH_ORIGIN, [], false],
    ['another domain', 'https://evil.example', ['auth.registry.test'], false],
  ])('sends credentials to a realm on %s: %s', async (_label, realmOrigin, trustedTokenRealms, getsCredentials) => {
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge(`${realmOrigin}/token`))
      .on('GET', '/token', tokenReply('t-123'), { origin: realmOrigin })
      .on('GET', MANIFEST_PATH, manifestReply(m));

    await mock.client({ credentials, trustedTokenRealms }).getManifest(REF);

    const [tokenRequest] = mock.filter('GET', '/token', realmOrigin);
    expect(tokenRequest).toBeDefined();
    if (getsCredentials) {
      expect(tokenRequest?.headers['authorization']).toBe(BASIC);
      expect(tokenRequest?.url.searchParams.get('account')).toBe('alice');
    } else {
      expect(tokenRequest?.headers['authorization']).toBeUndefined();
      expect(tokenRequest?.url.searchParams.has('account')).toBe(false);
      expect(tokenRequest?.url.searchParams.get('scope')).toBe('repository:app:pull');
    }
  });

  it('asks for every scope a request needs (mount: push on the target, pull on the source)', async () => {
    // The existence probe before a push already asks for push, so one token serves probe and upload.
    const digest = sha256('mounted blob');
    mock
      .on('HEAD', `/v2/app/blobs/${digest}`, bearerChallenge())
      .on('GET', '/token', (req) => tokenReply(`t-${req.url.searchParams.getAll('scope').length}`), { origin: AUTH_ORIGIN, times: 2 })
      .on('HEAD', `/v2/app/blobs/${digest}`, { status: 404 })
      .on('POST', '/v2/app/blobs/uploads/', { status: 201, headers: { location: `/v2/app/blobs/${digest}` } });

    const result = await mock.client({ credentials }).mountBlob('registry.test/app', digest, { from: 'registry.test/base', size: 12 });

    expect(result.outcome).toBe('mounted');
    const scopes = mock.filter('GET', '/token', AUTH_ORIGIN).map((r) => r.url.searchParams.getAll('scope'));
    expect(scopes).toEqual([['repository:app:pull,push'], ['repository:app:pull,push', 'repository:base:pull']]);
    const [post] = mock.filter('POST');
    expect(post?.headers['authorization']).toBe('Bearer t-2');
    expect(post?.url.searchParams.get('mount')).toBe(digest);
    expect(post?.url.searchParams.get('from')).toBe('base');
  });

  it('reuses a cached token: two manifest GETs, one token request', async () => {
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', tokenReply('cached-token', { expires_in: 300 }), { origin: AUTH_ORIGIN, persist: true })
      .on('GET', MANIFEST_PATH, manifestReply(m), { times: 2 });
    const client = mock.client({ credentials });

    await client.getManifest(REF);
    await client.getManifest(REF);

    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(1);
    expect(client.tokenRequests).toBe(1);
    expect(mock.filter('GET', MANIFEST_PATH).map((r) => r.headers['authorization'])).toEqual([undefined, 'Bearer cached-token', 'Bearer cached-token']);
  });

  it('lets a cached push token serve a later pull of the same repository', async () => {
    const m = ociManifest();
    const digest = sha256('present blob');
    mock
      .on('HEAD', `/v2/app/blobs/${digest}`, bearerChallenge())
      .on('GET', '/token', (req) => tokenReply(`for ${req.url.searchParams.getAll('scope').join(' ')}`), { origin: AUTH_ORIGIN, persist: true })
      .on('HEAD', `/v2/app/blobs/${digest}`, { status: 200, headers: { 'content-length': '12' } })
      .on('GET', MANIFEST_PATH, manifestReply(m));
    const client = mock.client({ credentials });

    expect((await client.pushBlob('registry.test/app', Readable.from([Buffer.from('present blob')]), { digest })).outcome).toBe('existing');
    await client.getManifest(REF);

    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(1);
    expect(mock.filter('GET', MANIFEST_PATH)[0]?.headers['authorization']).toBe('Bearer for repository:app:pull,push');
  });

  it('shares one token fetch between concurrent requests', async () => {
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge(), { times: 3 })
      .on('GET', '/token', tokenReply('shared'), { origin: AUTH_ORIGIN, persist: true, delayMs: 30 })
      .on('GET', MANIFEST_PATH, manifestReply(m), { times: 3 });
    const client = mock.client({ credentials });

    await Promise.all([client.getManifest(REF), client.getManifest(REF), client.getManifest(REF)]);

    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(1);
  });

  it.each([
    [60, 2],
    [3600, 1],
  ])('honours expires_in=%i: a minute later the token is fetched again only when it expired', async (expiresIn, tokenRequests) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const m = ociManifest();
    let n = 0;
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', () => tokenReply(`token-${++n}`, { expires_in: expiresIn }), { origin: AUTH_ORIGIN, persist: true })
      .on('GET', MANIFEST_PATH, manifestReply(m), { times: 2 });
    const client = mock.client({ credentials });

    await client.getManifest(REF);
    vi.setSystemTime(Date.now() + 61_000);
    await client.getManifest(REF);

    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(tokenRequests);
    expect(mock.filter('GET', MANIFEST_PATH).at(-1)?.headers['authorization']).toBe(`Bearer token-${tokenRequests}`);
  });

  it('refreshes a token that expires within seconds', async () => {
    const m = ociManifest();
    let n = 0;
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', () => tokenReply(`short-${++n}`, { expires_in: 1 }), { origin: AUTH_ORIGIN, persist: true })
      .on('GET', MANIFEST_PATH, manifestReply(m), { times: 2 });
    const client = mock.client({ credentials });

    await client.getManifest(REF);
    await new Promise((r) => setTimeout(r, 1000));
    await client.getManifest(REF);

    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(2);
    expect(mock.filter('GET', MANIFEST_PATH).map((r) => r.headers['authorization'])).toEqual([undefined, 'Bearer short-1', 'Bearer short-2']);
  });

  it('fails with AuthError when the fresh token is refused too, after a bounded number of requests', async () => {
    const token = 'fresh-but-refused-token';
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge(undefined, ',error="insufficient_scope"'), { persist: true })
      .on('GET', '/token', tokenReply(token), { origin: AUTH_ORIGIN, persist: true });

    const error = await rejection(mock.client({ credentials }).getManifest(REF));

    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(401);
    expect((error as AuthError).source).toBe('options');
    expect(error.message).toMatch(/insufficient_scope/);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(token);
    expect(mock.count('GET', MANIFEST_PATH)).toBe(2);
    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(1);
  });

  it('drops a cached token the registry stops accepting and fetches one new token only', async () => {
    const m = ociManifest();
    let n = 0;
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', () => tokenReply(`tok-${++n}`, { expires_in: 3600 }), { origin: AUTH_ORIGIN, persist: true })
      .on('GET', MANIFEST_PATH, manifestReply(m))
      .on('GET', MANIFEST_PATH, bearerChallenge(undefined, ',error="invalid_token"'), { persist: true });
    const client = mock.client({ credentials });

    await client.getManifest(REF);
    const error = await rejection(client.getManifest(REF));

    expect(error).toBeInstanceOf(AuthError);
    expect(mock.filter('GET', MANIFEST_PATH).map((r) => r.headers['authorization'])).toEqual([undefined, 'Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(2);
  });

  it('reports a token server that refuses the credentials', async () => {
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', errorReply(401, 'UNAUTHORIZED'), { origin: AUTH_ORIGIN, persist: true });
    const error = await rejection(mock.client({ credentials }).getManifest(REF));
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(401);
    expect(error.message).toContain('auth.registry.test');
    expect(error.message).not.toContain(PASSWORD);
    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(1);
  });

  it('retries a token server that answers 503 once', async () => {
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', errorReply(503, 'UNAVAILABLE'), { origin: AUTH_ORIGIN })
      .on('GET', '/token', tokenReply('after-503'), { origin: AUTH_ORIGIN })
      .on('GET', MANIFEST_PATH, manifestReply(m));
    const client = mock.client({ credentials });
    await client.getManifest(REF);
    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(2);
    expect(mock.filter('GET', MANIFEST_PATH)[1]?.headers['authorization']).toBe('Bearer after-503');
  });

  it('sends Docker Hub credentials (kept under docker.io) to auth.docker.io for registry-1.docker.io', async () => {
    const m = ociManifest();
    const hub = 'https://registry-1.docker.io';
    const realm = 'https://auth.docker.io';
    mock
      .on('GET', '/v2/library/alpine/manifests/3', { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}/token",service="registry.docker.io"` } }, { origin: hub })
      .on('GET', '/token', tokenReply('hub-token'), { origin: realm })
      .on('GET', '/v2/library/alpine/manifests/3', manifestReply(m), { origin: hub });

    await mock.client({ credentials: { 'docker.io': { username: 'alice', password: PASSWORD } } }).getManifest('alpine:3');

    const [tokenRequest] = mock.filter('GET', '/token', realm);
    expect(tokenRequest?.headers['authorization']).toBe(BASIC);
    expect(tokenRequest?.url.searchParams.get('service')).toBe('registry.docker.io');
    expect(tokenRequest?.url.searchParams.get('scope')).toBe('repository:library/alpine:pull');
    expect(mock.filter('GET', '/v2/library/alpine/manifests/3', hub)[1]?.headers['authorization']).toBe('Bearer hub-token');
  });

  it('exchanges an identity token with a refresh_token POST', async () => {
    const identityToken = 'identity-refresh-token-0123';
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('POST', '/token', { status: 200, body: { access_token: 'from-refresh', expires_in: 300 } }, { origin: AUTH_ORIGIN })
      .on('GET', MANIFEST_PATH, manifestReply(m));

    await mock.client({ credentials: { 'registry.test': { identityToken } } }).getManifest(REF);

    const [post] = mock.filter('POST', '/token', AUTH_ORIGIN);
    expect(post?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(String(post?.body));
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe(identityToken);
    expect(form.get('service')).toBe('registry.test');
    expect(form.get('scope')).toBe('repository:app:pull');
    expect(form.get('client_id')).toBeTruthy();
    expect(mock.count('GET', '/token', AUTH_ORIGIN)).toBe(0);
    expect(mock.filter('GET', MANIFEST_PATH)[1]?.headers['authorization']).toBe('Bearer from-refresh');
  });

  it('sends a ready registry token as it is, without a token request', async () => {
    const m = ociManifest();
    mock.on('GET', MANIFEST_PATH, bearerChallenge()).on('GET', MANIFEST_PATH, manifestReply(m));
    const client = mock.client({ credentials: { 'registry.test': { registryToken: 'ready-made-token' } } });
    await client.getManifest(REF);
    expect(mock.filter('GET', MANIFEST_PATH)[1]?.headers['authorization']).toBe('Bearer ready-made-token');
    expect(mock.count(undefined, undefined, AUTH_ORIGIN)).toBe(0);
  });

  it.each(['token', 'access_token'])('accepts the token in the %s field', async (field) => {
    const m = ociManifest();
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', { status: 200, body: { [field]: `via-${field}` } }, { origin: AUTH_ORIGIN })
      .on('GET', MANIFEST_PATH, manifestReply(m));
    await mock.client().getManifest(REF);
    expect(mock.filter('GET', MANIFEST_PATH)[1]?.headers['authorization']).toBe(`Bearer via-${field}`);
  });

  it('rejects a token response without any token', async () => {
    mock
      .on('GET', MANIFEST_PATH, bearerChallenge())
      .on('GET', '/token', { status: 200, body: { expires_in: 300 } }, { origin: AUTH_ORIGIN });
    const error = await rejection(mock.client().getManifest(REF));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/without a token/);
  });

  it('refuses a plain-HTTP token realm for an HTTPS registry', async () => {
    mock.on('GET', MANIFEST_PATH, bearerChallenge('http://auth.registry.test/token'));
    const error = await rejection(mock.client({ credentials }).getManifest(REF));
    expect(error).toBeInstanceOf(UnsafeRequestError);
    expect(error.message).toMatch(/plain-HTTP token realm/);
    expect(mock.count(undefined, undefined, 'http://auth.registry.test')).toBe(0);
    expect(mock.requests).toHaveLength(1);
  });

  it('refuses a token realm at the cloud metadata address for a public registry', async () => {
    mock.on('GET', MANIFEST_PATH, bearerChallenge('https://169.254.169.254/latest/meta-data/token'));
    const error = await rejection(mock.client({ credentials }).getManifest(REF));
    expect(error).toBeInstanceOf(UnsafeRequestError);
    expect(error.message).toMatch(/internal address/);
    expect(mock.count(undefined, undefined, 'https://169.254.169.254')).toBe(0);
    expect(mock.requests).toHaveLength(1);
  });

  it('never sends the registry credentials to an upload URL on another origin', async () => {
    const bytes = Buffer.from('blob for another origin');
    const digest = sha256(bytes);
    mock
      .on('HEAD', `/v2/app/blobs/${digest}`, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } })
      .on('HEAD', `/v2/app/blobs/${digest}`, { status: 404 })
      .on('POST', '/v2/app/blobs/uploads/', { status: 202, headers: { location: 'https://uploads.storage.test/session/1?sig=s' } })
      .on('PUT', '/session/1', { status: 201 }, { origin: 'https://uploads.storage.test' });

    const result = await mock.client({ credentials }).pushBlob('registry.test/app', bytes);

    expect(result.outcome).toBe('uploaded');
    const [put] = mock.filter('PUT', '/session/1', 'https://uploads.storage.test');
    expect(put?.headers['authorization']).toBeUndefined();
    expect(put?.url.searchParams.get('digest')).toBe(digest);
    expect(mock.filter('POST')[0]?.headers['authorization']).toBe(BASIC);
  });
});
