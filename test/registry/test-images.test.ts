import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { ValidationError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { pushImage, randomImage, startRegistry, type ImagePushClient, type RunningRegistry } from '../../src/registry/index.js';

describe('randomImage', () => {
  it('builds a consistent image: digests, sizes, diff IDs and platform all agree', () => {
    const image = randomImage({ platform: 'linux/arm64/v8', layers: 2, layerSize: 100, seed: 1 });
    const manifest = JSON.parse(image.manifest.bytes.toString('utf8'));
    const config = JSON.parse(image.config.bytes.toString('utf8'));
    expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { digest: image.config.digest, size: image.config.size } });
    expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(image.layers.map((l) => l.digest));
    for (const blob of [image.manifest, image.config, ...image.layers]) {
      expect(blob.digest).toBe(digestOf(blob.bytes));
      expect(blob.size).toBe(blob.bytes.length);
    }
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: image.layers.map((l) => digestOf(gunzipSync(l.bytes))) });
    expect(config).toMatchObject({ architecture: 'arm64', os: 'linux', variant: 'v8' });
    expect(image.platform).toEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });
    // One file per layer: a 512-byte header, 100 bytes padded to 512, two zero blocks.
    expect(gunzipSync(image.layers[0]!.bytes).length).toBe(4 * 512);
  });

  it('is repeatable with a seed, and random without one', () => {
    const seeded = () => randomImage({ platform: 'linux/amd64', seed: 'same' }).manifest.digest;
    expect(seeded()).toBe(seeded());
    expect(randomImage({ platform: 'linux/amd64', seed: 'other' }).manifest.digest).not.toBe(seeded());
    expect(randomImage({ platform: 'linux/amd64' }).manifest.digest).not.toBe(randomImage({ platform: 'linux/amd64' }).manifest.digest);
  });

  it('takes explicit layer content, config and os.version, and writes Docker media types on request', () => {
    const image = randomImage({
      platform: 'windows/amd64:10.0.17763.1234',
      format: 'docker',
      layers: [{ files: [{ name: 'app.exe', content: 'binary' }] }, { tar: Buffer.alloc(1024) }],
      config: { Entrypoint: ['app.exe'] },
    });
    expect(image.manifest.mediaType).toBe(MediaType.DockerManifest);
    expect(image.layers.map((l) => l.mediaType)).toEqual([MediaType.DockerLayerGzip, MediaType.DockerLayerGzip]);
    expect(JSON.parse(image.config.bytes.toString('utf8'))).toMatchObject({ os: 'windows', 'os.version': '10.0.17763.1234', config: { Entrypoint: ['app.exe'] } });
    const tar = gunzipSync(image.layers[0]!.bytes);
    expect(tar.subarray(0, 7).toString('ascii')).toBe('app.exe');
    expect(tar.subarray(512, 518).toString('utf8')).toBe('binary');
    expect(image.layers[1]!.diffId).toBe(digestOf(Buffer.alloc(1024)));
    // gzip header: no name, mtime 0, OS pinned to Unix
    expect([...image.layers[0]!.bytes.subarray(3, 8), image.layers[0]!.bytes[9]]).toEqual([0, 0, 0, 0, 0, 3]);
  });

  it.each([
    [{}, /platform/],
    [{ platform: 'linux' }, /invalid platform/],
    [{ platform: { os: 'linux' } }, /platform needs os and architecture/],
    [{ platform: 'linux/amd64', format: 'zip' }, /format/],
    [{ platform: 'linux/amd64', layers: 0 }, /layers/],
    [{ platform: 'linux/amd64', layers: [{ nope: 1 }] }, /each entry of layers/],
    [{ platform: 'linux/amd64', layerSize: -1 }, /layerSize/],
    [{ platform: 'linux/amd64', format: 'docker', annotations: { a: 'b' } }, /annotations need the oci format/],
    [{ platform: 'linux/amd64', compressionLevel: 10 }, /compressionLevel/],
    [{ platform: 'linux/amd64', layers: [{ files: [{ name: '../x', content: '' }] }] }, /layer file name/],
  ])('refuses %j', (options, message) => {
    expect(() => randomImage(options as never)).toThrow(ValidationError);
    expect(() => randomImage(options as never)).toThrow(message);
  });
});

describe('pushImage', () => {
  let registry: RunningRegistry;
  let client: RegistryClient;
  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ dockerConfig: false });
  });
  afterAll(async () => {
    await client?.close();
    await registry?.close();
  });

  it('pushes blobs, then the manifest, with the library client', async () => {
    const image = randomImage({ platform: 'linux/s390x', layers: 2, seed: 'push' });
    const pusher: ImagePushClient = client;
    const ref = `${registry.host}/images/app:s390x`;
    expect(await pushImage(pusher, ref, image)).toEqual({ mediaType: MediaType.OciManifest, digest: image.manifest.digest, size: image.manifest.size });
    expect((await client.getManifest(ref)).bytes.equals(image.manifest.bytes)).toBe(true);
    for (const layer of image.layers) expect((await client.getBlobBytes(ref, layer)).equals(layer.bytes)).toBe(true);
  });

  it('checks its arguments', async () => {
    const image = randomImage({ platform: 'linux/amd64', seed: 0 });
    await expect(pushImage({} as never, 'r/a:1', image)).rejects.toThrow(/client must have/);
    await expect(pushImage(client, '', image)).rejects.toThrow(/reference/);
    await expect(pushImage(client, 'r/a:1', {} as never)).rejects.toThrow(/randomImage/);
  });
});
