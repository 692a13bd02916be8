import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError, RegistryClient } from '../../src/index.js';
import { digestOf } from '../../src/oci/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';

/**
 * A CONNECT proxy on 127.0.0.1 that records where it was asked to go and sends every tunnel to
 * the embedded registry, whatever the name: `registry.test` exists only behind the proxy.
 */
async function startProxy(registryPort: number): Promise<{ url: string; targets: string[]; server: Server }> {
  const targets: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, clientSocket, head) => {
    targets.push(req.url ?? '');
    const upstream = connect(registryPort, '127.0.0.1', () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets, server };
}

describe('proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY', () => {
  let registry: RunningRegistry;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const clients: RegistryClient[] = [];
  const clientWith = (env: Record<string, string>) => {
    const client = new RegistryClient({ dockerConfig: false, env, insecure: ['registry.test:5000'], retry: false });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startProxy(registry.port);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await new Promise((resolve) => proxy.server.close(resolve));
    proxy.server.closeAllConnections?.();
    await registry.close();
  });

  it('reaches a registry that only the proxy can resolve', async () => {
    const client = clientWith({ HTTP_PROXY: proxy.url, https_proxy: proxy.url });
    const bytes = Buffer.from('through the proxy');
    const pushed = await client.pushBlob('registry.test:5000/app', bytes);
    expect(pushed).toMatchObject({ digest: digestOf(bytes), outcome: 'uploaded' });
    expect(proxy.targets.length).toBeGreaterThan(0);
    expect(new Set(proxy.targets)).toEqual(new Set(['registry.test:5000']));
    // What went in through the tunnel is really in the registry.
    expect(await clientWith({}).blobExists(`${registry.host}/app`, pushed.digest)).toBe(true);
  });

  it('does not proxy hosts in NO_PROXY', async () => {
    const before = proxy.targets.length;
    const client = clientWith({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'registry.test' });
    await expect(client.blobExists('registry.test:5000/app', digestOf('x'))).rejects.toBeInstanceOf(NetworkError);
    expect(proxy.targets.length).toBe(before);
  });

  it('never proxies loopback registries', async () => {
    const before = proxy.targets.length;
    const client = clientWith({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url });
    expect(await client.blobExists(`${registry.host}/app`, digestOf('nothing'))).toBe(false);
    expect(proxy.targets.length).toBe(before);
  });
});
