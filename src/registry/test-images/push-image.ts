import { ValidationError } from '../../errors.js';
import type { ImageBlob, TestImage } from './random-image.js';

/**
 * The two client methods {@link pushImage} calls; `RegistryClient` of `multiplatform` has them.
 * Declared here so that the registry does not depend on the client.
 */
export interface ImagePushClient {
  pushBlob(repository: string, data: Uint8Array): Promise<unknown>;
  putManifest(reference: string, bytes: Uint8Array, options?: { mediaType?: string }): Promise<{ digest: string }>;
}

/**
 * Pushes an image made by {@link randomImage} to `reference` (`host/repository:tag` or `@digest`):
 * its config and layers first, then its manifest. Resolves to the manifest's descriptor.
 */
export async function pushImage(client: ImagePushClient, reference: string, image: TestImage): Promise<{ mediaType: string; digest: string; size: number }> {
  if (client === null || typeof client !== 'object' || typeof client.pushBlob !== 'function' || typeof client.putManifest !== 'function') {
    throw new ValidationError('pushImage: client must have pushBlob() and putManifest(), as RegistryClient does');
  }
  if (typeof reference !== 'string' || reference === '') throw new ValidationError('pushImage: reference must be a non-empty string');
  if (!isImage(image)) throw new ValidationError('pushImage: image must be an image made by randomImage()');
  for (const blob of [image.config, ...image.layers]) await client.pushBlob(reference, blob.bytes);
  await client.putManifest(reference, image.manifest.bytes, { mediaType: image.manifest.mediaType });
  return { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size };
}

function isImage(image: TestImage): boolean {
  const isBlob = (blob: ImageBlob | undefined): boolean => blob !== null && typeof blob === 'object' && blob.bytes instanceof Uint8Array;
  return image !== null && typeof image === 'object' && isBlob(image.manifest) && isBlob(image.config) && Array.isArray(image.layers) && image.layers.every(isBlob);
}
