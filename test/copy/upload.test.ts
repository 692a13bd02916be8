/**
 * Uploads of known size against the embedded registry: a file pushed without a digest is read once
 * (one PATCH hashed on the way, then PUT ?digest=), and a registry's request size limit (416) is
 * learnt once and survived by re-chunking.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { digestOf } from '../../src/oci/index.js';
import { startRegistry } from '../../src/registry/index.js';

const MiB = 1024 * 1024;

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
