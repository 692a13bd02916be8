// Interoperability with an independent client: skopeo (containers/image) pushes, inspects and pulls.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { sha256, tar } from '../helpers/registry-helpers.js';

const SKOPEO = '/usr/bin/skopeo';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

let work: string;
let env: NodeJS.ProcessEnv;
let authfile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mp-registry-skopeo-'));
  const home = join(work, 'home');
  const tmp = join(work, 'tmp');
  await mkdir(home, { recursive: true });
  await mkdir(tmp, { recursive: true });
  authfile = join(work, 'auth.json');
  await writeFile(authfile, '{"auths":{}}');
  const registriesConf = join(work, 'registries.conf');
  await writeFile(registriesConf, '');
  // A private HOME keeps skopeo's blob-info cache (which drives mount attempts) out of the way.
  env = { PATH: process.env.PATH, HOME: home, TMPDIR: tmp, XDG_RUNTIME_DIR: tmp, CONTAINERS_REGISTRIES_CONF: registriesConf };
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function skopeo(args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(SKOPEO, args, { env, encoding: 'buffer', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`skopeo ${args.join(' ')} failed: ${stderr.toString()}`, { cause: error }));
      else resolve({ stdout, stderr: stderr.toString() });
    });
  });
}

/** Writes `blobs` and an index.json tagging `top` (a manifest or index) as `tag`, making an OCI image layout. */
async function writeLayout(dir: string, blobs: Buffer[], top: { mediaType: string; bytes: Buffer }, tag: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const blob of [...blobs, top.bytes]) await writeFile(join(dir, 'blobs', 'sha256', sha256(blob).slice(7)), blob);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: top.mediaType, digest: sha256(top.bytes), size: top.bytes.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
}

/** A one-layer image for `architecture`: its gzip'd tar layer, config and manifest. */
function buildImage(architecture: string): { layer: Buffer; config: Buffer; manifest: Buffer } {
  const layerTar = tar([{ name: 'hello.txt', content: `hello from ${architecture}\n` }]);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({ architecture, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    }),
  );
  return { layer, config, manifest };
}

describe.skipIf(!existsSync(SKOPEO))('skopeo against the embedded registry', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry.close();
  });

  it('copies an image in, inspects the identical bytes, and copies it back out', async () => {
    const image = buildImage('amd64');
    const source = join(work, 'single');
    await writeLayout(source, [image.layer, image.config], { mediaType: OCI_MANIFEST, bytes: image.manifest }, 'v1');
    const ref = `docker://${registry.host}/skopeo/app:v1`;

    await skopeo(['copy', '--insecure-policy', '--preserve-digests', '--dest-tls-verify=false', '--authfile', authfile, `oci:${source}:v1`, ref]);

    const inspected = await skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', authfile, ref]);
    expect(inspected.stdout).toEqual(image.manifest);

    const out = join(work, 'single-out');
    await skopeo(['copy', '--insecure-policy', '--src-tls-verify=false', '--authfile', authfile, ref, `oci:${out}:v1`]);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(sha256(image.manifest));
    expect(await readFile(join(out, 'blobs', 'sha256', sha256(image.layer).slice(7)))).toEqual(image.layer);
    expect(await readFile(join(out, 'blobs', 'sha256', sha256(image.config).slice(7)))).toEqual(image.config);
  });

  it('copies a multi-platform index with --all, keeping its bytes', async () => {
    const amd = buildImage('amd64');
    const arm = buildImage('arm64');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: sha256(amd.manifest), size: amd.manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: OCI_MANIFEST, digest: sha256(arm.manifest), size: arm.manifest.length, platform: { architecture: 'arm64', os: 'linux' } },
        ],
      }),
    );
    const source = join(work, 'multi');
    await writeLayout(source, [amd.layer, amd.config, amd.manifest, arm.layer, arm.config, arm.manifest], { mediaType: OCI_INDEX, bytes: index }, 'multi');
    const ref = `docker://${registry.host}/skopeo/multi:latest`;

    await skopeo(['copy', '--all', '--insecure-policy', '--preserve-digests', '--dest-tls-verify=false', '--authfile', authfile, `oci:${source}:multi`, ref]);

    expect((await skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', authfile, ref])).stdout).toEqual(index);
    const child = await skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', authfile, `docker://${registry.host}/skopeo/multi@${sha256(arm.manifest)}`]);
    expect(child.stdout).toEqual(arm.manifest);
    const tags = await skopeo(['list-tags', '--tls-verify=false', '--authfile', authfile, `docker://${registry.host}/skopeo/multi`]);
    expect(JSON.parse(tags.stdout.toString()).Tags).toEqual(['latest']);
  });

  it('authenticates through the token flow with --dest-creds', async () => {
    const secured = await startRegistry({ auth: { token: { username: 'skopeo', password: 'skopeo-pass-1' } } });
    try {
      const image = buildImage('riscv64');
      const source = join(work, 'token');
      await writeLayout(source, [image.layer, image.config], { mediaType: OCI_MANIFEST, bytes: image.manifest }, 'v1');
      const ref = `docker://${secured.host}/secure/app:v1`;
      await skopeo(['copy', '--insecure-policy', '--dest-tls-verify=false', '--authfile', authfile, '--dest-creds', 'skopeo:skopeo-pass-1', `oci:${source}:v1`, ref]);
      expect(secured.stats.tokenRequests).toBeGreaterThan(0);
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', authfile, '--creds', 'skopeo:skopeo-pass-1', ref]);
      expect(raw.stdout).toEqual(image.manifest);
      await expect(
        skopeo(['copy', '--insecure-policy', '--dest-tls-verify=false', '--authfile', authfile, '--dest-creds', 'skopeo:wrong', `oci:${source}:v1`, ref]),
      ).rejects.toThrow(/unauthorized|401|authentication/i);
    } finally {
      await secured.close();
    }
  });
});
