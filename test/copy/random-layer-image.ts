import { randomBytes } from 'node:crypto';
import { MediaType, type RegistryClient } from '../../src/index.js';
import { digestOf } from '../../src/oci/index.js';

/** A linux/amd64 image of one uncompressed layer of `size` random bytes. */
export interface RandomLayerImage {
  layer: Buffer;
  config: Buffer;
  manifest: Buffer;
}

/** A linux/amd64 image whose one uncompressed layer is `size` random bytes. */
export function randomLayerImage(size: number): RandomLayerImage {
  const layer = randomBytes(size);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
    }),
  );
  return { layer, config, manifest };
}

/** Builds a {@link RandomLayerImage} and pushes it to `repo:tag` (blobs first). */
export async function pushRandomLayerImage(client: RegistryClient, repo: string, tag: string, size: number): Promise<RandomLayerImage> {
  const { layer, config, manifest } = randomLayerImage(size);
  await client.pushBlob(repo, config);
  await client.pushBlob(repo, layer);
  await client.putManifest(`${repo}:${tag}`, manifest);
  return { layer, config, manifest };
}
