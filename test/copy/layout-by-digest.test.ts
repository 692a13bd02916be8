// A copy by digest into an OCI layout, with no tag anywhere, still lists the image in index.json.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';

let registry: RunningRegistry;
let dir: string;
beforeAll(async () => {
  registry = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), 'mp-layout-digest-'));
});
afterAll(async () => {
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

it('lists an image copied by digest into a layout, untagged', async () => {
  const client = new RegistryClient({ dockerConfig: false, env: {} });
  const image = randomImage({ platform: 'linux/amd64', seed: 'layout-by-digest' });
  await pushImage(client, `${registry.host}/app@${image.manifest.digest}`, image);
  const result = await client.copy(`${registry.host}/app@${image.manifest.digest}`, `oci:${join(dir, 'layout')}`);
  expect(result.digest).toBe(image.manifest.digest);
  const index = JSON.parse(await readFile(join(dir, 'layout', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  expect(index.manifests.map((m) => m.digest)).toEqual([image.manifest.digest]);
  await client.close();
});
