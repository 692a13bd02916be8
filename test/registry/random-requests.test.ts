// Property: whatever arrives on the socket — any method, traversal-looking paths, lying or absurd
// Content-Length, bad Range / Content-Range, random digests, chunked or broken bodies — the registry
// answers without a 500, nothing escapes as an unhandled error, and what was committed before stays
// readable byte for byte. Raw sockets, so that framing the HTTP client would fix reaches the server.
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { pushImage, raw, recordUnhandledErrors, sha256, useTempDir, type BuiltImage } from '../helpers/registry-helpers.js';

const temp = useTempDir('mp-registry-random-');
let registry: RunningRegistry;
let image: BuiltImage;
const unhandled = recordUnhandledErrors();

beforeAll(async () => {
  registry = await startRegistry({ storage: { dir: join(temp.path, 'store') }, uploadSessions: { perRepository: 1000, total: 1000 } });
  image = await pushImage(registry, 'keep/app', 'v1');
});
afterAll(async () => {
  await registry?.close();
});

/** Sends `head` and `body` as they are, half-closes, and returns the status line's code, if an answer came. */
function send(head: string, body: Buffer): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(registry.port, '127.0.0.1');
    let received = '';
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve(status === undefined ? undefined : Number(status));
    };
    const timer = setTimeout(finish, 3000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(head);
    socket.end(body);
  });
}

/** Stands for the stored layer's digest (known only once it is pushed). */
const STORED_LAYER = '@stored-layer';
/** Stands for the location of a fresh upload session with a few bytes in it, started just before the request. */
const SESSION = '@session';
const digest = fc.oneof(
  fc.constant(STORED_LAYER),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }).map((hex) => `sha256:${hex}`),
  fc.constantFrom('sha256:../../etc/passwd', 'sha512:abc', 'SHA256:' + 'A'.repeat(64), 'md5:00', 'sha256:', ''),
);
// Every name but the stored one's exact spelling, so only bad input (never a valid DELETE) can reach it.
const name = fc.constantFrom('fuzz/a', 'x', 'keep/app/..', '../keep/app', 'keep/../keep/app', '%6beep/app', 'KEEP/app', 'keep//app', 'a/./b', '');
const pathOf = fc.oneof(
  fc.constantFrom('/v2/', '/v2/_catalog?n=-1', '/v2/_catalog?n=99999999999999999999&last=%ff', '/token?scope=x', '/', '/v2', '/../../etc/passwd', '//v2//'),
  fc.tuple(name, fc.constantFrom('manifests/v1', 'manifests/', 'tags/list?n=abc', 'blobs/uploads/', 'blobs/uploads/nope')).map(([n, rest]) => `/v2/${n}/${rest}`),
  fc.tuple(name, digest).map(([n, d]) => `/v2/${n}/blobs/${d}`),
  fc.tuple(name, digest).map(([n, d]) => `/v2/${n}/manifests/${d}`),
  fc.tuple(name, digest).map(([n, d]) => `/v2/${n}/referrers/${d}?artifactType=%00`),
  fc.tuple(name, digest).map(([n, d]) => `/v2/${n}/blobs/uploads/?digest=${d}`),
  fc.tuple(name, digest).map(([n, d]) => `/v2/${n}/blobs/uploads/?mount=${d}&from=keep/app`),
  fc.constantFrom('', '?digest=', '?digest=sha256:abc', `?digest=${STORED_LAYER}`, '?digest=sha256:' + 'f'.repeat(64)).map((q) => `${SESSION}${q}`),
  fc.string({ maxLength: 40 }).map((s) => `/v2/${encodeURI(s)}`),
);
const optionalHeader = (header: string, values: fc.Arbitrary<string>) => fc.option(values.map((v) => `${header}: ${v}\r\n`), { nil: '' });
const headers = fc
  .tuple(
    optionalHeader('Range', fc.oneof(fc.constantFrom('bytes=0-', 'bytes=-1', 'bytes=5-2', 'bytes=0-99999999999999999999', 'bytes=a-b', 'lines=0-1', 'bytes=0-1,3-4'), fc.string({ maxLength: 12 }))),
    optionalHeader('Content-Range', fc.oneof(fc.constantFrom('0-0', '5-2', '0-', '-1-3', 'bytes 0-9/10', '0-99999999999999999999'), fc.string({ maxLength: 12 }))),
    optionalHeader('Content-Type', fc.constantFrom('application/vnd.oci.image.manifest.v1+json', 'application/json', 'text/plain', '')),
    optionalHeader('Authorization', fc.constantFrom('Basic !!!', 'Bearer ', 'Basic ' + Buffer.from('a:b').toString('base64'))),
  )
  .map((parts) => parts.join(''));
/** The body and how it is framed: honest length, a length that lies (either way), an absurd one, or chunked (well or badly). */
const framedBody = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((b) => ({ framing: `Content-Length: ${b.length}\r\n`, body: Buffer.from(b) })),
  fc.tuple(fc.uint8Array({ maxLength: 256 }), fc.integer({ min: 0, max: 4096 })).map(([b, n]) => ({ framing: `Content-Length: ${n}\r\n`, body: Buffer.from(b) })),
  fc.constantFrom('-1', '99999999999999999999', '1e3', '0x10', '', '5, 6').map((n) => ({ framing: `Content-Length: ${n}\r\n`, body: Buffer.from('hello') })),
  fc.array(fc.uint8Array({ minLength: 1, maxLength: 512 }), { maxLength: 4 }).map((pieces) => ({
    framing: 'Transfer-Encoding: chunked\r\n',
    body: Buffer.concat([...pieces.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), Buffer.from(p), Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]),
  })),
  fc.string({ maxLength: 30 }).map((junk) => ({ framing: 'Transfer-Encoding: chunked\r\n', body: Buffer.from(junk) })),
  fc.constant({ framing: '', body: Buffer.alloc(0) }),
);
const method = fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'FOO');

async function startedSession(): Promise<string> {
  const started = await raw(registry, '/v2/fuzz/a/blobs/uploads/', { method: 'POST' });
  expect(started.status).toBe(202);
  const location = started.headers.location as string;
  expect((await raw(registry, location, { method: 'PATCH', body: 'start' })).status).toBe(202);
  return location;
}

async function expectStoredImageIntact(): Promise<void> {
  expect((await raw(registry, '/v2/')).status).toBe(200);
  const manifest = await raw(registry, '/v2/keep/app/manifests/v1');
  expect(manifest.status).toBe(200);
  expect(manifest.body).toEqual(image.manifest);
  expect((await raw(registry, `/v2/keep/app/manifests/${image.digest}`)).body).toEqual(image.manifest);
  expect((await raw(registry, `/v2/keep/app/blobs/${sha256(image.layer)}`)).body).toEqual(image.layer);
  expect((await raw(registry, `/v2/keep/app/blobs/${sha256(image.config)}`)).body).toEqual(image.config);
}

describe('random requests', () => {
  it('never get a 500, never escape as an unhandled error, and leave stored content intact', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(method, pathOf, headers, framedBody, async (verb, pathTemplate, extra, { framing, body }) => {
        let path = pathTemplate.replace(STORED_LAYER, sha256(image.layer));
        const session = path.startsWith(SESSION) ? await startedSession() : undefined;
        if (session) path = path.replace(SESSION, session);
        const head = `${verb} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${registry.port}\r\nConnection: close\r\n${extra}${framing}\r\n`;
        const status = await send(head, body);
        if (status !== undefined) answered += 1;
        if (session) await raw(registry, session, { method: 'DELETE' });
        expect(status === undefined || status < 500, `${JSON.stringify(head)} got ${status}`).toBe(true);
        expect(unhandled).toEqual([]);
      }),
      { numRuns: 300, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(answered).toBeGreaterThan(200);
    await expectStoredImageIntact();
  });
});
