/**
 * Uploads of known size against the embedded registry: a file pushed without a digest is read once
 * (one PATCH hashed on the way, then PUT ?digest=), and a registry's request size limit (416) is
 * learnt once and survived by re-chunking.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { digestOf } from '../../src/oci/index.js';
import { startRegistry } from '../../src/registry/index.js';

const MiB = 1024 * 1024;

/** The descriptors of this process open on `path` (Linux: /proc/self/fd), once the closes under way have had up to a second. */
async function descriptorsOn(path: string): Promise<number> {
  const target = await realpath(path);
  let open = 0;
  for (let wait = 0; wait < 20; wait++) {
    const targets = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    open = targets.filter((name) => name === target).length;
    if (open === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return open;
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('uploads of known size', async () => {
  const plain = await startRegistry();
  const limited = await startRegistry({ maxUploadRequestBytes: MiB });
  const dir = await mkdtemp(join(tmpdir(), 'mp-upload-'));
  afterAll(async () => {
    await Promise.all([plain.close(), limited.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('pushes a file without a digest in one pass: POST, one PATCH, PUT ?digest=', async () => {
    const bytes = randomBytes(3 * MiB + 17);
    const path = join(dir, 'layer.bin');
    await writeFile(path, bytes);
    const client = new RegistryClient({ dockerConfig: false });
    const before = { ...plain.stats.byRoute };
    const pushed = await client.pushBlob(`${plain.host}/file`, path);
    await client.close();

    expect(pushed).toMatchObject({ digest: digestOf(bytes), size: bytes.length, outcome: 'uploaded' });
    const delta = (route: string) => (plain.stats.byRoute[route] ?? 0) - (before[route] ?? 0);
    expect([delta('HEAD blob'), delta('POST upload'), delta('PATCH upload'), delta('PUT upload')]).toEqual([0, 1, 1, 1]);
    const reader = new RegistryClient({ dockerConfig: false });
    expect((await readAll(await reader.getBlob(`${plain.host}/file`, digestOf(bytes)))).equals(bytes)).toBe(true);
    await reader.close();
  });

  // The registry answers once it has the stated length, which can come before the file's end is read:
  // the file was left open until the collector closed it.
  it.runIf(process.platform === 'linux').each([
    ['with its digest: one PUT', true, false],
    ['without a digest: PATCH then PUT', false, false],
    ["with its digest, through the caller's dispatcher (undici)", true, true],
  ])('closes the file once the blob is pushed, %s', async (_name, withDigest, viaDispatcher) => {
    const bytes = randomBytes(64 * 1024 + 3);
    const path = join(dir, `closed-${withDigest}-${viaDispatcher}.bin`);
    await writeFile(path, bytes);
    const dispatcher = viaDispatcher ? new Agent() : undefined;
    const client = new RegistryClient({ dockerConfig: false, ...(dispatcher ? { dispatcher } : {}) });
    try {
      for (let round = 0; round < 10; round++) {
        const repo = `${plain.host}/closed-${withDigest}-${round}`;
        const pushed = await client.pushBlob(repo, path, withDigest ? { digest: digestOf(bytes) } : {});
        expect(pushed).toMatchObject({ digest: digestOf(bytes), outcome: 'uploaded' });
        expect(await descriptorsOn(path)).toBe(0);
      }
    } finally {
      await client.close();
      await dispatcher?.close();
    }
  });

  it('re-chunks at the limit a 416 states, and remembers it for the next blob of the same client', async () => {
    const client = new RegistryClient({ dockerConfig: false });
    const first = randomBytes(3 * MiB + 5);
    const second = randomBytes(2 * MiB + 9);
    const patches = () => limited.stats.byRoute['PATCH upload'] ?? 0;
    const puts = () => limited.stats.byRoute['PUT upload'] ?? 0;

    const p0 = patches();
    const u0 = puts();
    await client.pushBlob(`${limited.host}/big`, first);
    // One refused PUT of the whole blob, then 4 PATCHes of at most 1 MiB, then the final PUT.
    expect([patches() - p0, puts() - u0]).toEqual([4, 2]);

    const p1 = patches();
    const u1 = puts();
    await client.pushBlob(`${limited.host}/big`, second);
    // The limit is known: straight to 3 PATCHes and one PUT, nothing refused.
    expect([patches() - p1, puts() - u1]).toEqual([3, 1]);
    expect((await readAll(await client.getBlob(`${limited.host}/big`, digestOf(first)))).equals(first)).toBe(true);
    expect((await readAll(await client.getBlob(`${limited.host}/big`, digestOf(second)))).equals(second)).toBe(true);
    await client.close();
  });
});
