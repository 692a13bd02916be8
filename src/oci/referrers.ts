/**
 * The pure rules of referrers (distribution-spec "Listing Referrers" and "Pushing Manifests with
 * Subject"): the fallback tag's name, the entry a referrer gets, and how an index gains one.
 * The round trips that apply them live in remote/manifests.ts and remote/referrers.ts.
 */
import type { Digest } from './digest.js';
import { isImageManifest, type Manifest, type OciImageIndex } from './manifest.js';
import { MediaType } from './media-types.js';
import type { Descriptor } from './schemas.js';

/**
 * The tag under which referrers are listed where the registry has no referrers API: the digest's
 * algorithm (at most 32 characters), `-`, and its encoded part (at most 64 characters), with any
 * character a tag cannot hold replaced by `-` (so `sha256:ab…` becomes `sha256-ab…`).
 */
export function referrersTag(subject: Digest): string {
  const separator = subject.indexOf(':');
  const algorithm = subject.slice(0, separator).slice(0, 32);
  const encoded = subject.slice(separator + 1).slice(0, 64);
  return `${algorithm}-${encoded}`.replace(/[^A-Za-z0-9._-]/g, '-');
}

/** The entry a referrers index holds for a manifest: its descriptor, artifact type and annotations. */
export function referrerDescriptor(manifest: Manifest, pushed: Descriptor): Descriptor {
  const entry: Descriptor = { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size };
  const artifactType = ('artifactType' in manifest ? manifest.artifactType : undefined) || (isImageManifest(manifest) ? manifest.config.mediaType : undefined);
  if (artifactType) entry.artifactType = artifactType;
  const annotations = 'annotations' in manifest ? manifest.annotations : undefined;
  if (annotations && Object.keys(annotations).length > 0) entry.annotations = { ...annotations };
  return entry;
}

/** True for a parsed manifest that names a `subject` (only OCI manifests and indexes can). */
export function hasSubject(manifest: Manifest): manifest is Manifest & { subject: Descriptor } {
  return 'subject' in manifest && manifest.subject !== undefined;
}

/** The index a fallback tag starts from when it does not exist yet: an OCI index listing nothing. */
export function emptyReferrersIndex(): OciImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
}

/**
 * `index` with `entry` appended, keeping every other entry and field; undefined when an entry with
 * the same digest is listed already (then there is nothing to write).
 */
export function withReferrer(index: OciImageIndex, entry: Descriptor): OciImageIndex | undefined {
  if (index.manifests.some((listed) => listed.digest === entry.digest)) return undefined;
  return { ...index, manifests: [...index.manifests, entry] };
}
