import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  InvalidReferenceError,
  MediaType,
  NetworkError,
  RegistryClient,
  RegistryError,
  SizeLimitError,
  isImageIndex,
  isNotFound,
} from '../../src/index.js';
import { digestOf } from '../../src/oci/index.js';
import { blobsOf, buildImage, buildIndex, writeOciLayout, type BuiltImage } from '../helpers/images.js';
import { readTokenStats, sharedRegistries } from '../helpers/registries.js';
import { skopeoCopy, skopeoInspectRaw } from '../helpers/skopeo.js';
import { allTargets, distributionTargets, type RegistryTarget } from '../helpers/targets.js';

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function pushImage(client: RegistryClient, repo: string, image: BuiltImage, tag: string): Promise<void> {
  for (const blob of [image.config, ...image.layers]) await client.pushBlob(repo, blob.bytes);
  await client.putManifest(`${repo}:${tag}`, image.manifest.bytes);
}

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mp-client-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.each(await allTargets())('RegistryClient against $name', (target: RegistryTarget) => {
  const client = target.client();
  afterAll(() => client.close());

  it('pushes blobs from bytes, a file and a stream of unknown length, and reads them back verified', async () => {
    const repo = `${target.host}/${unique('blobs')}`;
    const bytes = randomBytes(100_000);
    const fromBytes = await client.pushBlob(repo, bytes);
    expect(fromBytes).toMatchObject({ digest: digestOf(bytes), size: bytes.length, outcome: 'uploaded' });
    expect((await client.pushBlob(repo, bytes)).outcome).toBe('existing');

    const file = join(scratch, unique('blob'));
    const fileBytes = randomBytes(300_000);
    await writeFile(file, fileBytes);
    const fromFile = await client.pushBlob(repo, file);
    expect(fromFile).toMatchObject({ digest: digestOf(fileBytes), size: fileBytes.length, outcome: 'uploaded' });

    // Several PATCH chunks: a 64 KiB chunk size over 200 KB of data arriving in odd-sized pieces.
    const streamed = randomBytes(200_000);
    const chunky = target.client({ chunkSize: 64 * 1024 });
    const pieces = [streamed.subarray(0, 1), streamed.subarray(1, 70_000), streamed.subarray(70_000)];
    const fromStream = await chunky.pushBlob(repo, Readable.from(pieces));
    await chunky.close();
    expect(fromStream).toMatchObject({ digest: digestOf(streamed), size: streamed.length, outcome: 'uploaded' });

    for (const [data, descriptor] of [
      [bytes, fromBytes],
      [fileBytes, fromFile],
      [streamed, fromStream],
    ] as const) {
      expect(await client.headBlob(repo, descriptor.digest)).toMatchObject({ digest: descriptor.digest, size: data.length });
      const back = await streamToBuffer(await client.getBlob(repo, descriptor));
      expect(back.equals(data)).toBe(true);
    }
    expect(await client.blobExists(repo, digestOf(randomBytes(8)))).toBe(false);
  });

  it.each(['oci', 'docker'] as const)('puts and gets a %s manifest byte-exact, and skopeo reads the same bytes', async (format) => {
    const repo = `${target.host}/${unique(`manifest-${format}`)}`;
    const image = buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', format, content: unique('content') });
    await pushImage(client, repo, image, 'v1');

    const got = await client.getManifest(`${repo}:v1`);
    expect(got.bytes.equals(image.manifest.bytes)).toBe(true);
    expect(got.descriptor).toEqual({ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size });
    expect(got.manifest.mediaType).toBe(image.manifest.mediaType);
    expect(isImageIndex(got.manifest)).toBe(false);
    if (!isImageIndex(got.manifest)) expect(got.manifest.config.digest).toBe(image.config.digest);

    expect(await client.headManifest(`${repo}:v1`)).toEqual(got.descriptor);
    const byDigest = await client.getManifest(`${repo}@${image.manifest.digest}`);
    expect(byDigest.bytes.equals(image.manifest.bytes)).toBe(true);

    const raw = await skopeoInspectRaw(`docker://${repo}:v1`, { creds: target.skopeoCreds });
    expect(raw.equals(image.manifest.bytes)).toBe(true);
    const config = await client.getBlobBytes(repo, image.config);
    expect(JSON.parse(config.toString())).toMatchObject({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  });

  it('puts an index whose children are in the repository, and reads it as a typed index', async () => {
    const repo = `${target.host}/${unique('index')}`;
    const amd = buildImage({ os: 'linux', architecture: 'amd64', content: unique('a') });
    const arm = buildImage({ os: 'linux', architecture: 'arm', variant: 'v7', content: unique('b') });
    for (const image of [amd, arm]) await pushImage(client, repo, image, image.platform.architecture);
    const index = buildIndex([amd, arm], 'oci');
    const put = await client.putManifest(`${repo}:multi`, index.bytes);
    expect(put).toEqual({ mediaType: MediaType.OciIndex, digest: index.digest, size: index.size });
    const got = await client.getManifest(`${repo}:multi`);
    expect(isImageIndex(got.manifest)).toBe(true);
    if (isImageIndex(got.manifest)) expect(got.manifest.manifests.map((m) => m.platform?.architecture)).toEqual(['amd64', 'arm']);
    expect((await skopeoInspectRaw(`docker://${repo}:multi`, { creds: target.skopeoCreds })).equals(index.bytes)).toBe(true);
  });

  it('reads an image that skopeo pushed', async () => {
    const repo = `${target.host}/${unique('from-skopeo')}`;
    const image = buildImage({ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1234', content: unique('w') });
    const layout = join(scratch, unique('layout'));
    await writeOciLayout(layout, [{ tag: 'src', image }]);
    await skopeoCopy(`oci:${layout}:src`, `docker://${repo}:win`, { destCreds: target.skopeoCreds, preserveDigests: true });
    const got = await client.getManifest(`${repo}:win`);
    expect(got.descriptor.digest).toBe(image.manifest.digest);
    const config = JSON.parse((await client.getBlobBytes(repo, image.config)).toString());
    expect(config['os.version']).toBe('10.0.17763.1234');
    for (const layer of image.layers) {
      expect((await streamToBuffer(await client.getBlob(repo, layer))).equals(layer.bytes)).toBe(true);
    }
  });

  it('mounts a blob across repositories and falls back to copying when the registry declines', async () => {
    const source = `${target.host}/${unique('mount-src')}`;
    const dest = `${target.host}/${unique('mount-dst')}`;
    const bytes = randomBytes(50_000);
    const pushed = await client.pushBlob(source, bytes);
    const mounted = await client.mountBlob(dest, pushed.digest, { from: source });
    expect(mounted).toMatchObject({ digest: pushed.digest, size: bytes.length, outcome: 'mounted' });
    expect((await streamToBuffer(await client.getBlob(dest, pushed))).equals(bytes)).toBe(true);
    expect((await client.mountBlob(dest, pushed.digest, { from: source })).outcome).toBe('existing');
  });

  it('lists tags and the catalog', async () => {
    const name = unique('tags');
    const repo = `${target.host}/${name}`;
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: unique('t') });
    for (const tag of ['one', 'two', 'three']) await pushImage(client, repo, image, tag);
    expect((await client.listTags(repo)).sort()).toEqual(['one', 'three', 'two']);
    expect(await client.catalog(target.host, { pageSize: 2 })).toContain(name);
  });

  it('deletes a manifest by tag (resolved to its digest) and by digest', async () => {
    const repo = `${target.host}/${unique('delete')}`;
    const a = buildImage({ os: 'linux', architecture: 'amd64', content: unique('d1') });
    const b = buildImage({ os: 'linux', architecture: 'amd64', content: unique('d2') });
    await pushImage(client, repo, a, 'a');
    await pushImage(client, repo, b, 'b');
    expect(await client.deleteManifest(`${repo}:a`)).toBe(a.manifest.digest);
    expect(await client.deleteManifest(`${repo}@${b.manifest.digest}`)).toBe(b.manifest.digest);
    for (const ref of [`${repo}:a`, `${repo}@${b.manifest.digest}`]) {
      const error = await client.getManifest(ref).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect(isNotFound(error)).toBe(true);
      expect((error as RegistryError).codes).toContain('MANIFEST_UNKNOWN');
    }
    expect(await client.manifestExists(`${repo}:a`)).toBe(false);
  });

  it('reports unknown repositories and manifests as typed not-found errors naming the reference', async () => {
    const ref = `${target.host}/${unique('nothing-here')}:latest`;
    const error = await client.getManifest(ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(isNotFound(error)).toBe(true);
    expect((error as Error).message).toContain(ref);
  });

  it('caps manifest reads', async () => {
    const repo = `${target.host}/${unique('cap')}`;
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: unique('c') });
    await pushImage(client, repo, image, 'v1');
    const small = target.client({ maxManifestBytes: 100 });
    await expect(small.getManifest(`${repo}:v1`)).rejects.toBeInstanceOf(SizeLimitError);
    await small.close();
  });

  if (target.auth !== 'none') {
    it('fails with a typed auth error naming the source and never the password, for wrong and for missing credentials', async () => {
      const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
      const wrong = new RegistryClient({
        dockerConfig: false,
        credentials: { [target.host]: { username: target.username!, password: wrongPassword } },
      });
      const error = await wrong.getManifest(`${target.host}/${unique('secure')}:v1`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).source).toBe('options');
      expect((error as Error).message).not.toContain(wrongPassword);
      expect(JSON.stringify(error)).not.toContain(wrongPassword);
      await wrong.close();

      const anonymous = new RegistryClient({ dockerConfig: false });
      const anonymousError = await anonymous.pushBlob(`${target.host}/${unique('secure')}`, Buffer.from('x')).catch((e: unknown) => e);
      expect(anonymousError).toBeInstanceOf(AuthError);
      expect((anonymousError as AuthError).source).toBe('anonymous');
      await anonymous.close();
    });

    it('reads credentials from a Docker config.json', async () => {
      const dir = join(scratch, unique('docker-config'));
      const { mkdir } = await import('node:fs/promises');
      await mkdir(dir);
      const auth = Buffer.from(`${target.username}:${target.password}`).toString('base64');
      await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [`http://${target.host}`]: { auth } } }));
      const fromConfig = new RegistryClient({ dockerConfig: dir });
      const repo = `${target.host}/${unique('config-auth')}`;
      const pushed = await fromConfig.pushBlob(repo, Buffer.from('from docker config'));
      expect(pushed.outcome).toBe('uploaded');
      await fromConfig.close();
    });
  }
});

describe('token cache against the token-auth registry', () => {
  it('fetches one token per scope set, not one per request', async () => {
    const registry = sharedRegistries().token;
    const client = new RegistryClient({
      dockerConfig: false,
      credentials: { [registry.host]: { username: registry.username!, password: registry.password! } },
    });
    const name = unique('cache');
    const repo = `${registry.host}/${name}`;
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: unique('cache') });
    await pushImage(client, repo, image, 'v1');
    for (let i = 0; i < 10; i++) await client.getManifest(`${repo}:v1`);
    await Promise.all(Array.from({ length: 10 }, () => client.headManifest(`${repo}:v1`)));
    const used = (await readTokenStats(registry)).byRepository[name] ?? 0;
    // The pull+push token fetched for the first upload covers every later pull.
    expect(used).toBe(1);
    expect(client.tokenRequests).toBe(used);
    await client.close();
  });
});

describe('bad input as a new user would try it', () => {
  const client = new RegistryClient({ dockerConfig: false, retry: false });
  afterAll(() => client.close());

  it.each(['', 'UPPER/case:tag', 'https://ghcr.io/o/r', 'repo:', 'a/b@sha256:xyz', 'a//b', 'repo:tag with space'])(
    'rejects the malformed reference %j before any request',
    async (ref) => {
      await expect(client.getManifest(ref)).rejects.toBeInstanceOf(InvalidReferenceError);
    },
  );

  it('fails fast with a NetworkError when the registry is down', async () => {
    const started = Date.now();
    const error = await client.getManifest('127.0.0.1:1/app:v1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('ECONNREFUSED');
    expect((error as Error).message).toContain('127.0.0.1:1/app:v1');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects a bad digest before any request', async () => {
    const registry = sharedRegistries().plain;
    await expect(client.getBlob(`${registry.host}/x`, 'sha256:../../etc/passwd')).rejects.toThrow(/invalid digest/);
    await expect(client.getBlob(`${registry.host}/x`, `sha256:${'A'.repeat(64)}`)).rejects.toThrow(/lowercase hex/);
  });
});

describe('what our client pushes, skopeo copies', () => {
  it('copies a list pushed by the client with skopeo copy --all', async () => {
    const registry = sharedRegistries().basic;
    const target = distributionTargets()[1]!;
    const client = target.client();
    const repo = `${registry.host}/${unique('copy-all')}`;
    const images = [
      buildImage({ os: 'linux', architecture: 'amd64', content: unique('x') }),
      buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', content: unique('y') }),
    ];
    for (const image of images) await pushImage(client, repo, image, image.platform.architecture);
    const oci = buildIndex(images, 'oci');
    await client.putManifest(`${repo}:all`, oci.bytes);
    const copy = `${registry.host}/${unique('copy-all-dest')}:all`;
    await skopeoCopy(`docker://${repo}:all`, `docker://${copy}`, { all: true, srcCreds: target.skopeoCreds, destCreds: target.skopeoCreds, preserveDigests: true });
    const copied = await client.getManifest(copy);
    expect(copied.bytes.equals(oci.bytes)).toBe(true);
    for (const blob of images.flatMap((image) => blobsOf(image).slice(1))) {
      expect(await client.blobExists(copy.replace(/:all$/, ''), blob.digest)).toBe(true);
    }
    await client.close();
  });
});

describe.each(await allTargets())('deleteTag against $name', (target: RegistryTarget) => {
  const client = target.client();
  afterAll(() => client.close());

  it('removes one of two tags of a manifest; the other still names the same digest, as skopeo reads it', async () => {
    const repo = `${target.host}/${unique('delete-tag')}`;
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: unique('dt') });
    await pushImage(client, repo, image, 'release');
    await client.putManifest(`${repo}:temp`, image.manifest.bytes);

    const result = await client.deleteTag(`${repo}:temp`);
    // CNCF distribution 2.8 answers a DELETE by tag with 400 DIGEST_INVALID, so the fallback runs there.
    expect(result).toEqual({ tag: 'temp', method: target.kind === 'distribution' ? 'overwrite-and-delete' : 'delete-by-tag' });

    expect(await client.listTags(repo)).toEqual(['release']);
    expect(await client.manifestExists(`${repo}:temp`)).toBe(false);
    expect((await client.headManifest(`${repo}:release`)).digest).toBe(image.manifest.digest);
    expect(await client.manifestExists(`${repo}@${image.manifest.digest}`)).toBe(true);
    const raw = await skopeoInspectRaw(`docker://${repo}:release`, { creds: target.skopeoCreds });
    expect(digestOf(raw)).toBe(image.manifest.digest);
    await expect(skopeoInspectRaw(`docker://${repo}:temp`, { creds: target.skopeoCreds })).rejects.toThrow();
  });

  it('fails as not found for a tag that does not exist, and writes nothing', async () => {
    const repo = `${target.host}/${unique('delete-tag-missing')}`;
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: unique('dtm') });
    await pushImage(client, repo, image, 'release');
    const error = await client.deleteTag(`${repo}:missing`).catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect(await client.listTags(repo)).toEqual(['release']);
  });
});
