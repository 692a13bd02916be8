/**
 * Pure OCI and distribution vocabulary: no I/O, no imports from outside `oci/`, `util/` and
 * `errors.ts`, so every layer may use it without creating loops.
 *
 * `multiplatform/oci`: references, digests, media types, manifest and platform types, composing
 * and converting manifests, and the errors these raise. Importing it opens no socket and loads no
 * HTTP client.
 * @packageDocumentation
 */
export {
  parseReference,
  toReference,
  isReference,
  validateRepository,
  validateTag,
  normalizeRegistry,
  registryApiHost,
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  type Reference,
  type ReferenceInput,
  type ParseReferenceOptions,
} from './reference.js';

export {
  parseDigest,
  isDigest,
  digestAlgorithm,
  digestOf,
  Digester,
  VerifyingStream,
  DIGEST_ALGORITHMS,
  type Digest,
  type DigestAlgorithm,
} from './digest.js';

export {
  MediaType,
  MANIFEST_MEDIA_TYPES,
  MANIFEST_ACCEPT,
  baseMediaType,
  isIndexMediaType,
  isImageManifestMediaType,
  isManifestMediaType,
  isOciMediaType,
  isDockerMediaType,
  isSchema1MediaType,
  type ManifestMediaType,
} from './media-types.js';

export {
  parseManifest,
  isImageIndex,
  isImageManifest,
  type Manifest,
  type ImageIndex,
  type ImageManifest,
  type OciImageManifest,
  type OciImageIndex,
  type ManifestResult,
} from './manifest.js';

export type { Descriptor, Platform, OciManifest, OciIndex, DockerManifest, DockerManifestList, ImageConfig } from './schemas.js';

export { parsePlatform, formatPlatform, normalizePlatform, platformsEqual, platformFromConfig, isAttestationPlatform, ZSTD_COMPRESSION_ANNOTATION } from './platform.js';
export { isAttestationEntry, REFERENCE_TYPE, REFERENCE_DIGEST, ATTESTATION_MANIFEST } from './attestation.js';

export {
  parseContentRange,
  formatContentRange,
  parseUploadRange,
  formatChunkRange,
  parseRangeRequest,
  formatRangeRequest,
  type ByteRange,
  type ContentRange,
} from './range.js';

export { referrersTag } from './referrers.js';
export { artifactManifest, isMediaType, EMPTY_DESCRIPTOR, EMPTY_JSON, TITLE_ANNOTATION, CREATED_ANNOTATION, type ArtifactParts } from './artifact.js';

export { composeIndex, chooseIndexFormat, type IndexEntry, type IndexFormat, type ComposeOptions, type ComposedIndex } from '../manifest-list/compose.js';
export { convertManifest, type ConvertedManifest } from '../manifest-list/convert.js';

export {
  MultiplatformError,
  InvalidReferenceError,
  InvalidDigestError,
  DigestMismatchError,
  SchemaError,
  UnsupportedMediaTypeError,
  SizeLimitError,
  ValidationError,
  isMultiplatformError,
  isInvalidReferenceError,
  isInvalidDigestError,
  isDigestMismatchError,
  isSchemaError,
  isValidationError,
} from '../errors.js';
