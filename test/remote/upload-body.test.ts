/**
 * An upload whose source is a Readable (here a file's read stream) sends that stream as the request body itself, counted and
 * hashed by a listener of its own (src/remote/upload-session.ts). Against the embedded registry on
 * 127.0.0.1: the digest computed on the way must be the blob's, and every byte must arrive.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';

let registry: RunningRegistry | undefined;
let client: RegistryClient | undefined;
const dir = mkdtempSync(join(tmpdir(), 'upload-body-'));

afterEach(async () => {
  await Promise.all([client?.close(), registry?.close()]);
  [client, registry] = [undefined, undefined];
  rmSync(dir, { recursive: true, force: true });
});

it('pushes a file without a digest in one streamed PATCH: the digest hashed on the way is the blob\'s, and the registry holds every byte', async () => {
  registry = await startRegistry();
  client = new RegistryClient({ dockerConfig: false, env: {} });
  const pieces = Array.from({ length: 40 }, (_, i) => Buffer.alloc(100_000, i));
  const whole = Buffer.concat(pieces);
  const digest = `sha256:${createHash('sha256').update(whole).digest('hex')}`;

  const path = join(dir, 'blob.bin');
  writeFileSync(path, whole);

  const result = await client.pushBlob(`${registry.host}/app`, path);

  expect(result).toMatchObject({ digest, size: whole.length, outcome: 'uploaded' });
  const back: Buffer[] = [];
  for await (const chunk of await client.getBlob(`${registry.host}/app`, digest)) back.push(chunk as Buffer);
  expect(Buffer.concat(back).equals(whole)).toBe(true);
});
