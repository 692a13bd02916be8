/**
 * The `dockerhub` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#docker-hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, RegistryError } from '../../../src/errors.js';
import { startRegistry, type RunningRegistry } from '../../../src/registry/index.js';
import { codes, raw } from '../../helpers/registry-helpers.js';
import { profileClient, pushTestImage, unique } from './profile-helpers.js';

const USER = 'hub-user';
const PASSWORD = 'hub-password';
const SERVICE = 'registry.docker.io';
const PULL_LIMIT = 3;

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry({
    profile: { name: 'dockerhub', pullLimit: PULL_LIMIT },
    auth: { token: { username: USER, password: PASSWORD, service: SERVICE } },
  });
});
afterAll(async () => {
  await registry?.close();
});

const pusher = () => profileClient({ credentials: { [registry.host]: { username: USER, password: PASSWORD } } });

async function anonymousToken(scope: string): Promise<string> {
  const res = await raw(registry, `/token?service=${SERVICE}&scope=${encodeURIComponent(scope)}`);
  expect(res.status).toBe(200);
  return res.json().token as string;
}

describe('dockerhub profile', () => {
  it('answers an unknown repository with 401 even to a valid token; the client reports "not found or not authorized" without looping', async () => {
    const name = unique('library/nothing');
    const token = await anonymousToken(`repository:${name}:pull`);
    const res = await raw(registry, `/v2/${name}/manifests/latest`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHORIZED']);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');

    const client = profileClient();
    const before = registry.stats.tokenRequests;
    const error = await client.getManifest(`${registry.host}/${name}:latest`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/not found or not authorized/);
    expect(registry.stats.tokenRequests - before).toBeLessThanOrEqual(2);
  });

  it('sends the pull quota on every response, counts manifest GETs only and answers 429 once spent; the client exposes it as rateLimit', async () => {
    const ref = `${registry.host}/${unique('library/app')}`;
    const image = await pushTestImage(pusher(), `${ref}:1`, 'amd64');
    const name = ref.slice(registry.host.length + 1);
    const token = await anonymousToken(`repository:${name}:pull`);
    const auth = { Authorization: `Bearer ${token}` };

    const base = await raw(registry, '/v2/');
    expect(base.headers['ratelimit-limit']).toBe(`${PULL_LIMIT};w=21600`);
    const head = await raw(registry, `/v2/${name}/manifests/1`, { method: 'HEAD', headers: auth });
    expect(head.headers['ratelimit-remaining']).toBe(`${PULL_LIMIT};w=21600`);
    const get = await raw(registry, `/v2/${name}/manifests/1`, { headers: auth });
    expect(get.status).toBe(200);
    expect(get.headers['ratelimit-remaining']).toBe(`${PULL_LIMIT - 1};w=21600`);

    const client = profileClient({ retry: false });
    for (let i = 0; i < 5; i++) expect((await client.headManifest(`${ref}:1`)).digest).toBe(image.manifest.digest);
    await client.getManifest(`${ref}:1`);
    await client.getManifest(`${ref}:1`);
    const spent = await raw(registry, `/v2/${name}/manifests/1`, { headers: auth });
    expect(spent.status).toBe(429);
    expect(codes(spent)).toEqual(['TOOMANYREQUESTS']);

    const error = await client.getManifest(`${ref}:1`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(429);
    expect((error as RegistryError).rateLimit).toEqual({ limit: PULL_LIMIT, remaining: 0, windowSeconds: 21600 });
    expect((await client.headManifest(`${ref}:1`)).digest).toBe(image.manifest.digest);
  });

  it('shows a plain-text (non-JSON) error body in the message', async () => {
    const open = await startRegistry({ profile: 'dockerhub' });
    try {
      const ref = `${open.host}/${unique('library/plain')}`;
      await pushTestImage(profileClient(), `${ref}:1`, 'amd64');
      const fault = { method: 'GET', path: /\/manifests\//, status: 404, body: '404 page not found\n' } as const;
      open.faults.add(fault);
      const res = await raw(open, `/v2/${ref.slice(open.host.length + 1)}/manifests/1`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.headers['ratelimit-limit']).toBe('100;w=21600');

      open.faults.add(fault);
      const error = await profileClient().getManifest(`${ref}:1`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as Error).message).toMatch(/HTTP 404: HTTP 404 \(the registry said: 404 page not found\)/);
    } finally {
      await open.close();
    }
  });
});
