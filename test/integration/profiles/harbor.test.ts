/**
 * The `harbor` profile: each test first shows the quirk with a plain request, then what the client does with it.
 * Sources: docs/registries.md#harbor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBlobMirror, startRegistry, type RunningRegistry } from '../../../src/registry/index.js';
import { codes, raw } from '../../helpers/registry-helpers.js';
import { profileClient, pushTestImage, unique } from './profile-helpers.js';

const USER = 'harbor-robot';
const PASSWORD = 'harbor-secret';
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry({ profile: 'harbor', auth: { token: { username: USER, password: PASSWORD, service: 'harbor-registry' } } });
});
afterAll(async () => {
  await registry?.close();
});

const client = () => profileClient({ credentials: { [registry.host]: { username: USER, password: PASSWORD } } });

async function token(scope: string): Promise<string> {
  const res = await raw(registry, `/token?service=harbor-registry&scope=${encodeURIComponent(scope)}`, { headers: { Authorization: basic } });
  return res.json().token as string;
}

describe('harbor profile', () => {
  it('answers a mount from another project with 401; the client uploads instead, without an authentication loop', async () => {
    const source = unique('other/app');
    const target = unique('mine/app');
    const image = await pushTestImage(client(), `${registry.host}/${source}:1`, 'amd64');
    const layer = image.layers[0]!;
    const bearer = await token(`repository:${target}:pull,push repository:${source}:pull`);
    const res = await raw(registry, `/v2/${target}/blobs/uploads/?mount=${layer.digest}&from=${source}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}` },
    });
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHORIZED']);
    expect(res.json().errors[0].message).toMatch(/^project other not found/);

    const c = client();
    const posts = registry.stats.byRoute['POST upload'] ?? 0;
    const tokens = registry.stats.tokenRequests;
    const result = await c.mountBlob(`${registry.host}/${target}`, layer.digest, { from: `${registry.host}/${source}` });
    expect(result.outcome).toBe('uploaded');
    expect((await c.getBlobBytes(`${registry.host}/${target}`, layer.digest)).equals(layer.bytes)).toBe(true);
    expect((registry.stats.byRoute['POST upload'] ?? 0) - posts).toBeLessThanOrEqual(3);
    expect(registry.stats.tokenRequests - tokens).toBeLessThanOrEqual(4);

    const copied = await c.copyBlob(`${registry.host}/${source}`, `${registry.host}/${unique('mine/copy')}`, image.config.digest);
    expect(copied.outcome).toBe('uploaded');

    const list = await c.pushManifestList({ image: `${registry.host}/${unique('mine/list')}:1`, manifests: [{ image: `${registry.host}/${source}:1` }] });
    expect(list.plan).toHaveLength(1);
  });

  it('serves blobs through a presigned URL elsewhere: the client follows it without sending Authorization there', async () => {
    const name = unique('mine/redirected');
    const image = await pushTestImage(client(), `${registry.host}/${name}:1`, 'amd64');
    const mirror = await startBlobMirror(registry);
    try {
      registry.faults.add({ method: 'GET', path: /\/blobs\/sha256:/, redirectTo: mirror.url, times: Number.POSITIVE_INFINITY });
      const bearer = await token(`repository:${name}:pull`);
      const res = await raw(registry, `/v2/${name}/blobs/${image.config.digest}`, { headers: { Authorization: `Bearer ${bearer}` } });
      expect(res.status).toBe(307);
      expect(res.headers.location).toContain(mirror.url);

      const bytes = await client().getBlobBytes(`${registry.host}/${name}`, image.config.digest);
      expect(bytes.equals(image.config.bytes)).toBe(true);
      expect(mirror.requests.length).toBeGreaterThan(0);
      expect(mirror.requests.every((r) => !r.hadAuthorization)).toBe(true);
    } finally {
      registry.faults.clear();
      await mirror.close();
    }
  });
});
