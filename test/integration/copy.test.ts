/**
 * client.copy against real registries: CNCF distribution (plain, Basic, token) and the embedded
 * registry. skopeo reads back source and target, which must hold the same bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MediaType, isTargetDigestMismatchError, type RegistryClient, type TransferEvent } from '../../src/index.js';
import { digestOf } from '../../src/oci/index.js';
import { startRegistry } from '../../src/registry/index.js';
import { buildImage, buildIndex, type BuiltImage, type BuiltIndex } from '../helpers/images.js';
import { skopeoInspect, skopeoInspectRaw } from '../helpers/skopeo.js';
import { pushRandomLayerImage } from '../copy/random-layer-image.js';
import { allTargets, distributionTargets, targetFromCoordinates, type RegistryTarget } from '../helpers/targets.js';

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function pushImage(client: RegistryClient, repo: string, image: BuiltImage, tag?: string): Promise<void> {
  for (const blob of [image.config, ...image.layers]) await client.pushBlob(repo, blob.bytes);
  await client.putManifest(tag ? `${repo}:${tag}` : `${repo}@${image.manifest.digest}`, image.manifest.bytes);
}

async function pushIndex(client: RegistryClient, repo: string, index: BuiltIndex, tag: string): Promise<void> {
  for (const child of index.children) await pushImage(client, repo, child);
  await client.putManifest(`${repo}:${tag}`, index.bytes);
}

function threePlatforms(seed: string): BuiltIndex {
  return buildIndex([
    buildImage({ os: 'linux', architecture: 'amd64', content: `${seed} amd64\n` }),
    buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', content: `${seed} arm64\n` }),
    buildImage({ os: 'linux', architecture: 's390x', content: `${seed} s390x\n` }),
  ]);
}

const docker = (target: RegistryTarget, ref: string) => `docker://${target.host}/${ref}`;

describe.each(await allTargets())('copy within $name', (target: RegistryTarget) => {
  const client = target.client();
  afterAll(() => client.close());
  const creds = target.skopeoCreds;

  it('copies an index with its children to another repository, keeping every digest (mounted)', async () => {
    const index = threePlatforms(unique('index'));
    const from = `${target.host}/${unique('src')}`;
    const to = `${target.host}/${unique('dst')}`;
    await pushIndex(client, from, index, 'v1');
    const events: TransferEvent[] = [];

    const result = await client.copy(`${from}:v1`, `${to}:v1`, { tags: ['stable'], onProgress: (e) => events.push(e) });

    expect(result.digest).toBe(index.digest);
    expect(result.rewritten).toBeUndefined();
    expect(result.tags).toEqual(['v1', 'stable']);
    expect(result.plan.blobs.every((b) => b.action === 'mount')).toBe(true);
    const repoTo = to.slice(target.host.length + 1);
    const repoFrom = from.slice(target.host.length + 1);
    for (const tag of ['v1', 'stable']) {
      expect(await skopeoInspectRaw(docker(target, `${repoTo}:${tag}`), { creds })).toEqual(await skopeoInspectRaw(docker(target, `${repoFrom}:v1`), { creds }));
    }
    const arm = await skopeoInspect(docker(target, `${repoTo}:v1`), { creds, platform: { os: 'linux', arch: 'arm64', variant: 'v8' } });
    expect(arm['Layers']).toEqual([index.children[1]!.layers[0]!.digest]);
    expect(events.at(-1)).toMatchObject({ type: 'transfer', blobsDone: result.plan.blobs.length, blobsTotal: result.plan.blobs.length });
  });

  it('keeps only the platforms asked for (the index is rewritten) and unwraps one platform', async () => {
    const index = threePlatforms(unique('filter'));
    const repo = unique('filter-src');
    await pushIndex(client, `${target.host}/${repo}`, index, 'v1');

    const filtered = await client.copy(`${target.host}/${repo}:v1`, `${target.host}/${repo}-two:v1`, { platforms: ['linux/amd64', 'linux/arm64'] });
    expect(filtered.rewritten).toBe('platforms');
    expect(filtered.digest).not.toBe(index.digest);
    const raw = JSON.parse((await skopeoInspectRaw(docker(target, `${repo}-two:v1`), { creds })).toString('utf8')) as { manifests: { digest: string }[] };
    expect(raw.manifests.map((m) => m.digest)).toEqual([index.children[0]!.manifest.digest, index.children[1]!.manifest.digest]);
    expect(digestOf(await skopeoInspectRaw(docker(target, `${repo}-two:v1`), { creds }))).toBe(filtered.digest);

    const unwrapped = await client.copy(`${target.host}/${repo}:v1`, `${target.host}/${repo}-lambda:v1`, { platforms: ['linux/arm64'], unwrap: true });
    expect(unwrapped.rewritten).toBe('unwrap');
    expect(unwrapped.digest).toBe(index.children[1]!.manifest.digest);
    // What skopeo pulls for arm64 from the index is what the unwrapped tag holds on its own.
    const pulled = await skopeoInspect(docker(target, `${repo}:v1`), { creds, platform: { os: 'linux', arch: 'arm64', variant: 'v8' } });
    const alone = await skopeoInspect(docker(target, `${repo}-lambda:v1`), { creds });
    expect(await skopeoInspectRaw(docker(target, `${repo}-lambda:v1`), { creds })).toEqual(index.children[1]!.manifest.bytes);
    expect(alone['Layers']).toEqual(pulled['Layers']);
    expect(alone['Digest']).toBe(unwrapped.digest);
  });

  it("refuses a target digest that is not the digest copied, before writing anything; the source's own digest is copied", async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: `${unique('pinned')}\n` });
    const other = buildImage({ os: 'linux', architecture: 'amd64', content: `${unique('other')}\n` });
    const repo = unique('pinned');
    await pushImage(client, `${target.host}/${repo}`, image, 'v1');
    const wrongTarget = `${target.host}/${repo}-copy@${other.manifest.digest}`;

    const refused = await client.copy(`${target.host}/${repo}:v1`, wrongTarget).catch((error: unknown) => error);
    expect(isTargetDigestMismatchError(refused)).toBe(true);
    expect(refused).toMatchObject({ target: wrongTarget, expected: other.manifest.digest, actual: image.manifest.digest });
    expect((refused as Error).message).toContain(`target ${wrongTarget}: names digest ${other.manifest.digest}, but the manifest to copy has digest ${image.manifest.digest}`);
    expect(await client.manifestExists(`${target.host}/${repo}-copy@${image.manifest.digest}`)).toBe(false);
    expect(await client.blobExists(`${target.host}/${repo}-copy`, image.config.digest)).toBe(false);

    const pinned = await client.copy(`${target.host}/${repo}:v1`, `${target.host}/${repo}-copy@${image.manifest.digest}`);
    expect(pinned.digest).toBe(image.manifest.digest);
    expect(pinned.tags).toEqual([]);
    expect(await skopeoInspectRaw(docker(target, `${repo}-copy@${image.manifest.digest}`), { creds })).toEqual(image.manifest.bytes);
  });

  it('plans without writing on a dry run, and skips what the target has', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: `${unique('dry')}\n`, layers: 2 });
    const repo = unique('dry');
    await pushImage(client, `${target.host}/${repo}`, image, 'v1');

    const dry = await client.copy(`${target.host}/${repo}:v1`, `${target.host}/${repo}-copy:v1`, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.plan.blobs.map((b) => b.action)).toEqual(['mount', 'mount', 'mount']);
    expect(await client.manifestExists(`${target.host}/${repo}-copy:v1`)).toBe(false);

    await client.copy(`${target.host}/${repo}:v1`, `${target.host}/${repo}-copy:v1`);
    const again = await client.copy(`${target.host}/${repo}:v1`, `${target.host}/${repo}-copy:v2`);
    expect(again.plan.blobs.map((b) => b.action)).toEqual(['skip', 'skip', 'skip']);
    expect(await skopeoInspectRaw(docker(target, `${repo}-copy:v2`), { creds })).toEqual(image.manifest.bytes);
  });
});

describe('copy between registries', async () => {
  const [plain, basic, token] = distributionTargets() as [RegistryTarget, RegistryTarget, RegistryTarget];
  const embedded = await startRegistry();
  const limited = await startRegistry({ maxUploadRequestBytes: 4 * 1024 * 1024 });
  const embeddedTarget = targetFromCoordinates('embedded', { host: embedded.host, auth: 'none' }, 'embedded');
  const limitedTarget = targetFromCoordinates('limited', { host: limited.host, auth: 'none' }, 'embedded');
  const client = basic.client({ credentials: { [token.host]: { username: token.username!, password: token.password! } } });
  const dirs: string[] = [];
  afterAll(async () => {
    await client.close();
    await Promise.all([embedded.close(), limited.close()]);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mp-copy-'));
    dirs.push(dir);
    return dir;
  };

  it('streams an index from distribution (Basic) to distribution (token) and to the embedded registry, byte for byte', async () => {
    const index = threePlatforms(unique('cross'));
    const repo = unique('cross');
    await pushIndex(client, `${basic.host}/${repo}`, index, 'v1');
    for (const to of [token, embeddedTarget]) {
      const result = await client.copy(`${basic.host}/${repo}:v1`, `${to.host}/${repo}:v1`);
      expect(result.digest).toBe(index.digest);
      expect(result.plan.blobs.every((b) => b.action === 'copy')).toBe(true);
      expect(await skopeoInspectRaw(docker(to, `${repo}:v1`), { creds: to.skopeoCreds })).toEqual(index.bytes);
      for (const child of index.children) {
        const config = await skopeoInspectRaw(docker(to, `${repo}@${child.manifest.digest}`), { creds: to.skopeoCreds, config: true });
        expect(config).toEqual(child.config.bytes);
      }
    }
  });

  it('survives a registry that refuses requests over 4 MiB (416): the blob is re-chunked at the limit', async () => {
    const repo = unique('big');
    const { layer: big, manifest } = await pushRandomLayerImage(client, `${plain.host}/${repo}`, 'v1', 9 * 1024 * 1024 + 123);
    const events: TransferEvent[] = [];

    const result = await client.copy(`${plain.host}/${repo}:v1`, `${limited.host}/${repo}:v1`, { onProgress: (e) => events.push(e) });

    expect(result.digest).toBe(digestOf(manifest));
    expect(await skopeoInspectRaw(docker(limitedTarget, `${repo}:v1`))).toEqual(manifest);
    const stream = await client.getBlob(`${limited.host}/${repo}`, digestOf(big));
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(big)).toBe(true);
    const progress = events.filter((e) => e.type === 'blob-progress' && e.digest === digestOf(big));
    expect(progress.at(-1)).toMatchObject({ bytesDone: big.length, size: big.length });
  });

  it('round-trips registry → OCI layout → registry byte for byte; skopeo reads the layout', async () => {
    const index = threePlatforms(unique('layout'));
    const repo = unique('layout');
    await pushIndex(client, `${plain.host}/${repo}`, index, 'v1');
    const dir = await tempDir();

    const out = await client.copy(`${plain.host}/${repo}:v1`, `oci:${dir}:v1`);
    expect(out.digest).toBe(index.digest);
    expect(await skopeoInspectRaw(`oci:${dir}:v1`)).toEqual(index.bytes);
    const amd = await skopeoInspect(`oci:${dir}:v1`, { platform: { os: 'linux', arch: 'amd64' } });
    expect(amd['Layers']).toEqual([index.children[0]!.layers[0]!.digest]);
    const indexJson = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    expect(indexJson.manifests).toEqual([expect.objectContaining({ digest: index.digest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } })]);
    expect((await readdir(join(dir, 'blobs', 'sha256'))).some((name) => name.includes('.tmp'))).toBe(false);

    const back = await client.copy(`oci:${dir}:v1`, `${embedded.host}/${repo}:v2`);
    expect(back.digest).toBe(index.digest);
    expect(await skopeoInspectRaw(docker(embeddedTarget, `${repo}:v2`))).toEqual(index.bytes);
  });

  it('copies referrers both ways: API (embedded) → fallback tag (distribution), and back', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: `${unique('signed')}\n` });
    const repo = unique('signed');
    await pushImage(client, `${embedded.host}/${repo}`, image, 'v1');
    const empty = Buffer.from('{}');
    const layer = Buffer.from(`signature ${repo}`);
    const signature = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        artifactType: 'application/vnd.example.signature.v1+json',
        config: { mediaType: MediaType.OciEmpty, digest: digestOf(empty), size: empty.length },
        layers: [{ mediaType: 'application/vnd.example.signature.v1+json', digest: digestOf(layer), size: layer.length }],
        subject: { mediaType: MediaType.OciManifest, digest: image.manifest.digest, size: image.manifest.size },
      }),
    );
    await client.pushBlob(`${embedded.host}/${repo}`, empty);
    await client.pushBlob(`${embedded.host}/${repo}`, layer);
    await client.putManifest(`${embedded.host}/${repo}@${digestOf(signature)}`, signature);

    const there = await client.copy(`${embedded.host}/${repo}:v1`, `${plain.host}/${repo}:v1`, { referrers: true });
    expect(there.referrers).toEqual([digestOf(signature)]);
    expect((await client.listReferrers(`${plain.host}/${repo}@${image.manifest.digest}`)).map((d) => d.digest)).toEqual([digestOf(signature)]);
    const fallbackTag = image.manifest.digest.replace(':', '-');
    expect((await client.listTags(`${plain.host}/${repo}`)).sort()).toEqual([fallbackTag, 'v1'].sort());

    const back = await client.copy(`${plain.host}/${repo}:v1`, `${embedded.host}/${repo}-back:v1`, { referrers: true });
    expect(back.referrers).toEqual([digestOf(signature)]);
    expect((await client.listReferrers(`${embedded.host}/${repo}-back@${image.manifest.digest}`)).map((d) => d.digest)).toEqual([digestOf(signature)]);
    expect(await client.listTags(`${embedded.host}/${repo}-back`)).toEqual(['v1']);
  });
});

describe('copy of an image with a foreign (non-distributable) layer', async () => {
  const [plain] = distributionTargets() as [RegistryTarget];
  const embedded = await startRegistry();
  const client = plain.client();
  afterAll(async () => {
    await client.close();
    await embedded.close();
  });

  it('never fetches or uploads the foreign layer; a target that refuses its URL gets an error naming it', async () => {
    const repo = unique('foreign');
    const local = Buffer.from(`local layer ${repo}`);
    const foreignDigest = digestOf(Buffer.from(`never sent ${repo}`));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'windows', rootfs: { type: 'layers', diff_ids: [] } }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.DockerManifest,
        config: { mediaType: MediaType.DockerConfig, digest: digestOf(config), size: config.length },
        layers: [
          { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: foreignDigest, size: 1234, urls: ['https://foreign.invalid/layer.tar.gz'] },
          { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digestOf(local), size: local.length },
        ],
      }),
    );
    await client.pushBlob(`${embedded.host}/${repo}`, config);
    await client.pushBlob(`${embedded.host}/${repo}`, local);
    await client.putManifest(`${embedded.host}/${repo}:v1`, manifest);

    const copied = await client.copy(`${embedded.host}/${repo}:v1`, `${embedded.host}/${repo}-copy:v1`);
    expect(copied.plan.foreign.map((layer) => layer.digest)).toEqual([foreignDigest]);
    expect(copied.plan.blobs.map((blob) => blob.digest)).not.toContain(foreignDigest);
    expect(await client.blobExists(`${embedded.host}/${repo}-copy`, foreignDigest)).toBe(false);

    const refused = await client.copy(`${embedded.host}/${repo}:v1`, `${plain.host}/${repo}:v1`).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    // CNCF distribution accepts foreign URLs only when its configuration allows them (the test registries' does not).
    expect(refused?.message).toContain(`non-distributable layers that are never copied: ${foreignDigest} (https://foreign.invalid/layer.tar.gz)`);
    expect(await client.manifestExists(`${plain.host}/${repo}:v1`)).toBe(false);
  });
});
