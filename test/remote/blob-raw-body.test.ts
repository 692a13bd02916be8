/**
 * getBlob reads blob bodies through `dispatcher.dispatch` (src/transport/raw-body.ts). These cases
 * pin what that path must keep from undici's own body stream, against a real node:http server on
 * 127.0.0.1 (port 0): a slow reader pauses the socket, a reader that stops early frees the
 * connection, and a blob read after that is whole and verified.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';

const SIZE = 32 << 20;
const BLOB = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i += 4) BLOB.writeUInt32LE((i * 2654435761) >>> 0, i);
const DIGEST = `sha256:${createHash('sha256').update(BLOB).digest('hex')}`;

let server: Server | undefined;
let client: RegistryClient | undefined;

afterEach(async () => {
  const running = server;
  running?.closeAllConnections();
  await Promise.all([client?.close(), running && new Promise((resolve) => running.close(resolve))]);
  [client, server] = [undefined, undefined];
});

/** A registry whose blob GETs write BLOB in 1 MiB pieces as fast as the socket takes them; `sent` counts what the socket accepted. */
async function startRegistry(): Promise<{ host: string; sent: () => number; closed: () => number }> {
  let sent = 0;
  let closed = 0;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // The client's first question to a loopback host (is it plain HTTP?), answered as a registry does.
    if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    res.writeHead(200, { 'content-length': String(SIZE), 'content-type': 'application/octet-stream' });
    res.on('close', () => closed++);
    let offset = 0;
    const more = () => {
      while (offset < SIZE) {
        const piece = BLOB.subarray(offset, offset + (1 << 20));
        offset += piece.length;
        const flowing = res.write(piece, () => (sent += piece.length));
        if (!flowing) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, sent: () => sent, closed: () => closed };
}

describe('blob bodies read through the dispatcher', () => {
  it('a reader that waits holds the registry back (the socket is paused), then gets the whole verified blob', async () => {
    const registry = await startRegistry();
    client = new RegistryClient({ dockerConfig: false, env: {} });
    const stream = await client.getBlob(`${registry.host}/app`, { mediaType: 'x', digest: DIGEST, size: SIZE });

    await sleep(500); // nobody reads: the body must not be pulled into memory
    expect(registry.sent()).toBeLessThan(SIZE / 2);

    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      received += (chunk as Buffer).length;
    }
    expect(received).toBe(SIZE);
    expect(`sha256:${hash.digest('hex')}`).toBe(DIGEST);
  });

  it('a reader that stops early ends the request, and the next read of the blob is whole', async () => {
    const registry = await startRegistry();
    client = new RegistryClient({ dockerConfig: false, env: {} });
    const first = await client.getBlob(`${registry.host}/app`, { mediaType: 'x', digest: DIGEST, size: SIZE });
    for await (const _chunk of first) break; // destroys the stream after one chunk
    await sleep(200);
    expect(registry.closed()).toBe(1);
    expect(registry.sent()).toBeLessThan(SIZE);

    const again = await client.getBlob(`${registry.host}/app`, { mediaType: 'x', digest: DIGEST, size: SIZE });
    let received = 0;
    for await (const chunk of again) received += (chunk as Buffer).length;
    expect(received).toBe(SIZE);
  });
});
