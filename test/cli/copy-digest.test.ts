/** `copy SOURCE TARGET@sha256:…` refuses a digest that is not the source's, naming the TARGET argument. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { startRegistry } from '../../src/registry/index.js';
import { buildImage, pushBuiltImage } from '../helpers/images.js';
import { runCli } from './in-process.js';

describe('copy to a target that names a digest', async () => {
  const registry = await startRegistry();
  const home = await mkdtemp(join(tmpdir(), 'mp-copy-digest-'));
  const env = { HOME: home, PATH: process.env.PATH };
  afterAll(async () => {
    await registry.close();
    await rm(home, { recursive: true, force: true });
  });

  it('exits 1 naming TARGET and writes nothing when the digest is not the source\'s; copies when it is', async () => {
    const image = await pushBuiltImage(`${registry.host}/app:v1`, { os: 'linux', architecture: 'arm64', content: 'pinned copy\n' });
    const other = buildImage({ os: 'linux', architecture: 'arm64', content: 'another image\n' });
    const wrong = `${registry.host}/mirror@${other.manifest.digest}`;

    const refused = await runCli(['copy', `${registry.host}/app:v1`, wrong], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`target ${wrong}: names digest ${other.manifest.digest}, but the manifest to copy has digest ${image.manifest.digest}`);
    const client = new RegistryClient({ dockerConfig: false, env: {} });
    expect(await client.manifestExists(`${registry.host}/mirror@${image.manifest.digest}`)).toBe(false);
    expect(await client.blobExists(`${registry.host}/mirror`, image.config.digest)).toBe(false);

    const copied = await runCli(['copy', '-q', `${registry.host}/app:v1`, `${registry.host}/mirror@${image.manifest.digest}`], { env });
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toBe(`${image.manifest.digest}\n`);
    expect(await client.manifestExists(`${registry.host}/mirror@${image.manifest.digest}`)).toBe(true);
    await client.close();
  });
});
