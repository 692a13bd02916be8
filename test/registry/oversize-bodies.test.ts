// A request body larger than the registry is willing to read and throw away (64 MiB) must get its
// error answer and a closed connection — never an exception that stops the process. Checked in
// process (no unhandled rejection, the server keeps serving) and against `multiplatform registry`
// as a real child process (it is still alive afterwards).
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { spawnManaged, type ManagedProcess } from '../helpers/processes.js';
import { eventually, pushImage, raw, recordUnhandledErrors, sha256, type BuiltImage } from '../helpers/registry-helpers.js';

const MIB = 1024 * 1024;
/** Past the 4 MiB manifest limit plus the 64 MiB the registry discards. */
const OVERSIZE_MIB = 72;

interface HugeOutcome {
  /** The status the client read, or undefined when the connection ended without an answer. */
  status: number | undefined;
  body: string;
}

/** Sends `mib` MiB of zeros chunked (no Content-Length) and reports the answer, if one arrived. */
function sendHuge(url: string, method: string, path: string, headers: Record<string, string>, mib = OVERSIZE_MIB): Promise<HugeOutcome> {
  return new Promise((done) => {
    const outcome: HugeOutcome = { status: undefined, body: '' };
    const chunk = Buffer.alloc(MIB);
    const req = request(new URL(path, url), { method, headers: { ...headers, 'Transfer-Encoding': 'chunked' }, agent: false }, (res) => {
      outcome.status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (text: string) => (outcome.body += text));
      res.on('end', () => done(outcome));
      res.on('error', () => done(outcome));
    });
    req.on('error', () => done(outcome));
    req.on('close', () => setTimeout(() => done(outcome), 50));
    let sent = 0;
    const pump = (): void => {
      while (sent < mib && !req.destroyed) {
        sent += 1;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** A chunk of `bytes` zeros in chunked transfer coding. */
const chunkOf = (bytes: number) => Buffer.concat([Buffer.from(`${bytes.toString(16)}\r\n`), Buffer.alloc(bytes), Buffer.from('\r\n')]);

/**
 * A PATCH to an unknown upload written by hand on a socket, asking to close: `sendPastDiscardLimit` sends 65 MiB
 * of body (past the 64 MiB the registry throws away, so it answers with the body still coming) and waits for the
 * 404; `ended` resolves with what ended the connection (`end`, or the errors of the socket and of later writes).
 */
async function rawClient(url: string, connection: 'close' | 'keep-alive' = 'close') {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  const events: string[] = [];
  let answer = '';
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      if (/\r\n\r\n[^]*\}/.test(answer)) resolve();
    });
  });
  const ended = new Promise<string[]>((resolve) => {
    socket.on('end', () => (events.push('end'), resolve(events)));
    socket.on('error', (error: NodeJS.ErrnoException) => (events.push(`error ${error.code}`), resolve(events)));
  }).finally(() => socket.destroy());
  const write = (data: Buffer | string) =>
    new Promise<void>((resolve) => socket.write(data, (error) => (error && events.push(`write ${(error as NodeJS.ErrnoException).code}`), resolve())));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return {
    write,
    ended,
    /** Everything the server has sent so far. */
    answer: () => answer,
    async sendPastDiscardLimit(): Promise<void> {
      await write(`PATCH /v2/safe/app/blobs/uploads/nope HTTP/1.1\r\nHost: x\r\nConnection: ${connection}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      for (let mib = 0; mib < 65; mib++) await write(chunkOf(MIB));
      await answered;
      expect(answer).toMatch(/^HTTP\/1\.1 404 /);
      expect(answer).toContain('BLOB_UPLOAD_UNKNOWN');
    },
  };
}

const errorCode = (outcome: HugeOutcome): string | undefined => {
  try {
    return JSON.parse(outcome.body).errors?.[0]?.code;
  } catch {
    return undefined;
  }
};

describe('oversize request bodies, in process', () => {
  let registry: RunningRegistry;
  let tokenRegistry: RunningRegistry;
  let image: BuiltImage;
  const unhandled = recordUnhandledErrors();

  beforeAll(async () => {
    registry = await startRegistry();
    tokenRegistry = await startRegistry({ auth: { token: { username: 'u', password: 'p' } } });
    image = await pushImage(registry, 'safe/app', 'v1');
  });
  afterAll(async () => {
    await Promise.all([registry.close(), tokenRegistry.close()]);
  });
  afterEach(async () => {
    // An unhandled rejection surfaces a tick or two after the failure.
    await new Promise((r) => setTimeout(r, 200));
    expect(unhandled).toEqual([]);
    expect((await raw(registry, '/v2/safe/app/manifests/v1')).body).toEqual(image.manifest);
    expect((await raw(registry, `/v2/safe/app/blobs/${sha256(image.layer)}`)).body).toEqual(image.layer);
    expect((await raw(tokenRegistry, '/v2/')).status).toBe(401);
  });

  it('a chunked manifest PUT over the limit is answered 413 SIZE_INVALID', async () => {
    const outcome = await sendHuge(registry.url, 'PUT', '/v2/safe/app/manifests/big', {
      'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(outcome.status).toBe(413);
    expect(errorCode(outcome)).toBe('SIZE_INVALID');
  });

  it('a PATCH whose body overruns its Content-Range is answered 400 SIZE_INVALID, and the upload is unchanged', async () => {
    const started = await raw(registry, '/v2/safe/app/blobs/uploads/', { method: 'POST' });
    expect(started.status).toBe(202);
    const location = started.headers.location as string;
    const outcome = await sendHuge(registry.url, 'PATCH', location, { 'Content-Range': '0-9' });
    expect(outcome.status).toBe(400);
    expect(errorCode(outcome)).toBe('SIZE_INVALID');
    expect((await raw(registry, location)).headers.range).toBe('0-0');
  });

  it('a PATCH to an unknown upload is answered 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const outcome = await sendHuge(registry.url, 'PATCH', '/v2/safe/app/blobs/uploads/nope', {});
    expect(outcome.status).toBe(404);
    expect(errorCode(outcome)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  // A client that asked to close and is still sending when the answer comes: the connection must not be reset
  // under it (a reset can reach a client that is writing before the answer it has not read yet does).
  it('a client that asked to close reads the answer, sends the rest of its body, and sees the connection end without a reset', async () => {
    const client = await rawClient(registry.url);
    await client.sendPastDiscardLimit();
    await client.write(chunkOf(MIB));
    await client.write('0\r\n\r\n');
    expect(await client.ended).toEqual(['end']);
  });

  it('a client that keeps its connection alive and ends its body in time keeps the connection for its next request', async () => {
    const client = await rawClient(registry.url, 'keep-alive');
    await client.sendPastDiscardLimit();
    await client.write(chunkOf(MIB));
    await client.write('0\r\n\r\n');
    // The next request after the server has seen the body end (a server closing the connection then has closed it).
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.write('GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await client.ended).toEqual(['end']);
    expect(client.answer()).toMatch(/^HTTP\/1\.1 404 [^]*HTTP\/1\.1 200 /);
  });

  it('a client that stops sending after the answer has its connection closed a second later', async () => {
    const client = await rawClient(registry.url);
    await client.sendPastDiscardLimit();
    const started = Date.now();
    expect(await client.ended).toEqual(['end']);
    // Not at once (the answer could be lost), and not as late as the server's keep-alive timeout (5 s).
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('an unauthenticated token POST over the form limit is answered 413', async () => {
    const outcome = await sendHuge(tokenRegistry.url, 'POST', '/token', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('a log callback that throws neither fails requests nor escapes', async () => {
    const throwing = await startRegistry({
      log: () => {
        throw new Error('logger broke');
      },
    });
    try {
      expect((await raw(throwing, '/v2/')).status).toBe(200);
      expect((await raw(throwing, '/v2/x/manifests/nope')).status).toBe(404);
    } finally {
      await throwing.close();
    }
  });
});

describe('oversize request bodies against `multiplatform registry`', () => {
  const main = resolve(import.meta.dirname, '../../dist/cli/main.js');
  let child: ManagedProcess | undefined;

  afterEach(async () => {
    await child?.stop();
    child = undefined;
  });

  it('a chunked manifest PUT over the limit is answered 413 and the process keeps serving', async () => {
    expect(existsSync(main), `${main} is missing: build first (npx tsup)`).toBe(true);
    const started = spawnManaged(process.execPath, [main, 'registry', '--port', '0']);
    child = started;
    const urlLine = /^(http:\/\/\S+)\n/m;
    await eventually(async () => expect(started.output()).toMatch(urlLine), 15_000);
    const url = urlLine.exec(started.output())![1]!;
    const outcome = await sendHuge(url, 'PUT', '/v2/a/b/manifests/v1', { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
    expect(outcome.status).toBe(413);
    await new Promise((r) => setTimeout(r, 200));
    expect(started.exitStatus(), started.output()).toBeNull();
    expect((await raw(url, '/v2/')).status).toBe(200);
  });
});
