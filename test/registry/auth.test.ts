import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { codes, pushBlob, raw, sha256 } from '../helpers/registry-helpers.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('basic auth', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { basic: { username: 'alice', password: 's3cret-pass' } } });
  });
  afterAll(async () => {
    await registry.close();
  });

  it('asks for Basic credentials on every endpoint', async () => {
    for (const path of ['/v2/', '/v2/_catalog', '/v2/app/tags/list', `/v2/app/blobs/${sha256('x')}`]) {
      const res = await raw(registry, path);
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="multiplatform"');
      expect(codes(res)).toEqual(['UNAUTHORIZED']);
    }
    const push = await raw(registry, `/v2/app/blobs/uploads/?digest=${sha256('x')}`, { method: 'POST', body: 'x' });
    expect(push.status).toBe(401);
  });

  it('refuses wrong credentials without echoing them', async () => {
    const res = await raw(registry, '/v2/', { headers: { Authorization: basic('alice', 'wrong-password') } });
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('wrong-password');
    expect((await raw(registry, '/v2/', { headers: { Authorization: basic('bob', 's3cret-pass') } })).status).toBe(401);
  });

  it('serves with the right credentials', async () => {
    const auth = { Authorization: basic('alice', 's3cret-pass') };
    expect((await raw(registry, '/v2/', { headers: auth })).status).toBe(200);
    const digest = await pushBlob(registry, 'app', 'basic content', auth);
    expect((await raw(registry, `/v2/app/blobs/${digest}`, { headers: auth })).text).toBe('basic content');
    expect((await raw(registry, '/v2/_catalog', { headers: auth })).json().repositories).toEqual(['app']);
  });
});

interface Challenge {
  realm: string;
  service: string;
  scope?: string;
  error?: string;
}

function parseChallenge(header: string | undefined): Challenge {
  expect(header).toMatch(/^Bearer /);
  const params: Record<string, string> = {};
  for (const m of (header as string).slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[m[1] as string] = m[2] as string;
  return params as unknown as Challenge;
}

describe('token auth with credentials', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({
      auth: { token: { username: 'bob', password: 'token-pass', service: 'test-registry', lifetimeSeconds: 60 } },
    });
  });
  afterAll(async () => {
    await registry.close();
  });

  async function token(scopes: string[], authorization?: string): Promise<string> {
    const query = new URLSearchParams({ service: 'test-registry' });
    for (const s of scopes) query.append('scope', s);
    const res = await raw(registry, `/token?${query}`, { headers: authorization ? { Authorization: authorization } : {} });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(60);
    expect(Date.parse(body.issued_at)).not.toBeNaN();
    return body.token;
  }
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  const user = basic('bob', 'token-pass');

  it('challenges with realm, service and scope', async () => {
    const base = parseChallenge((await raw(registry, '/v2/')).headers['www-authenticate'] as string);
    expect(base).toEqual({ realm: `${registry.url}/token`, service: 'test-registry' });
    const pull = await raw(registry, `/v2/team/app/manifests/latest`);
    expect(pull.status).toBe(401);
    expect(codes(pull)).toEqual(['UNAUTHORIZED']);
    expect(parseChallenge(pull.headers['www-authenticate'] as string)).toEqual({
      realm: `${registry.url}/token`,
      service: 'test-registry',
      scope: 'repository:team/app:pull',
    });
    const push = await raw(registry, '/v2/team/app/blobs/uploads/', { method: 'POST' });
    expect(parseChallenge(push.headers['www-authenticate'] as string).scope).toBe('repository:team/app:pull,push');
    const del = await raw(registry, `/v2/team/app/manifests/${sha256('x')}`, { method: 'DELETE' });
    expect(parseChallenge(del.headers['www-authenticate'] as string).scope).toBe('repository:team/app:delete');
    const catalog = await raw(registry, '/v2/_catalog');
    expect(parseChallenge(catalog.headers['www-authenticate'] as string).scope).toBe('registry:catalog:*');
  });

  it('a user token with the scopes can push, pull and delete; stats count token requests', async () => {
    const before = registry.stats.tokenRequests;
    const t = await token(['repository:team/app:pull,push,delete'], user);
    expect(registry.stats.tokenRequests).toBe(before + 1);
    const digest = await pushBlob(registry, 'team/app', 'token content', bearer(t));
    expect((await raw(registry, `/v2/team/app/blobs/${digest}`, { headers: bearer(t) })).text).toBe('token content');
    expect((await raw(registry, '/v2/', { headers: bearer(t) })).status).toBe(200);
    expect((await raw(registry, `/v2/team/app/blobs/${digest}`, { method: 'DELETE', headers: bearer(t) })).status).toBe(202);
  });

  it('a pull-only token cannot push: 401 insufficient_scope', async () => {
    const t = await token(['repository:team/app:pull'], user);
    const res = await raw(registry, '/v2/team/app/blobs/uploads/', { method: 'POST', headers: bearer(t) });
    expect(res.status).toBe(401);
    const challenge = parseChallenge(res.headers['www-authenticate'] as string);
    expect(challenge.error).toBe('insufficient_scope');
    expect(challenge.scope).toBe('repository:team/app:pull,push');
    // scopes are per repository
    expect((await raw(registry, '/v2/team/other/tags/list', { headers: bearer(t) })).status).toBe(401);
  });

  it('anonymous callers get pull only; the catalog needs registry:catalog:*', async () => {
    const anonymous = await token(['repository:team/app:pull,push', 'registry:catalog:*']);
    const push = await raw(registry, '/v2/team/app/blobs/uploads/', { method: 'POST', headers: bearer(anonymous) });
    expect(push.status).toBe(401);
    expect(parseChallenge(push.headers['www-authenticate'] as string).error).toBe('insufficient_scope');
    const catalogAnon = await raw(registry, '/v2/_catalog', { headers: bearer(anonymous) });
    expect(catalogAnon.status).toBe(401);
    const pull = await raw(registry, '/v2/team/app/tags/list', { headers: bearer(anonymous) });
    expect(pull.status).not.toBe(401);

    const catalogToken = await token(['registry:catalog:*'], user);
    expect((await raw(registry, '/v2/_catalog', { headers: bearer(catalogToken) })).status).toBe(200);
  });

  it('wrong credentials at the token endpoint are 401', async () => {
    const res = await raw(registry, '/token?scope=repository:team/app:pull', { headers: { Authorization: basic('bob', 'nope') } });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="multiplatform"');
  });

  it('unknown and malformed tokens are refused with error="invalid_token"', async () => {
    const res = await raw(registry, '/v2/', { headers: { Authorization: 'Bearer mpt_made_up' } });
    expect(res.status).toBe(401);
    expect(parseChallenge(res.headers['www-authenticate'] as string).error).toBe('invalid_token');
    expect((await raw(registry, '/v2/', { headers: { Authorization: user } })).status).toBe(401);
  });

  it('a mount needs pull on from', async () => {
    const pushAll = await token(['repository:team/src:pull,push'], user);
    const digest = await pushBlob(registry, 'team/src', 'mount me', bearer(pushAll));
    const dstOnly = await token(['repository:team/dst:pull,push'], user);
    const denied = await raw(registry, `/v2/team/dst/blobs/uploads/?mount=${digest}&from=team/src`, { method: 'POST', headers: bearer(dstOnly) });
    expect(denied.status).toBe(401);
    expect(parseChallenge(denied.headers['www-authenticate'] as string).scope).toBe('repository:team/dst:pull,push repository:team/src:pull');
    const both = await token(['repository:team/dst:pull,push', 'repository:team/src:pull'], user);
    const mounted = await raw(registry, `/v2/team/dst/blobs/uploads/?mount=${digest}&from=team/src`, { method: 'POST', headers: bearer(both) });
    expect(mounted.status).toBe(201);
  });

  it('POST /token: password grant gives a refresh token; refresh_token grant works; client_id is required', async () => {
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const password = await raw(registry, '/token', form({ grant_type: 'password', username: 'bob', password: 'token-pass', client_id: 'tests', service: 'test-registry', scope: 'repository:team/app:pull,push' }));
    expect(password.status).toBe(200);
    const { access_token, refresh_token } = password.json();
    expect(typeof refresh_token).toBe('string');
    const digest = await pushBlob(registry, 'team/app', 'oauth content', bearer(access_token));

    const refreshed = await raw(registry, '/token', form({ grant_type: 'refresh_token', refresh_token, client_id: 'tests', service: 'test-registry', scope: 'repository:team/app:pull' }));
    expect(refreshed.status).toBe(200);
    const t = refreshed.json().access_token;
    expect((await raw(registry, `/v2/team/app/blobs/${digest}`, { headers: bearer(t) })).status).toBe(200);

    const wrong = await raw(registry, '/token', form({ grant_type: 'password', username: 'bob', password: 'bad', client_id: 'tests' }));
    expect(wrong.status).toBe(401);
    expect(wrong.json().error).toBe('invalid_grant');
    const noClient = await raw(registry, '/token', form({ grant_type: 'password', username: 'bob', password: 'token-pass' }));
    expect(noClient.status).toBe(400);
    expect(noClient.json().error).toBe('invalid_request');
    const badRefresh = await raw(registry, '/token', form({ grant_type: 'refresh_token', refresh_token: 'nope', client_id: 'tests' }));
    expect(badRefresh.status).toBe(401);
    const badGrant = await raw(registry, '/token', form({ grant_type: 'client_credentials', client_id: 'tests' }));
    expect(badGrant.json().error).toBe('unsupported_grant_type');
  });

  it('GET /token with offline_token=true returns a refresh token to authenticated users', async () => {
    const res = await raw(registry, '/token?service=test-registry&offline_token=true&scope=repository:team/app:pull', { headers: { Authorization: user } });
    expect(typeof res.json().refresh_token).toBe('string');
    const anon = await raw(registry, '/token?service=test-registry&offline_token=true&scope=repository:team/app:pull');
    expect(anon.json().refresh_token).toBeUndefined();
  });
});

describe('token auth without credentials, short-lived tokens', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { token: { lifetimeSeconds: 1 } } });
  });
  afterAll(async () => {
    await registry.close();
  });

  it('grants what is asked, and the token expires', async () => {
    const res = await raw(registry, '/token?service=multiplatform&scope=repository:x:pull,push');
    const { token, expires_in } = res.json();
    expect(expires_in).toBe(1);
    const headers = { Authorization: `Bearer ${token}` };
    await pushBlob(registry, 'x', 'granted', headers);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await raw(registry, '/v2/x/tags/list', { headers });
    expect(expired.status).toBe(401);
    expect(parseChallenge(expired.headers['www-authenticate'] as string).error).toBe('invalid_token');
  });

  it('the realm follows the Host header the client used', async () => {
    const res = await raw(registry, '/v2/', { headers: { Host: `localhost:${registry.port}` } });
    expect(parseChallenge(res.headers['www-authenticate'] as string).realm).toBe(`http://localhost:${registry.port}/token`);
  });
});

describe('auth options are validated', () => {
  it.each([
    [{ auth: { basic: { username: '', password: 'x' } } }, /auth.basic/],
    [{ auth: { token: { username: 'only-user' } } }, /both username and password/],
    [{ auth: { token: { lifetimeSeconds: 0 } } }, /lifetimeSeconds/],
    [{ auth: {} }, /auth must be/],
    [{ port: 70000 }, /port/],
    [{ maxManifestBytes: -1 }, /maxManifestBytes/],
    [{ storage: { dir: '' } }, /storage/],
  ])('%j is refused', async (options, message) => {
    await expect(startRegistry(options as never)).rejects.toThrow(message);
  });
});
