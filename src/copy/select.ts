/**
 * Which part of a source index a copy takes (pure): every child, the children of some platforms
 * (the index is rewritten, so its digest changes), or one platform's manifest on its own (unwrap).
 */
import { digestOf } from '../oci/digest.js';
import { ATTESTATION_MANIFEST, REFERENCE_DIGEST, REFERENCE_TYPE, isAttestationEntry } from '../oci/attestation.js';
import { formatPlatform, parsePlatform, platformMatches } from '../oci/platform.js';
import type { ImageIndex } from '../oci/manifest.js';
import type { Descriptor, Platform } from '../oci/schemas.js';
import { ValidationError } from '../errors.js';
import type { ReadManifest } from './stores.js';

/** How the copied top manifest relates to the source's. */
export type Rewrite = 'platforms' | 'unwrap';

/** The index entries whose platform is one of `platforms`, with the attestation manifests that describe them. */
export function entriesForPlatforms(index: ImageIndex, platforms: readonly string[], what: string): Descriptor[] {
  const wanted = platforms.map((p) => parsePlatform(p));
  const images = index.manifests.filter((entry) => !isAttestationEntry(entry) && entry.platform && wanted.some((w) => platformMatches(w, entry.platform as Platform)));
  const missing = wanted.filter((w) => !images.some((entry) => platformMatches(w, entry.platform as Platform)));
  if (missing.length > 0) {
    const there = index.manifests.filter((entry) => entry.platform && !isAttestationEntry(entry)).map((entry) => formatPlatform(entry.platform as Platform));
    throw new ValidationError(`${what}: no manifest for ${missing.map(formatPlatform).join(', ')}; the index has ${there.join(', ') || 'no platforms'}`);
  }
  const kept = new Set(images.map((entry) => entry.digest));
  return index.manifests.filter(
    (entry) => kept.has(entry.digest) || (entry.annotations?.[REFERENCE_TYPE] === ATTESTATION_MANIFEST && kept.has(entry.annotations[REFERENCE_DIGEST] ?? '')),
  );
}

/** The index with only `entries` (in their order), every other field kept: new bytes, new digest. */
export function rewriteIndex(source: ReadManifest, entries: readonly Descriptor[]): ReadManifest {
  const document = JSON.parse(source.bytes.toString('utf8')) as Record<string, unknown>;
  const bytes = Buffer.from(JSON.stringify({ ...document, manifests: entries }));
  return { bytes, descriptor: { mediaType: source.descriptor.mediaType, digest: digestOf(bytes), size: bytes.length } };
}

/** The single entry `unwrap` takes: exactly one platform must be asked for, and the index must have it. */
export function entryToUnwrap(index: ImageIndex, platforms: readonly string[] | undefined, what: string): Descriptor {
  if (platforms?.length !== 1) throw new ValidationError(`${what}: unwrap copies one platform's manifest: name exactly one platform (platforms: ['linux/amd64'])`);
  const images = entriesForPlatforms(index, platforms, what).filter((entry) => !isAttestationEntry(entry));
  return images[0]!;
}
