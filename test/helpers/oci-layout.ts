import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { BuiltBlob, BuiltImage, BuiltIndex } from './images.js';

/** A tagged entry of an OCI image layout: one image, or an index together with its child images. */
export type OciLayoutEntry = { tag: string; image: BuiltImage } | { tag: string; index: BuiltIndex };

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Writes an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) to `dir`, so that
 * tools can read it as `oci:DIR:TAG`. Each tag becomes an `index.json` entry annotated with
 * `org.opencontainers.image.ref.name`.
 *
 * skopeo 1.9 only finds index.json entries of OCI media types, so Docker-format images written
 * here cannot be read back by it; use `writeDirLayout` (`dir:DIR`) for those.
 */
export async function writeOciLayout(dir: string, entries: readonly OciLayoutEntry[]): Promise<void> {
  const tags = new Set<string>();
  for (const { tag } of entries) {
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new ValidationError(`OCI layout tag ${JSON.stringify(tag)} is not a valid tag`);
    if (tags.has(tag)) throw new ValidationError(`OCI layout tag ${JSON.stringify(tag)} is used twice`);
    tags.add(tag);
  }

  const blobs = new Map<string, BuiltBlob>();
  const addImage = (image: BuiltImage): void => {
    for (const blob of [image.manifest, image.config, ...image.layers]) blobs.set(blob.digest, blob);
  };
  const manifests = entries.map((entry) => {
    if ('image' in entry) {
      addImage(entry.image);
      const { manifest, platform } = entry.image;
      return { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size, annotations: { [REF_NAME]: entry.tag }, platform };
    }
    entry.index.children.forEach(addImage);
    blobs.set(entry.index.digest, entry.index);
    const { mediaType, digest, size } = entry.index;
    return { mediaType, digest, size, annotations: { [REF_NAME]: entry.tag } };
  });

  const blobDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  for (const blob of blobs.values()) {
    await writeFile(join(blobDir, blob.digest.slice('sha256:'.length)), blob.bytes);
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
}
