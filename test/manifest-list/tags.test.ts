import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { MultiplatformError, ValidationError } from '../../src/errors.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { REGISTRY, manifestReply, ociManifest, useMockRegistry } from '../helpers/mock-registry.js';

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
  it('reads the manifest once and sends one PUT by digest carrying all three tags, uploading no blob', async () => {
    const { bytes, descriptor } = await client.getManifest(indexRef);
    const [gets, puts, uploads] = [routeCount('GET manifest'), routeCount('PUT manifest'), routeCount('POST upload')];
    const result = await client.tag(indexRef, '1.2.3', '1.2', 'latest');
    expect(routeCount('GET manifest') - gets).toBe(1);
    expect(routeCount('PUT manifest') - puts).toBe(1);
    expect(routeCount('POST upload') - uploads).toBe(0);
    expect(result).toMatchObject({ digest: descriptor.digest, method: 'tag-parameters', manifestPuts: 1 });
    expect(result.tags).toEqual(['1.2.3', '1.2', 'latest'].map((t) => `${registry.host}/app:${t}`));
    for (const name of ['1.2.3', '1.2', 'latest']) {
      const read = await client.getManifest(`${registry.host}/app:${name}`);
      expect(read.descriptor.digest).toBe(descriptor.digest);
      expect(read.bytes.equals(bytes)).toBe(true);
    }
  });

  it('sends a tag named twice once', async () => {
    const puts = routeCount('PUT manifest');
    const result = await client.tag(indexRef, 'twice', 'twice');
    expect(result.tags).toEqual([`${registry.host}/app:twice`]);
    expect(routeCount('PUT manifest') - puts).toBe(1);
  });

  it('PUTs every tag by itself when the registry answers the tagged PUT 414 (URI too long)', async () => {
    registry.faults.add({ method: 'PUT', path: /\/manifests\/sha256:[0-9a-f]+\?tag=/, status: 414 });
    const puts = routeCount('PUT manifest');
    const result = await client.tag(indexRef, 'long-1', 'long-2');
    expect(result).toMatchObject({ method: 'put-per-tag', manifestPuts: 3 });
    expect(routeCount('PUT manifest') - puts).toBe(3);
    for (const name of ['long-1', 'long-2']) expect((await client.headManifest(`${registry.host}/app:${name}`)).digest).toBe(indexRef.split('@')[1]);
  });

  it('checks every tag before anything is sent', async () => {
    const before = registry.stats.requests;
    await expect(client.tag(indexRef, 'ok', '-bad')).rejects.toThrow(ValidationError);
    await expect(client.tag(indexRef, 'ok', '-bad')).rejects.toThrow('tag: "-bad" is not a valid tag');
    await expect(client.tag(indexRef)).rejects.toThrow(/at least one new tag/);
    expect(registry.stats.requests).toBe(before);
    expect(await client.manifestExists(`${registry.host}/app:ok`)).toBe(false);
  });
});

describe('client.tag against registries that confirm only some tags', () => {
  const mock = useMockRegistry();
  const manifest = ociManifest('tag-parameters');
  const digest = manifest.digest;
  const repoPath = '/v2/app/manifests';

  it('PUTs by tag exactly the tags OCI-Tag did not list', async () => {
    mock.on('GET', `${repoPath}/${digest}`, manifestReply(manifest));
    mock.on('PUT', (path) => path.startsWith(`${repoPath}/${digest}?`), { status: 201, headers: { 'docker-content-digest': digest, 'oci-tag': 'a' } });
    mock.on('PUT', `${repoPath}/c`, { status: 201, headers: { 'docker-content-digest': digest } });
    const client = mock.client();
    const result = await client.tag(`${REGISTRY}/app@${digest}`, 'a', 'c');
    expect(mock.filter('PUT').map((r) => r.path)).toEqual([`${repoPath}/${digest}?tag=a&tag=c`, `${repoPath}/c`]);
    expect(result).toMatchObject({ method: 'put-per-tag', manifestPuts: 2, tags: [`${REGISTRY}/app:a`, `${REGISTRY}/app:c`] });
    await client.close();
  });

  it('reads OCI-Tag over several header lines, and stops after one PUT when they list every tag', async () => {
    mock.on('GET', `${repoPath}/${digest}`, manifestReply(manifest));
    mock.on('PUT', (path) => path.startsWith(`${repoPath}/${digest}?`), { status: 201, headers: { 'docker-content-digest': digest, 'oci-tag': ['1.2.3, 1.2', 'latest'] } });
    const client = mock.client();
    const result = await client.tag(`${REGISTRY}/app@${digest}`, '1.2.3', '1.2', 'latest');
    expect(mock.count('PUT')).toBe(1);
    expect(result).toMatchObject({ method: 'tag-parameters', manifestPuts: 1 });
    await client.close();
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
