/**
 * The pure rules of OCI 1.1 artifacts (image-spec manifest.md "Guidelines for Artifact Usage",
 * descriptor.md "Empty Descriptor"): an image manifest whose `artifactType` says what it is,
 * whose config is the empty JSON object, whose layers are the artifact's files, and whose
 * `subject` names the manifest it is about. The pushes that build one live in remote/artifacts.ts.
 */
import type { Digest } from './digest.js';
import type { OciImageManifest } from './manifest.js';
import { MediaType } from './media-types.js';
import type { Descriptor } from './schemas.js';

/** The empty JSON object `{}`: the config of an artifact, and its only layer when it has no files. */
export const EMPTY_JSON: Buffer = Buffer.from('{}');

/**
 * The descriptor of {@link EMPTY_JSON}: `application/vnd.oci.empty.v1+json`, size 2. The digest is
 * the one image-spec gives for it, written out so that importing the vocabulary hashes nothing (and
 * so loads no `node:crypto`); test/oci/artifact.test.ts holds it to the hash of the bytes.
 */
export const EMPTY_DESCRIPTOR: Readonly<Descriptor> & { digest: Digest } = Object.freeze({
  mediaType: MediaType.OciEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: EMPTY_JSON.length,
});

/** The annotation naming a file (oras, image-spec annotations.md). */
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';

/** The annotation holding the creation time; an artifact carries it only when the caller gives it. */
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** `type/subtype` as RFC 6838 restricts it (the grammar image-spec asks of `artifactType` and `mediaType`). */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** True for a media type such as `application/vnd.example.sbom.v1+json` (no parameters). */
export function isMediaType(value: string): boolean {
  return MEDIA_TYPE.test(value);
}

/** What an artifact manifest is made of. */
export interface ArtifactParts {
  artifactType: string;
  /** The artifact's blobs, in order; none gives the empty descriptor as the only layer, for registries that refuse an empty list. */
  layers: readonly Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/**
 * The artifact manifest of `parts`, fields in a fixed order so the same parts always give the same
 * bytes and digest: `schemaVersion`, `mediaType`, `artifactType`, `config`, `layers`, `subject`,
 * `annotations` (left out when empty).
 */
export function artifactManifest(parts: ArtifactParts): OciImageManifest {
  const manifest: OciImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: parts.artifactType,
    config: { ...EMPTY_DESCRIPTOR },
    layers: parts.layers.length > 0 ? parts.layers.map((layer) => ({ ...layer })) : [{ ...EMPTY_DESCRIPTOR }],
  };
  if (parts.subject !== undefined) manifest.subject = { mediaType: parts.subject.mediaType, digest: parts.subject.digest, size: parts.subject.size };
  if (parts.annotations !== undefined && Object.keys(parts.annotations).length > 0) manifest.annotations = { ...parts.annotations };
  return manifest;
}
