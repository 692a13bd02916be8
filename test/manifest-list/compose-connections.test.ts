import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { createRegistryHandler, pushImage, randomImage, type RegistryHandler } from '../../src/registry/index.js';

/**
 * How many TCP connections composing a list opens, counted by the server the embedded registry is
 * mounted in. Manifests and configs are small documents: they share the client's kept connections
 * instead of opening one each (a config read over a connection of its own costs more CPU than the
 * whole document). undici hands a connection back to its pool on the event-loop turn after its
 * answer ended, and the next lookup is sent before that, so each request in flight may alternate
 * between two connections: the bound is twice the concurrency, whatever the number of children, plus
 * the connection of the loopback scheme probe (the socket exchange's, kept for a first blob).
 */

const CONCURRENCY = 3;
const BOUND = 2 * CONCURRENCY + 1;
const MOST = 24;
let handler: RegistryHandler;
let server: Server;
let host: string;
let connections = 0;
const images = Array.from({ length: MOST }, (_, i) => randomImage({ platform: { os: 'linux', architecture: `arch${i}` }, seed: `compose-connections-${i}` }));
const childRef = (i: number) => `${host}/app@${images[i]!.manifest.digest}`;

beforeAll(async () => {
  handler = await createRegistryHandler();
  server = createServer(handler.handle);
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const setup = new RegistryClient({ dockerConfig: false });
  try {
    for (let i = 0; i < MOST; i++) await pushImage(setup, childRef(i), images[i]!);
  } finally {
    await setup.close();
  }
});

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await handler?.close();
});

/** Composes a list of the first `n` children with a new client; the connections, requests and config reads it cost. */
async function compose(n: number): Promise<{ connections: number; requests: number; configGets: number }> {
  const before = { connections, requests: handler.stats.requests, configGets: handler.stats.byRoute['GET blob'] ?? 0 };
  const client = new RegistryClient({ dockerConfig: false, concurrency: CONCURRENCY });
  try {
    const result = await client.pushManifestList({ image: `${host}/app:list-${n}`, manifests: images.slice(0, n).map((_, i) => ({ image: childRef(i) })) });
    expect(result.index.manifests.map((m) => m.platform?.architecture)).toEqual(images.slice(0, n).map((_, i) => `arch${i}`));
  } finally {
    await client.close();
  }
  return {
    connections: connections - before.connections,
    requests: handler.stats.requests - before.requests,
    configGets: (handler.stats.byRoute['GET blob'] ?? 0) - before.configGets,
  };
}

describe('composing a list', () => {
  it.each([12, 24])(`reads %i manifests and configs over at most ${BOUND} connections (concurrency ${CONCURRENCY})`, async (n) => {
    const run = await compose(n);
    // Every config was read (the spec names no platforms), each in a request of its own.
    expect(run.configGets).toBe(n);
    expect(run.requests).toBeGreaterThanOrEqual(2 * n + 1);
    expect(run.connections).toBeGreaterThanOrEqual(1);
    expect(run.connections).toBeLessThanOrEqual(BOUND);
  });
});
