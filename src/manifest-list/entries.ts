/**
 * The stages an entry of a new index passes through on its way to the target repository:
 * resolved (looked up, platform settled) → prepared (converted where asked) → planned (what the
 * target lacks). Internal: the public result speaks of {@link PlannedChild}.
 */
import type { Digest } from '../oci/digest.js';
import type { ImageManifest } from '../oci/manifest.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor, Platform } from '../oci/schemas.js';
import type { PlannedChild, WrittenIndex } from './types.js';
import type { ComposedIndex, IndexEntry } from './compose.js';

/** A single-platform manifest (or attestation manifest) that becomes one entry of the new index. */
export interface ResolvedEntry {
  /** The spec's reference for a direct child; `registry/repository@digest` for one taken out of a child index. */
  image: string;
  /** Where the manifest is now: its repository, pinned to its digest. */
  source: Reference;
  bytes: Buffer;
  manifest: ImageManifest;
  /** mediaType, digest and size (and artifactType, when known) of the manifest. */
  descriptor: Descriptor;
  platform: Platform;
  annotations?: Record<string, string>;
  attestation: boolean;
}

/** An entry ready for the index: possibly rewritten to the other media-type family. */
export interface PreparedEntry extends ResolvedEntry {
  /** The digest before conversion, when the manifest was converted. */
  convertedFrom?: Digest;
}

/** An entry with what must be done to have it in the target repository. */
export interface PlannedEntry extends PreparedEntry {
  action: PlannedChild['action'];
  /** True when the target repository already has the manifest (by digest): no PUT needed. */
  manifestPresent: boolean;
  /** Blobs the target repository lacks. */
  blobs: Descriptor[];
}

/** The entry as {@link composeIndex} takes it. */
export function indexEntryOf(entry: PreparedEntry): IndexEntry {
  const indexEntry: IndexEntry = { descriptor: entry.descriptor, platform: entry.platform };
  if (entry.annotations !== undefined) indexEntry.annotations = entry.annotations;
  return indexEntry;
}

/** The parts of a composed index every result reports. */
export function writtenIndex(composed: ComposedIndex): WrittenIndex {
  return { digest: composed.digest, mediaType: composed.mediaType, size: composed.size, bytes: composed.bytes, index: composed.index };
}
