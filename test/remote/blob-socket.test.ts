/**
 * getBlob over the transport's own socket exchange (the client makes its own connections and no
 * proxy applies), against CNCF distribution and the embedded registry: the bytes are the blob's,
 * the digest is checked, a cut download resumes, a redirect to another origin carries no
 * credentials, and the client's connections end with close().
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { DigestMismatchError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { createRegistryHandler, startBlobMirror, startRegistry, type RegistryHandler, type RunningRegistry } from '../../src/registry/index.js';
import { startDistribution, type DistributionRegistry } from '../helpers/distribution.js';

const SIZE = 6 << 20;
const BLOB = randomBytes(SIZE);
const DIGEST = digestOf(BLOB);
const descriptor = { mediaType: 'application/octet-stream', digest: DIGEST, size: SIZE };

let distribution: DistributionRegistry;
let embedded: RunningRegistry;
const clients: RegistryClient[] = [];
const log: string[] = [];

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  const c = new RegistryClient({ dockerConfig: false, env: {}, retry: { minDelayMs: 1, maxDelayMs: 10 }, ...options });
  clients.push(c);
  return c;
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  [distribution, embedded] = await Promise.all([startDistribution({ auth: 'none' }), startRegistry({ log: (line) => log.push(line) })]);
  await Promise.all([client().pushBlob(`${distribution.host}/socket`, BLOB), client().pushBlob(`${embedded.host}/socket`, BLOB)]);
});
afterAll(async () => {
  await Promise.all([distribution?.stop(), embedded?.close()]);
});
afterEach(async () => {
  embedded.faults.clear();
  log.length = 0;
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('getBlob over the socket exchange', () => {
  it('reads the blob byte for byte from distribution, several times on one client', async () => {
    const c = client();
    for (let i = 0; i < 3; i++) expect((await readAll(await c.getBlob(`${distribution.host}/socket`, descriptor))).equals(BLOB)).toBe(true);
  });

  it('a getBlob stream given as an upload body keeps the chunks its caller also holds intact (no read buffer is reused under them)', async () => {
    const c = client();
    const stream = await c.getBlob(`${distribution.host}/socket`, descriptor);
    const kept: Buffer[] = [];
    // A second reader of every chunk (as a tee into a file would be), which waits for the upload to start the flow.
    stream.on('data', (chunk: Buffer) => kept.push(chunk));
    stream.pause();
    const pushed = await c.pushBlob(`${embedded.host}/socket-tee`, stream, { digest: DIGEST, size: SIZE });
    expect(pushed.digest).toBe(DIGEST);
    expect(Buffer.concat(kept).equals(BLOB)).toBe(true);
  });

  it('reads the blob byte for byte from the embedded registry, and getBlobBytes reads it whole', async () => {
    const c = client();
    expect((await readAll(await c.getBlob(`${embedded.host}/socket`, DIGEST))).equals(BLOB)).toBe(true);
    expect((await c.getBlobBytes(`${embedded.host}/socket`, descriptor, { limit: SIZE })).equals(BLOB)).toBe(true);
  });

  it('a body that is not the blob fails with DigestMismatchError', async () => {
    embedded.faults.add({ method: 'GET', path: `/v2/socket/blobs/${DIGEST}`, status: 200, body: 'not the blob', times: Infinity });
    const error = await readAll(await client().getBlob(`${embedded.host}/socket`, DIGEST)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
  });

  it('a download cut mid-body resumes with Range and ends whole and verified', async () => {
    embedded.faults.add({ method: 'GET', path: `/v2/socket/blobs/${DIGEST}`, reset: 'mid-body', times: 1 });
    const received = await readAll(await client().getBlob(`${embedded.host}/socket`, descriptor));
    expect(received.equals(BLOB)).toBe(true);
    const gets = log.filter((line) => line.startsWith(`GET /v2/socket/blobs/${DIGEST}`));
    expect(gets).toHaveLength(2);
  });

  it('a copy from distribution to the embedded registry moves the blob whole (the registry checks the digest)', async () => {
    const c = client();
    const result = await c.copyBlob(`${distribution.host}/socket`, `${embedded.host}/copied`, descriptor);
    expect(result.digest).toBe(DIGEST);
    expect((await readAll(await c.getBlob(`${embedded.host}/copied`, descriptor))).equals(BLOB)).toBe(true);
  });

  it('a redirect to another origin reaches it without Authorization', async () => {
    const secured = await startRegistry({ auth: { basic: { username: 'u', password: 'p-socket' } } });
    const mirror = await startBlobMirror(secured);
    try {
      const c = client({ credentials: { [secured.host]: { username: 'u', password: 'p-socket' } } });
      await c.pushBlob(`${secured.host}/socket`, BLOB);
      secured.faults.add({ method: 'GET', path: /\/blobs\/sha256:/, redirectTo: mirror.url, times: Infinity });
      expect((await readAll(await c.getBlob(`${secured.host}/socket`, descriptor))).equals(BLOB)).toBe(true);
      expect(mirror.requests).toHaveLength(1);
      expect(mirror.requests[0]).toMatchObject({ hadAuthorization: false });
    } finally {
      await mirror.close();
      await secured.close();
    }
  });
});

describe('the client keeps and closes the connections of blob bodies', () => {
  let handler: RegistryHandler;
  let server: Server;
  let host: string;
  let open = 0;
  let connections = 0;

  beforeAll(async () => {
    handler = await createRegistryHandler({});
    server = createServer(handler.handle);
    server.on('connection', (socket: Socket) => {
      connections++;
      open++;
      socket.on('close', () => open--);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pusher = client();
    await pusher.pushBlob(`${host}/socket`, BLOB);
    await pusher.close();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await handler.close();
  });

  it('a first getBlob from a plain-HTTP loopback registry goes over the connection its scheme probe opened: one connection in all', async () => {
    const c = client();
    const before = connections;
    expect((await readAll(await c.getBlob(`${host}/socket`, descriptor))).equals(BLOB)).toBe(true);
    expect(connections - before).toBe(1);
  });

  it('blob after blob on one kept connection beside the control requests, all closed by close()', async () => {
    const c = client();
    await readAll(await c.getBlob(`${host}/socket`, descriptor));
    const afterFirst = connections;
    for (let i = 0; i < 4; i++) await readAll(await c.getBlob(`${host}/socket`, descriptor));
    expect(connections).toBe(afterFirst);
    expect(open).toBeGreaterThan(0);
    await c.close();
    await sleep(100);
    expect(open).toBe(0);
  });
});

describe('a loopback registry that speaks TLS', () => {
  it('is found over HTTPS when the plain-HTTP probe gets no HTTP answer, and serves the blob byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blob-socket-tls-'));
    const handler = await createRegistryHandler({});
    let server: ReturnType<typeof createHttpsServer> | undefined;
    try {
      await promisify(execFile)('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ]);
      const tlsServer = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, handler.handle);
      server = tlsServer;
      await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
      const host = `127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
      const urls: string[] = [];
      const c = client({ onHttp: (event) => event.kind === 'response' && urls.push(`${event.status} ${event.url}`) });
      await c.pushBlob(`${host}/socket`, BLOB);
      expect((await readAll(await c.getBlob(`${host}/socket`, descriptor))).equals(BLOB)).toBe(true);
      expect(urls.every((url) => url.includes(`https://${host}/`))).toBe(true);
      expect(urls.some((url) => url.startsWith('200') && url.includes('/blobs/'))).toBe(true);
    } finally {
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await handler.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
