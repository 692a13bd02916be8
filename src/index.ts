/**
 * `multiplatform`: publish multi-platform container images without a Docker daemon.
 * A typed OCI / Docker Registry HTTP API V2 client, an index composer and their building blocks.
 * @packageDocumentation
 */
export { RegistryClient, type RegistryClientOptions } from './client.js';
export type { CallOptions } from './remote/context.js';
export type { ReferenceInput } from './oci/reference.js';

export {
  parseReference,
  isReference,
  validateRepository,
  validateTag,
  normalizeRegistry,
  registryApiHost,
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  type Reference,
  type ParseReferenceOptions,
} from './oci/reference.js';

export { parseDigest, isDigest, digestOf, Digester, VerifyingStream, DIGEST_ALGORITHMS, type Digest, type DigestAlgorithm } from './oci/digest.js';

export {
  MediaType,
  MANIFEST_MEDIA_TYPES,
  MANIFEST_ACCEPT,
  isIndexMediaType,
  isImageManifestMediaType,
  isManifestMediaType,
  type ManifestMediaType,
} from './oci/media-types.js';

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
} from './oci/manifest.js';
export { withConsistencyRetry } from './remote/manifests.js';
export type { GetManifestOptions, PutManifestOptions, ManifestDescriptor } from './remote/manifests.js';
export { referrersTag } from './oci/referrers.js';
export type { ReferrersOptions } from './remote/referrers.js';
export type { GetBlobOptions } from './remote/blobs.js';
export type { BlobData, BlobPushResult, MountBlobOptions, PushBlobOptions } from './remote/blob-push.js';
export type { ListOptions } from './remote/listing.js';
export type {
  ManifestListSpec,
  ManifestListChildSpec,
  PushManifestListResult,
  PlannedChild,
  InspectResult,
  InspectedEntry,
} from './manifest-list/types.js';
export type { FileBody } from './transport/body.js';
export type { RetryOptions } from './transport/retry.js';

export type {
  Descriptor,
  Platform,
  OciManifest,
  OciIndex,
  DockerManifest,
  DockerManifestList,
  ImageConfig,
} from './oci/schemas.js';

export { CredentialStore, dockerHubAuthKey, configKeyMatches, type Credential, type CredentialStoreOptions, type ResolvedCredential } from './credentials/index.js';

export {
  parsePlatform,
  formatPlatform,
  normalizePlatform,
  platformsEqual,
  platformFromConfig,
  isAttestationPlatform,
} from './oci/platform.js';
export { composeIndex, chooseIndexFormat, type IndexEntry, type IndexFormat, type ComposeOptions, type ComposedIndex } from './manifest-list/compose.js';

export {
  MultiplatformError,
  InvalidReferenceError,
  InvalidDigestError,
  DigestMismatchError,
  SchemaError,
  UnsupportedMediaTypeError,
  SizeLimitError,
  RegistryError,
  AuthError,
  CredentialsError,
  NetworkError,
  AbortError,
  UnsafeRequestError,
  ValidationError,
  isMultiplatformError,
  isInvalidReferenceError,
  isInvalidDigestError,
  isDigestMismatchError,
  isSchemaError,
  isRegistryError,
  isAuthError,
  isNetworkError,
  isAbortError,
  isValidationError,
  isNotFound,
  isNotYetVisible,
  isMissingChildrenError,
  MissingChildrenError,
  redact,
  type RegistryErrorDetail,
  type CredentialSource,
} from './errors.js';

export { convertManifest } from './manifest-list/convert.js';
export { VERSION } from './version.js';
