import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { pushImage, randomImage } from '../../src/registry/index.js';
import { startDistribution, type DistributionRegistry } from '../helpers/distribution.js';
import { sha256 } from '../helpers/registry-helpers.js';
import { skopeoInspectRaw } from '../helpers/skopeo.js';
import { runAction, type ActionRun } from './run-action.js';

/**
 * The bundled action run as a child process, as the runner runs it, against CNCF distribution with
 * token auth; skopeo reads back what it wrote.
 */
let registry: DistributionRegistry;
let creds: { username: string; password: string };
let amd64: string;
let arm64: string;

beforeAll(async () => {
  registry = await startDistribution({ auth: 'token' });
  creds = { username: registry.username as string, password: registry.password as string };
  const client = new RegistryClient({ credentials: { [registry.host]: creds } });
  try {
    // As a build matrix pushes by digest: no tags, each image only reachable by its digest.
    const images = [randomImage({ platform: 'linux/amd64', seed: 'action-amd64' }), randomImage({ platform: 'linux/arm64/v8', seed: 'action-arm64' })];
    const pushed = await Promise.all(images.map(async (image) => (await pushImage(client, `${registry.host}/app@${image.manifest.digest}`, image)).digest));
    [amd64, arm64] = pushed as [string, string];
  } finally {
    await client.close();
  }
});

afterAll(async () => {
  await registry?.stop();
});

async function readIndex(tag: string): Promise<{ manifests: Array<{ digest: string; platform?: { architecture: string } }> }> {
  return JSON.parse((await skopeoInspectRaw(`docker://${registry.host}/${tag}`, { creds })).toString('utf8'));
}

/** Every line the run printed but the `::add-mask::` command (which the runner consumes). */
function printed(run: ActionRun): string {
  return `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

describe('the bundled action against a token-auth registry', () => {
  it('merges digests pushed by a build matrix into one tag, sets digest and metadata, and masks the password', async () => {
    const run = await runAction({
      tags: `${registry.host}/app:1.0\n${registry.host}/app:latest`,
      sources: `${amd64}\n${registry.host}/app@${arm64}`,
      username: creds.username,
      password: creds.password,
      'dry-run': 'false',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`::add-mask::${creds.password}`);
    expect(printed(run)).not.toContain(creds.password);

    // The runner's multi-line form for every output.
    expect(run.outputFile).toMatch(/^digest<<ghadelimiter_[0-9a-f-]+\nsha256:[0-9a-f]{64}\nghadelimiter_[0-9a-f-]+\nmetadata<<ghadelimiter_/);
    const digest = run.outputs.digest as string;
    const metadata = JSON.parse(run.outputs.metadata as string);
    expect(metadata['containerimage.digest']).toBe(digest);
    expect(metadata['image.name']).toBe(`${registry.host}/app:1.0,${registry.host}/app:latest`);
    expect(metadata['containerimage.descriptor']).toMatchObject({ digest, mediaType: 'application/vnd.oci.image.index.v1+json' });

    for (const tag of ['app:1.0', 'app:latest']) {
      const bytes = await skopeoInspectRaw(`docker://${registry.host}/${tag}`, { creds });
      expect(sha256(bytes)).toBe(digest);
      const index = JSON.parse(bytes.toString('utf8'));
      expect(index.manifests.map((m: { digest: string; platform: { architecture: string } }) => [m.platform.architecture, m.digest])).toEqual([
        ['amd64', amd64],
        ['arm64', arm64],
      ]);
    }
    expect(metadata['containerimage.descriptor'].size).toBe((await skopeoInspectRaw(`docker://${registry.host}/app:1.0`, { creds })).length);
  });

  it('with dry-run writes nothing and still outputs the digest the real run then writes', async () => {
    const inputs = { tags: `${registry.host}/app:dry`, sources: `${amd64}, ${arm64}`, platforms: 'linux/arm64', username: creds.username, password: creds.password };
    const dry = await runAction({ ...inputs, 'dry-run': 'true' });
    expect(dry.code).toBe(0);
    expect(dry.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(dry.stdout).toContain(`Dry run: nothing written; the index would be ${dry.outputs.digest}`);
    await expect(readIndex('app:dry')).rejects.toThrow(/manifest unknown|not found/i);

    const real = await runAction({ ...inputs, 'dry-run': 'false' });
    expect(real.code).toBe(0);
    expect(real.outputs.digest).toBe(dry.outputs.digest);
    expect((await readIndex('app:dry')).manifests.map((m) => m.digest)).toEqual([arm64]);
  });

  it('reads credentials from the Docker config when no username is given', async () => {
    const dockerConfig = await mkdtemp(join(tmpdir(), 'mp-action-docker-'));
    try {
      const auth = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
      await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
      const run = await runAction({ tags: `${registry.host}/app:from-config`, sources: amd64 }, { DOCKER_CONFIG: dockerConfig });
      expect(run.stdout).not.toContain('::error::');
      expect(run.code).toBe(0);
      expect((await readIndex('app:from-config')).manifests.map((m) => m.digest)).toEqual([amd64]);
    } finally {
      await rm(dockerConfig, { recursive: true, force: true });
    }
  });

  it('fails with an error annotation naming the refusal when the password is wrong, and never prints it', async () => {
    const wrong = `not-${creds.password}`;
    const run = await runAction({ tags: `${registry.host}/app:refused`, sources: amd64, username: creds.username, password: wrong });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`::add-mask::${wrong}`);
    expect(run.stdout).toMatch(/^::error::.*refused the credentials \(HTTP 401\) \(check the "username" and "password" inputs/m);
    expect(printed(run)).not.toContain(wrong);
    expect(run.outputFile).toBe('');
    await expect(readIndex('app:refused')).rejects.toThrow(/manifest unknown|not found/i);
  });

  it('without credentials, fails saying which inputs to give', async () => {
    const run = await runAction({ tags: `${registry.host}/app:anonymous`, sources: amd64 });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::.*no credentials \(anonymous\).*\(give the "username" and "password" inputs, or log in first with docker\/login-action\)$/m);
  });

  it('fails before any request on an input mistake, naming the input', async () => {
    const run = await runAction({ tags: `${registry.host}/app:bad`, sources: `${amd64}\nNot/A:Reference` });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::input "sources": Not\/A:Reference is not an image reference/m);
    const missing = await runAction({ sources: amd64 });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^::error::input "tags" is required/m);
  });
});
