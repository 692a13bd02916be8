import type { RegistryClient } from '../index.js';

const CHILD_DIGEST = /\bchild (sha256:[0-9a-f]{64})\b/g;

/**
 * The library names an index entry by its digest (`child sha256:…`); the user wrote references.
 * When a message names entries so, each image is looked up (one HEAD each) and every digest that
 * one of them points at is shown as `IMAGE (sha256:…)`. Lookups that fail leave the digest alone.
 */
export async function withChildNames(error: unknown, client: RegistryClient, images: readonly string[]): Promise<unknown> {
  if (!(error instanceof Error) || error.message.search(CHILD_DIGEST) === -1) return error;
  const digests = await Promise.all(images.map((image) => client.headManifest(image, { timeoutMs: 10_000 }).then((d) => d.digest, () => undefined)));
  const byDigest = new Map(images.flatMap((image, i) => (digests[i] ? [[digests[i], image] as const] : [])));
  const message = error.message.replace(CHILD_DIGEST, (whole, digest: string) => {
    const image = byDigest.get(digest);
    return image ? `${image} (${digest})` : whole;
  });
  return message === error.message ? error : new Error(message, { cause: error });
}
