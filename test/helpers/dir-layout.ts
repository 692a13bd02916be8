import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltBlob, BuiltImage, BuiltIndex } from './images.js';

/**
 * Writes an image or index in the layout of skopeo's `dir:` transport (`manifest.json`, one
 * file per blob named by its hex digest, `HEX.manifest.json` per child of an index), so tools
 * can read it as `dir:DIR`. Unlike the `oci:` transport of skopeo 1.9, this carries Docker
 * media types unchanged: the manifest type is taken from the manifest's own `mediaType`.
 */
export async function writeDirLayout(dir: string, content: BuiltImage | BuiltIndex): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  const writeBlob = (blob: BuiltBlob): Promise<void> => writeFile(join(dir, hexOf(blob)), blob.bytes);
  const writeImageBlobs = async (image: BuiltImage): Promise<void> => {
    await writeBlob(image.config);
    for (const layer of image.layers) await writeBlob(layer);
  };

  if ('manifest' in content) {
    await writeImageBlobs(content);
    await writeFile(join(dir, 'manifest.json'), content.manifest.bytes);
    return;
  }
  for (const child of content.children) {
    await writeImageBlobs(child);
    await writeFile(join(dir, `${hexOf(child.manifest)}.manifest.json`), child.manifest.bytes);
  }
  await writeFile(join(dir, 'manifest.json'), content.bytes);
}

function hexOf(blob: Pick<BuiltBlob, 'digest'>): string {
  return blob.digest.slice(blob.digest.indexOf(':') + 1);
}
