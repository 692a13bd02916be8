import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { ValidationError } from '../../src/errors.js';
import { createRegistryHandler, startBlobMirror, type RegistryHandler } from '../../src/registry/index.js';
import { buildImage } from '../helpers/images.js';
import { raw } from '../helpers/registry-helpers.js';

/** Everything a test started, stopped even when the test fails. */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** The user's own server: `/health` is theirs, everything else goes to the registry. */
async function mount(handler: RegistryHandler): Promise<{ server: Server; host: string; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/health') res.end('ok');
    else handler.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, host, url: `http://${host}` };
}

async function handlerFor(options?: Parameters<typeof createRegistryHandler>[0]): Promise<RegistryHandler> {
  const handler = await createRegistryHandler(options);
  cleanups.push(() => handler.close());
  return handler;
}

describe('createRegistryHandler', () => {
  it('serves the registry API inside a server of the caller, beside its own routes', async () => {
    const handler = await handlerFor();
    const { host, url } = await mount(handler);
    expect((await raw(url, '/health')).text).toBe('ok');

    const image = buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    const client = new RegistryClient({ dockerConfig: false });
    cleanups.push(() => client.close());
    const ref = `${host}/mounted/app:1.0`;
    for (const blob of [image.config, ...image.layers]) await client.pushBlob(ref, blob.bytes);
    const pushed = await client.putManifest(ref, image.manifest.bytes);
    expect(pushed.digest).toBe(image.manifest.digest);

    const pulled = await client.getManifest(ref);
    expect(pulled.bytes.equals(image.manifest.bytes)).toBe(true);
    const layer = image.layers[0]!;
    expect((await client.getBlobBytes(ref, layer)).equals(layer.bytes)).toBe(true);
    expect(await client.listTags(`${host}/mounted/app`)).toEqual(['1.0']);
    expect(handler.stats.byRoute['PUT manifest']).toBe(1);
    // The caller's route is not the registry's business.
    expect(handler.stats.byRoute['GET unknown']).toBeUndefined();
  });

  it('takes faults like a started registry, and its blob store feeds a mirror', async () => {
    const handler = await handlerFor();
    const { url } = await mount(handler);
    handler.faults.add({ method: 'GET', path: '/v2/', status: 503 });
    expect((await raw(url, '/v2/')).status).toBe(503);
    expect((await raw(url, '/v2/')).status).toBe(200);
    const mirror = await startBlobMirror(handler);
    cleanups.push(() => mirror.close());
    expect((await raw(mirror.url, `/v2/x/blobs/sha256:${'0'.repeat(64)}`)).status).toBe(404);
  });

  it('names itself as the token realm through the Host the client used', async () => {
    const handler = await handlerFor({ auth: { token: { username: 'u', password: 'p' } } });
    const { url } = await mount(handler);
    const answer = await raw(url, '/v2/');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain(`realm="${url}/token"`);
  });

  it('answers 503 after close and leaves the caller\'s server running', async () => {
    const handler = await createRegistryHandler();
    const { url } = await mount(handler);
    await handler.close();
    expect((await raw(url, '/v2/')).status).toBe(503);
    expect((await raw(url, '/health')).text).toBe('ok');
  });

  it('checks its options', async () => {
    await expect(createRegistryHandler(null as never)).rejects.toThrow(ValidationError);
    await expect(createRegistryHandler({ maxManifestBytes: -1 })).rejects.toThrow(/createRegistryHandler: maxManifestBytes/);
  });
});
