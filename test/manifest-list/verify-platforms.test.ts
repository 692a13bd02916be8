import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { ValidationError } from '../../src/errors.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { runCli } from '../cli/in-process.js';

/** Which requests composing a list costs, counted by the embedded registry, with and without the platform check. */

let registry: RunningRegistry;
let client: RegistryClient;
let home: string;
const PLATFORMS: Array<{ os: string; architecture: string; variant?: string }> = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 'ppc64le' },
  { os: 'linux', architecture: 's390x' },
  { os: 'linux', architecture: '386' },
];
const N = PLATFORMS.length;
const platformOf = (i: number) => PLATFORMS[i]!;
const images = PLATFORMS.map((platform, i) => randomImage({ platform, seed: `verify-platforms-${i}` }));
const childRef = (i: number) => `${registry.host}/app@${images[i]!.manifest.digest}`;

beforeAll(async () => {
  registry = await startRegistry();
  client = new RegistryClient({ dockerConfig: false });
  for (let i = 0; i < N; i++) await pushImage(client, childRef(i), images[i]!);
  home = await mkdtemp(join(tmpdir(), 'mp-verify-platforms-'));
});

afterAll(async () => {
  await client?.close();
  await registry?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Requests per route that `work` caused. */
async function counted(work: () => Promise<unknown>): Promise<{ total: number; configGets: number; result: unknown }> {
  const before = { ...registry.stats.byRoute };
  const requests = registry.stats.requests;
  const result = await work();
  const delta = (route: string) => (registry.stats.byRoute[route] ?? 0) - (before[route] ?? 0);
  return { total: registry.stats.requests - requests, configGets: delta('GET blob'), result };
}

async function platformsOf(reference: string): Promise<unknown[]> {
  const { bytes } = await client.getManifest(reference);
  const index = JSON.parse(bytes.toString('utf8')) as { manifests: Array<{ platform?: unknown }> };
  return index.manifests.map((m) => m.platform);
}

describe('verifyPlatforms', () => {
  it('reads every config by default (2N + 2 requests) and none with verifyPlatforms: false (N + 2)', async () => {
    const manifests = images.map((_, i) => ({ image: childRef(i), platform: platformOf(i) }));
    const checked = await counted(() => client.pushManifestList({ image: `${registry.host}/app:checked`, manifests }));
    expect(checked.configGets).toBe(N);
    expect(checked.total).toBeLessThanOrEqual(2 * N + 2);
    expect(checked.total).toBeGreaterThanOrEqual(2 * N + 1);

    const trusted = await counted(() => client.pushManifestList({ image: `${registry.host}/app:trusted`, manifests, verifyPlatforms: false }));
    expect(trusted.configGets).toBe(0);
    expect(trusted.total).toBe(checked.total - N);
    // The same index either way.
    expect((trusted.result as { digest: string }).digest).toBe((checked.result as { digest: string }).digest);
  });

  it('by default refuses a mislabelled image; verifyPlatforms: false records what the spec states', async () => {
    const manifests = [{ image: childRef(0), platform: { os: 'linux', architecture: 'riscv64' } }];
    await expect(client.pushManifestList({ image: `${registry.host}/app:mislabelled`, manifests })).rejects.toThrow(/architecture "riscv64" but the image config says "amd64"/);
    await client.pushManifestList({ image: `${registry.host}/app:mislabelled`, manifests, verifyPlatforms: false });
    expect(await platformsOf(`${registry.host}/app:mislabelled`)).toEqual([{ os: 'linux', architecture: 'riscv64' }]);
  });

  it('still reads the config of a child whose spec names no full platform', async () => {
    const manifests = [{ image: childRef(0), platform: { os: 'linux' } }, { image: childRef(1) }];
    const run = await counted(() => client.pushManifestList({ image: `${registry.host}/app:partial`, manifests, verifyPlatforms: false }));
    expect(run.configGets).toBe(2);
    expect(await platformsOf(`${registry.host}/app:partial`)).toEqual([platformOf(0), platformOf(1)]);
  });

  it('reads no config for the entries of a child index that records their platforms, even by default', async () => {
    const inner = await client.pushManifestList({ image: `${registry.host}/app:inner`, manifests: [{ image: childRef(0) }, { image: childRef(1) }] });
    const run = await counted(() => client.pushManifestList({ image: `${registry.host}/app:outer`, manifests: [{ image: `${registry.host}/app@${inner.digest}` }] }));
    expect(run.configGets).toBe(0);
    expect(await platformsOf(`${registry.host}/app:outer`)).toEqual([platformOf(0), platformOf(1)]);
  });

  it('rejects a verifyPlatforms that is not a boolean before any request', async () => {
    const run = counted(() => client.pushManifestList({ image: `${registry.host}/app:x`, manifests: [{ image: childRef(0) }], verifyPlatforms: 'no' as unknown as boolean }));
    await expect(run).rejects.toThrow(ValidationError);
    await expect(run).rejects.toThrow(/spec\.verifyPlatforms must be true or false/);
  });

  it('the CLI flag --no-verify-platforms skips the config reads', async () => {
    const spec = join(home, 'spec.yml');
    const lines = images.map((_, i) => `  - image: ${childRef(i)}\n    platform:\n      os: linux\n      architecture: ${platformOf(i).architecture}\n${platformOf(i).variant ? `      variant: ${platformOf(i).variant}\n` : ''}`);
    await writeFile(spec, `image: ${registry.host}/app:cli\nmanifests:\n${lines.join('')}`);
    const env = { HOME: home, PATH: process.env.PATH };
    const run = await counted(() => runCli(['push', 'from-spec', '--no-verify-platforms', spec], { env }));
    const { code, stderr } = run.result as { code: number; stderr: string };
    expect(code, stderr).toBe(0);
    expect(run.configGets).toBe(0);
    expect(run.total).toBeLessThanOrEqual(N + 2);
  });
});
