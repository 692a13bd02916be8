import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { MultiplatformError, ValidationError } from '../../src/errors.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';

/** tag, listTags' filter and resolvePlatform against the embedded registry, counting what reaches it. */

let registry: RunningRegistry;
let client: RegistryClient;
const amd64 = randomImage({ platform: 'linux/amd64', seed: 'tags-amd64' });
const arm64 = randomImage({ platform: 'linux/arm64/v8', seed: 'tags-arm64' });
const arm64Zstd = randomImage({ platform: 'linux/arm64/v8', seed: 'tags-arm64-zstd' });
let indexRef: string;

beforeAll(async () => {
  registry = await startRegistry();
  client = new RegistryClient({ dockerConfig: false });
  for (const image of [amd64, arm64, arm64Zstd]) await pushImage(client, `${registry.host}/app@${image.manifest.digest}`, image);
  const pushed = await client.pushManifestList({
    image: `${registry.host}/app:multi`,
    manifests: [
      { image: `${registry.host}/app@${amd64.manifest.digest}` },
      { image: `${registry.host}/app@${arm64.manifest.digest}` },
      { image: `${registry.host}/app@${arm64Zstd.manifest.digest}`, annotations: { 'io.github.containers.compression.zstd': 'true' } },
    ],
  });
  indexRef = `${registry.host}/app@${pushed.digest}`;
});

afterAll(async () => {
  await client?.close();
  await registry?.close();
});

const routeCount = (route: string): number => registry.stats.byRoute[route] ?? 0;

describe('client.tag', () => {
  it('reads the manifest once and PUTs its exact bytes to each new tag, uploading no blob', async () => {
    const { bytes } = await client.getManifest(indexRef);
    const [gets, puts, uploads] = [routeCount('GET manifest'), routeCount('PUT manifest'), routeCount('POST upload')];
    const result = await client.tag(indexRef, '1.2.3', '1.2', 'latest');
    expect(routeCount('GET manifest') - gets).toBe(1);
    expect(routeCount('PUT manifest') - puts).toBe(3);
    expect(routeCount('POST upload') - uploads).toBe(0);
    expect(result.tags).toEqual(['1.2.3', '1.2', 'latest'].map((t) => `${registry.host}/app:${t}`));
    for (const name of ['1.2.3', '1.2', 'latest']) {
      expect((await client.getManifest(`${registry.host}/app:${name}`)).bytes.equals(bytes)).toBe(true);
    }
  });

  it('checks every tag before anything is sent', async () => {
    const before = registry.stats.requests;
    await expect(client.tag(indexRef, 'ok', '-bad')).rejects.toThrow(ValidationError);
    await expect(client.tag(indexRef)).rejects.toThrow(/at least one new tag/);
    expect(registry.stats.requests).toBe(before);
  });
});

describe('client.listTags filter', () => {
  it('keeps the tags a RegExp (even a global one) or a predicate accepts', async () => {
    await client.tag(indexRef, 'v1', 'v2', 'nightly');
    const pattern = /^v\d$/g;
    expect((await client.listTags(`${registry.host}/app`, { filter: pattern })).sort()).toEqual(['v1', 'v2']);
    expect((await client.listTags(`${registry.host}/app`, { filter: pattern })).sort()).toEqual(['v1', 'v2']);
    expect(await client.listTags(`${registry.host}/app`, { filter: (t) => t === 'nightly' })).toEqual(['nightly']);
    await expect(client.listTags(`${registry.host}/app`, { filter: 'v1' as unknown as RegExp })).rejects.toThrow(/options\.filter must be a RegExp or a function/);
  });
});

describe('client.resolvePlatform', () => {
  it('answers from the index alone: the first matching entry (gzip before zstd), without reading the child', async () => {
    const [gets, blobs] = [routeCount('GET manifest'), routeCount('GET blob')];
    const descriptor = await client.resolvePlatform(indexRef, 'linux/arm64');
    expect(descriptor.digest).toBe(arm64.manifest.digest);
    expect(descriptor.platform).toEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });
    expect(routeCount('GET manifest') - gets).toBe(1);
    expect(routeCount('GET blob') - blobs).toBe(0);
  });

  it('names the platforms there are when none matches', async () => {
    await expect(client.resolvePlatform(indexRef, 'linux/s390x')).rejects.toThrow(/no entry for linux\/s390x; it has linux\/amd64, linux\/arm64\/v8, linux\/arm64\/v8/);
  });

  it('returns a single image itself when its config platform matches, and refuses it otherwise', async () => {
    const single = `${registry.host}/app@${amd64.manifest.digest}`;
    const descriptor = await client.resolvePlatform(single, { os: 'linux', architecture: 'x86_64' });
    expect(descriptor).toMatchObject({ digest: amd64.manifest.digest, size: amd64.manifest.size, platform: { os: 'linux', architecture: 'amd64' } });
    const error = await client.resolvePlatform(single, 'linux/arm64').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MultiplatformError);
    expect((error as Error).message).toMatch(/single image for linux\/amd64, not linux\/arm64\/v8/);
  });
});
