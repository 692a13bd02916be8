import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';

/** editManifestList against the embedded registry: what the tag holds afterwards. */

let registry: RunningRegistry;
let client: RegistryClient;
const image = (platform: string, seed: string) => randomImage({ platform, seed: `edit-${seed}` });
const [amd64, arm64, s390x, arm64New] = [image('linux/amd64', 'a'), image('linux/arm64/v8', 'b'), image('linux/s390x', 'c'), image('linux/arm64/v8', 'd')];

beforeAll(async () => {
  registry = await startRegistry();
  client = new RegistryClient({ dockerConfig: false });
  for (const img of [amd64, arm64, s390x]) await pushImage(client, `${registry.host}/app@${img.manifest.digest}`, img);
  await pushImage(client, `${registry.host}/builds@${arm64New.manifest.digest}`, arm64New);
});

afterAll(async () => {
  await client?.close();
  await registry?.close();
});

async function release(tag: string): Promise<string> {
  const result = await client.createManifestList({
    tags: [`${registry.host}/app:${tag}`],
    sources: [amd64, arm64, s390x].map((img) => `${registry.host}/app@${img.manifest.digest}`),
  });
  return result.digest;
}

describe('editManifestList', () => {
  it('replaces one platform from another repository and removes one, writing the tag', async () => {
    await release('r1');
    const result = await client.editManifestList(`${registry.host}/app:r1`, { replace: [`${registry.host}/builds@${arm64New.manifest.digest}`], remove: ['linux/s390x'] });
    const stored = await client.getManifest(`${registry.host}/app:r1`);
    expect(stored.descriptor.digest).toBe(result.digest);
    expect(stored.manifest.mediaType).toBe(result.mediaType);
    expect(result.index.manifests.map((m) => m.digest)).toEqual([amd64.manifest.digest, arm64New.manifest.digest]);
    expect(result.removed.map((r) => r.digest)).toEqual([arm64.manifest.digest, s390x.manifest.digest]);
    expect(result.added.map((a) => a.digest)).toEqual([arm64New.manifest.digest]);
    expect(await client.manifestExists(`${registry.host}/app@${arm64New.manifest.digest}`)).toBe(true);
  });

  it('writes nothing on a dry run, and returns the digest the edit would have', async () => {
    const before = await release('r2');
    const result = await client.editManifestList(`${registry.host}/app:r2`, { remove: ['linux/amd64'], dryRun: true });
    expect((await client.headManifest(`${registry.host}/app:r2`)).digest).toBe(before);
    expect(result.previousDigest).toBe(before);
    expect(result.digest).not.toBe(before);
    expect(await client.manifestExists(`${registry.host}/app@${result.digest}`)).toBe(false);
  });

  it('refuses to overwrite a tag that moved since the index was read by digest, unless forced', async () => {
    const read = await release('r3');
    await client.tag(`${registry.host}/app@${amd64.manifest.digest}`, 'r3');
    await expect(client.editManifestList(`${registry.host}/app:r3@${read}`, { remove: ['linux/s390x'] })).rejects.toThrow(/has moved since the index was read/);
    expect((await client.headManifest(`${registry.host}/app:r3`)).digest).toBe(amd64.manifest.digest);
    const forced = await client.editManifestList(`${registry.host}/app:r3@${read}`, { remove: ['linux/s390x'], force: true });
    expect((await client.headManifest(`${registry.host}/app:r3`)).digest).toBe(forced.digest);
  });

  it('refuses to write a tag deleted since the index was read by digest, unless forced', async () => {
    const read = await release('r5');
    await client.deleteTag(`${registry.host}/app:r5`);
    await expect(client.editManifestList(`${registry.host}/app:r5@${read}`, { remove: ['linux/s390x'] })).rejects.toThrow(/was deleted since the index was read/);
    expect(await client.manifestExists(`${registry.host}/app:r5`)).toBe(false);
    const forced = await client.editManifestList(`${registry.host}/app:r5@${read}`, { remove: ['linux/s390x'], force: true });
    expect((await client.headManifest(`${registry.host}/app:r5`)).digest).toBe(forced.digest);
  });

  it('rejects adding a platform the index has, before writing', async () => {
    const before = await release('r4');
    await expect(client.editManifestList(`${registry.host}/app:r4`, { add: [`${registry.host}/builds@${arm64New.manifest.digest}`] })).rejects.toThrow(/already has linux\/arm64\/v8/);
    expect((await client.headManifest(`${registry.host}/app:r4`)).digest).toBe(before);
  });
});
