/**
 * `--metadata-file`: what a write produced, as JSON in the keys `docker buildx build
 * --metadata-file` writes, so a script (or docker/build-push-action's outputs) that reads buildx's
 * file reads ours the same way.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The written manifest as buildx describes it. */
export interface WrittenDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/**
 * `containerimage.descriptor` (`{ mediaType, digest, size }`), `containerimage.digest`, and
 * `image.name`: the references written, joined with commas (buildx's own separator).
 */
export function buildxMetadata(descriptor: WrittenDescriptor, references: readonly string[]): Record<string, unknown> {
  const { mediaType, digest, size } = descriptor;
  return {
    'containerimage.descriptor': { mediaType, digest, size },
    'containerimage.digest': digest,
    'image.name': references.join(','),
  };
}

/**
 * Writes `metadata` to `file` as indented JSON, through a temporary file in the same directory
 * renamed over it, so a reader never sees half a file. The directory must exist.
 */
export async function writeMetadataFile(file: string, metadata: Record<string, unknown>): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(metadata, null, 2)}\n`, { mode: 0o644 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Why `file` cannot be written (its directory is missing or is not one), or undefined when it can be tried. */
export async function checkMetadataDirectory(file: string): Promise<string | undefined> {
  const directory = dirname(file);
  try {
    if (!(await stat(directory)).isDirectory()) return `${file}: ${directory} is not a directory`;
  } catch {
    return `${file}: the directory ${directory} does not exist`;
  }
  return undefined;
}
