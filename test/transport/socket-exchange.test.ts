/**
 * Blob bodies (`rawBody` GETs) go over the transport's own HTTP/1.1 exchange on a socket when no
 * dispatcher was given and no proxy applies (src/transport/socket-exchange.ts). These cases hold
 * it to what an HTTP client must do, against real servers on 127.0.0.1 (port 0): node:http, a
 * bare TCP server that writes the answers byte by byte as given, and an https server with a
 * self-signed certificate made by openssl.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, NetworkError, ValidationError } from '../../src/errors.js';
import type { BodySource } from '../../src/transport/body.js';
import { FileChunks } from '../../src/transport/file-chunks.js';
import { discard } from '../../src/util/streams.js';
import { HttpTransport, type HttpTransportOptions } from '../../src/transport/http.js';
import type { HttpEvent } from '../../src/transport/http-events.js';
import { RawBody } from '../../src/transport/raw-body.js';
import { MockAgent } from 'undici';
import { rejection } from '../helpers/mock-registry.js';

const servers: Array<HttpServer | NetServer> = [];
const transports: HttpTransport[] = [];

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(
    servers.splice(0).map((server) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

function transport(options: Partial<HttpTransportOptions> = {}): HttpTransport {
  const t = new HttpTransport({ userAgent: 'socket-exchange-test', ...options });
  transports.push(t);
  return t;
}

async function listen<T extends HttpServer | NetServer>(server: T): Promise<{ server: T; port: number }> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A node:http server; `connections` counts the TCP connections it accepted, `open` those still open. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createHttpServer(handler);
  let connections = 0;
  let open = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    open++;
    socket.on('close', () => open--);
  });
  const { port } = await listen(server);
  return { base: `http://127.0.0.1:${port}`, connections: () => connections, open: () => open };
}

/** A TCP server that reads one request head per answer and writes `answer(head)` as it is, byte for byte. */
async function rawServer(answer: (head: string, socket: Socket) => void) {
  let connections = 0;
  const server = createNetServer((socket) => {
    connections++;
    let pending = '';
    socket.on('data', (bytes) => {
      pending += bytes.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        answer(head, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  const { port } = await listen(server);
  return { base: `http://127.0.0.1:${port}`, connections: () => connections };
}

function get(t: HttpTransport, url: string, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  return t.send({ method: 'GET', url, rawBody: true, operation: 'GET blob test', ...init });
}

async function readAll(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}


const BLOB = Buffer.alloc(3 << 20);
for (let i = 0; i < BLOB.length; i += 4) BLOB.writeUInt32LE((i * 2654435761) >>> 0, i);

describe('the socket exchange for blob bodies', () => {
  it('is used when the transport makes its own connections, and reads a Content-Length body byte for byte', async () => {
    const server = await rawServer((_head, socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BLOB.length}\r\nX-Multi: a\r\nx-multi: b\r\n\r\n`) && socket.write(BLOB));
    const res = await get(transport(), `${server.base}/v2/app/blobs/x`);
    expect(res.body).toBeInstanceOf(RawBody);
    expect(res.status).toBe(200);
    expect(res.headers['x-multi']).toEqual(['a', 'b']);
    expect((await readAll(res.body)).equals(BLOB)).toBe(true);
  });

  it('stays off when a dispatcher is given: the MockAgent answers, not the network', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('http://127.0.0.1:9').intercept({ path: '/blob', method: 'GET' }).reply(200, 'from the mock');
    const res = await get(transport({ dispatcher: agent }), 'http://127.0.0.1:9/blob');
    expect((await readAll(res.body)).toString()).toBe('from the mock');
    await agent.close();
  });

  it('reads chunked bodies (chunk extensions, trailers) split at every awkward place', async () => {
    const body = Buffer.concat([Buffer.from('5;name=x\r\nhello\r\n'), Buffer.from('1\r\n \r\n'), Buffer.from('6\r\nworld!\r\n'), Buffer.from('0\r\nX-Trailer: t\r\n\r\n')]);
    const server = await rawServer(async (_head, socket) => {
      const whole = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), body]);
      // One byte a write, so every state of the reader meets the end of a read.
      for (const byte of whole) {
        socket.write(Buffer.from([byte]));
        await sleep(0);
      }
    });
    const t = transport();
    const first = await get(t, `${server.base}/a`);
    expect((await readAll(first.body)).toString()).toBe('hello world!');
    const second = await get(t, `${server.base}/b`);
    expect((await readAll(second.body)).toString()).toBe('hello world!');
    expect(server.connections()).toBe(1);
  });

  it('reads a body that ends when the server closes the connection, and does not reuse that connection', async () => {
    const server = await rawServer((_head, socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'), BLOB])));
    const t = transport();
    expect((await readAll((await get(t, `${server.base}/a`)).body)).equals(BLOB)).toBe(true);
    expect((await readAll((await get(t, `${server.base}/b`)).body)).equals(BLOB)).toBe(true);
    expect(server.connections()).toBe(2);
  });

  it('skips interim 1xx answers', async () => {
    const server = await rawServer((_head, socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const res = await get(transport(), `${server.base}/a`);
    expect(res.status).toBe(200);
    expect((await readAll(res.body)).toString()).toBe('ok');
  });

  it('a response it cannot read is a NetworkError naming the operation', async () => {
    const server = await rawServer((_head, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 12, 13\r\n\r\n0123456789ab'));
    const error = await rejection(get(transport(), `${server.base}/a`));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain('GET blob test');
    expect(error.message).toContain('Content-Length');
  });

  it('not HTTP at all is a NetworkError too, and a bad chunk size in the body fails the body', async () => {
    const junk = await rawServer((_head, socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    const error = await rejection(get(transport(), `${junk.base}/a`));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/GET blob test: malformed response: not an HTTP\/1.x status line/);

    const badChunk = await rawServer((_head, socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n'));
    const res = await get(transport(), `${badChunk.base}/a`);
    expect((await rejection(readAll(res.body))).message).toContain('bad chunk size line');
  });

  it('a body cut short by the server fails the body instead of ending it', async () => {
    const server = await rawServer((_head, socket) => socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part`));
    const res = await get(transport(), `${server.base}/a`);
    const error = await rejection(readAll(res.body));
    expect(error.message).toContain('closed before the end of the response body');
  });

  it('keeps a connection whose body was read to its end and sends the next request on it; a body left unread closes its own', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'content-length': String(BLOB.length) }).end(BLOB));
    const t = transport();
    for (let i = 0; i < 3; i++) expect((await readAll((await get(t, `${server.base}/blob`)).body)).equals(BLOB)).toBe(true);
    expect(server.connections()).toBe(1);

    const abandoned = await get(t, `${server.base}/blob`);
    abandoned.body.destroy();
    await sleep(100);
    expect(server.open()).toBe(0);
    expect((await readAll((await get(t, `${server.base}/blob`)).body)).equals(BLOB)).toBe(true);
    expect(server.connections()).toBe(2);
  });

  it('a kept connection the server closed meanwhile is replaced without an error', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'content-length': '2' }).end('ok'));
    const t = transport();
    expect((await readAll((await get(t, `${server.base}/a`)).body)).toString()).toBe('ok');
    (servers[0] as HttpServer).closeIdleConnections();
    await sleep(50);
    expect((await readAll((await get(t, `${server.base}/b`)).body)).toString()).toBe('ok');
    expect(server.connections()).toBe(2);
  });

  it('close() ends the kept connections', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'content-length': '2' }).end('ok'));
    const t = transport();
    await readAll((await get(t, `${server.base}/a`)).body);
    expect(server.open()).toBe(1);
    await t.close();
    await sleep(50);
    expect(server.open()).toBe(0);
  });

  it('a reader that waits holds the server back: the socket is paused', async () => {
    let sent = 0;
    const server = await httpServer((_req, res) => {
      const big = Buffer.alloc(64 << 20);
      res.writeHead(200, { 'content-length': String(big.length) });
      res.end(big, () => (sent = big.length));
      res.socket?.on('drain', () => undefined);
    });
    const res = await get(transport(), `${server.base}/a`);
    await sleep(300);
    expect(sent).toBe(0);
    const bytes = await readAll(res.body);
    expect(bytes.length).toBe(64 << 20);
  });

  it('follows a redirect to another origin and drops Authorization there', async () => {
    let seenThere: string | undefined = 'unset';
    const there = await httpServer((req, res) => {
      seenThere = req.headers.authorization;
      res.writeHead(200, { 'content-length': String(BLOB.length) }).end(BLOB);
    });
    const here = await httpServer((_req, res) => res.writeHead(307, { location: `${there.base}/storage/x?sig=1` }).end());
    const res = await get(transport(), `${here.base}/v2/app/blobs/x`, { headers: { authorization: 'Bearer secret-token' } });
    expect(res.url).toBe(`${there.base}/storage/x?sig=1`);
    expect((await readAll(res.body)).equals(BLOB)).toBe(true);
    expect(seenThere).toBeUndefined();
  });

  it('tells onHttp of the request and the answer, as the undici path does', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'content-length': '2', 'x-answer': 'yes' }).end('ok'));
    const events: HttpEvent[] = [];
    const res = await get(transport({ onHttp: (event) => events.push(event) }), `${server.base}/a`, { headers: { authorization: 'Bearer hidden' } });
    await readAll(res.body);
    expect(events.map((e) => e.kind)).toEqual(['request', 'response']);
    expect(JSON.stringify(events)).not.toContain('hidden');
    expect(events[1]).toMatchObject({ kind: 'response', status: 200, headers: { 'x-answer': 'yes' } });
  });

  it('a server that sends no head in time is a header timeout; one that stalls mid-body a body timeout', async () => {
    const silent = await rawServer(() => undefined);
    const headError = await rejection(get(transport({ headersTimeoutMs: 200 }), `${silent.base}/a`));
    expect(headError).toBeInstanceOf(NetworkError);
    expect((headError as NetworkError).code).toBe('UND_ERR_HEADERS_TIMEOUT');

    const stalling = await rawServer((_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart'));
    const res = await get(transport({ bodyTimeoutMs: 200 }), `${stalling.base}/a`);
    const started = Date.now();
    const bodyError = await rejection(readAll(res.body));
    expect(Date.now() - started).toBeLessThan(5000);
    expect((bodyError as { code?: string }).code).toBe('UND_ERR_BODY_TIMEOUT');
  });

  it('a reader that waits longer than the body timeout is not timed out', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'content-length': String(BLOB.length) }).end(BLOB));
    const res = await get(transport({ bodyTimeoutMs: 100 }), `${server.base}/a`);
    await sleep(400);
    expect((await readAll(res.body)).equals(BLOB)).toBe(true);
  });

  it('an abort before the head rejects with AbortError; one during the body fails the body', async () => {
    const silent = await rawServer(() => undefined);
    const early = new AbortController();
    setTimeout(() => early.abort(), 100);
    expect(await rejection(get(transport(), `${silent.base}/a`, { signal: early.signal }))).toBeInstanceOf(AbortError);

    const stalling = await rawServer((_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart'));
    const late = new AbortController();
    const res = await get(transport(), `${stalling.base}/a`, { signal: late.signal });
    setTimeout(() => late.abort(), 100);
    const error = await rejection(readAll(res.body));
    expect(error.name).toBe('AbortError');
  });

  it('refuses a header value that would split the request', async () => {
    const server = await rawServer((_head, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const error = await rejection(get(transport(), `${server.base}/a`, { headers: { authorization: 'Bearer x\r\nX-Evil: 1' } }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(server.connections()).toBe(0);
  });

  it('connects to an IPv6 literal with its default-less port', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(200, { 'content-length': '2' }).end('v6'));
    servers.push(server);
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!listening) return; // no IPv6 loopback on this machine
    const { port } = server.address() as AddressInfo;
    const res = await get(transport(), `http://[::1]:${port}/a`);
    expect((await readAll(res.body)).toString()).toBe('v6');
  });
});

describe('the socket exchange for blob uploads', () => {
  function put(t: HttpTransport, url: string, body: BodySource, length: number) {
    return t.send({ method: 'PUT', url, rawBody: true, operation: 'PUT blob test', headers: { 'content-length': String(length) }, body });
  }

  /** A server that reads each request body whole and answers 201 with the body's sha256 in a header. */
  async function uploadServer() {
    const received: Buffer[] = [];
    const server = await httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        received.push(body);
        res.writeHead(201, { 'x-sha256': createHash('sha256').update(body).digest('hex'), 'content-length': '0' }).end();
      });
    });
    return { ...server, received };
  }

  it('an upload after the server closed the kept connection goes on a new one (an idle connection is watched, not trusted blindly)', async () => {
    const server = await uploadServer();
    const t = transport();
    await discard((await put(t, `${server.base}/upload`, BLOB, BLOB.length)).body);
    // The server's keep-alive ends while the client is idle, as Node's 5 s default does.
    (servers[0] as HttpServer).closeIdleConnections();
    await sleep(100);
    const res = await put(t, `${server.base}/upload`, BLOB, BLOB.length);
    await discard(res.body);
    expect(res.status).toBe(201);
    expect(server.received).toHaveLength(2);
    expect(server.connections()).toBe(2);
  });

  it('bytes a server sends on an idle connection are never taken for the answer to the next request', async () => {
    let staleSent!: () => void;
    const stale = new Promise<void>((resolve) => (staleSent = resolve));
    const server = await rawServer((head, socket) => {
      const path = head.split(' ')[1] ?? '';
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${path.length}\r\n\r\n${path}`);
      // A second, unasked answer shortly after the first.
      if (path === '/a') setTimeout(() => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nSTALE', () => staleSent()), 30);
    });
    const t = transport();
    expect((await readAll((await get(t, `${server.base}/a`)).body)).toString()).toBe('/a');
    // The next request only once the stray answer is on its way: sent after the request, no client could
    // tell it from the real answer.
    await stale;
    await sleep(50);
    expect((await readAll((await get(t, `${server.base}/b`)).body)).toString()).toBe('/b');
    expect(server.connections()).toBe(2);
  });

  it('a file upload answered before its body was sent, or that cannot connect, leaves no file open', async () => {
    const server = await httpServer((_req, res) => res.writeHead(401, { 'content-length': '0' }).end());
    const dir = mkdtempSync(join(tmpdir(), 'socket-upload-'));
    const path = join(dir, 'blob');
    const openOnFile = () => readdirSync('/proc/self/fd').filter((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`) === path; } catch { return false; } }).length;
    try {
      writeFileSync(path, Buffer.alloc(8 << 20, 1));
      const t = transport();
      const res = await put(t, `${server.base}/upload`, { path }, 8 << 20);
      expect(res.status).toBe(401);
      await discard(res.body);
      const { server: closed, port } = await listen(createNetServer());
      await new Promise((resolve) => closed.close(resolve));
      await expect(put(t, `http://127.0.0.1:${port}/upload`, { path }, 8 << 20)).rejects.toThrow(NetworkError);
      await sleep(100);
      expect(openOnFile()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends a file, bytes and a stream whole, one request after another on one kept connection', async () => {
    const server = await uploadServer();
    const dir = mkdtempSync(join(tmpdir(), 'socket-upload-'));
    try {
      const path = join(dir, 'blob');
      writeFileSync(path, BLOB);
      const t = transport();
      const sha = createHash('sha256').update(BLOB).digest('hex');
      for (const body of [{ path }, BLOB, Readable.from([BLOB.subarray(0, 1000), BLOB.subarray(1000)]), () => Readable.from([BLOB])] as BodySource[]) {
        const res = await put(t, `${server.base}/upload`, body, BLOB.length);
        await discard(res.body);
        expect(res.status).toBe(201);
        expect(res.headers['x-sha256']).toBe(sha);
      }
      expect(server.received).toHaveLength(4);
      expect(server.connections()).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stream longer or shorter than its Content-Length fails the request, and the server never gets a whole one', async () => {
    const server = await uploadServer();
    const t = transport();
    const long = await rejection(put(t, `${server.base}/upload`, Readable.from([BLOB]), BLOB.length - 1));
    expect(long).toBeInstanceOf(NetworkError);
    expect(long.message).toContain('longer than its Content-Length');
    const short = await rejection(put(t, `${server.base}/upload`, Readable.from([BLOB.subarray(0, 10)]), BLOB.length));
    expect(short.message).toContain('shorter than its Content-Length');
    await sleep(50);
    expect(server.received).toHaveLength(0);
  });

  it('a source that fails mid-way fails the request with its own error', async () => {
    const server = await uploadServer();
    const failing = new Readable({ read() {} });
    failing.push(BLOB.subarray(0, 1000));
    setTimeout(() => failing.destroy(new ValidationError('the source broke')), 50);
    const error = await rejection(put(transport(), `${server.base}/upload`, failing, BLOB.length));
    expect(error).toBeInstanceOf(ValidationError);
    expect(server.received).toHaveLength(0);
  });

  it('an answer that comes before the body is sent (a refusal) is returned, and its connection is not kept', async () => {
    const server = await rawServer((_head, socket) => socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n'));
    const endless = new Readable({ read() { this.push(Buffer.alloc(64 << 10)); } });
    const t = transport();
    const res = await put(t, `${server.base}/upload`, endless, 1 << 30);
    expect(res.status).toBe(413);
    await discard(res.body);
    const again = await put(t, `${server.base}/upload`, Buffer.alloc(0), 0);
    expect(again.status).toBe(413);
    expect(server.connections()).toBe(2);
  });

  it('a file source hands its buffers back once the socket took them: a few buffers serve a large file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-chunks-'));
    try {
      const path = join(dir, 'blob');
      writeFileSync(path, Buffer.concat([BLOB, BLOB, BLOB]));
      const chunks = new FileChunks(path);
      const seen = new Set<ArrayBufferLike>();
      let bytes = 0;
      for await (const chunk of chunks) {
        seen.add((chunk as Buffer).buffer);
        bytes += (chunk as Buffer).length;
        chunks.recycle(chunk as Buffer);
      }
      expect(bytes).toBe(3 * BLOB.length);
      expect(seen.size).toBeLessThanOrEqual(2);

      const kept = new FileChunks(path);
      const buffers = new Set<ArrayBufferLike>();
      for await (const chunk of kept) buffers.add((chunk as Buffer).buffer);
      // Without recycle() every chunk is its own memory, as a reader that keeps chunks needs.
      expect(buffers.size).toBe(Math.ceil((3 * BLOB.length) / (256 << 10)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the socket exchange over TLS', () => {
  const execFileAsync = promisify(execFile);
  let dir: string;
  let key: Buffer;
  let cert: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'socket-exchange-tls-'));
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    key = readFileSync(join(dir, 'key.pem'));
    cert = readFileSync(join(dir, 'cert.pem'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function httpsServer() {
    let servername: string | undefined;
    const server = createHttpsServer({ key, cert }, (_req, res) => res.writeHead(200, { 'content-length': String(BLOB.length) }).end(BLOB));
    server.on('secureConnection', (socket) => (servername = (socket as unknown as { servername?: string }).servername));
    const { port } = await listen(server);
    return { port, servername: () => servername };
  }

  it('refuses a self-signed certificate by default, with a NetworkError naming the certificate problem', async () => {
    const server = await httpsServer();
    const error = await rejection(get(transport(), `https://localhost:${server.port}/a`));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('reads the body over TLS from a host marked insecure, sending the host name for SNI', async () => {
    const server = await httpsServer();
    const t = transport({ skipTlsVerify: (host) => host === `localhost:${server.port}` });
    const res = await get(t, `https://localhost:${server.port}/a`);
    const bytes = await readAll(res.body);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(BLOB).digest('hex'));
    expect(server.servername()).toBe('localhost');
    // Another host of the same server is still verified.
    expect(await rejection(get(t, `https://127.0.0.1:${server.port}/a`))).toBeInstanceOf(NetworkError);
  });
});
