/**
 * `multiplatform`: publish multi-platform container images without a Docker daemon.
 * A typed OCI / Docker Registry HTTP API V2 client, an index composer and their building blocks.
 * @packageDocumentation
 */
export { RegistryClient, type RegistryClientOptions } from './client.js';
export type { CallOptions, ReferenceInput } from './context.js';

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
} from './reference.js';

export { parseDigest, isDigest, digestOf, Digester, VerifyingStream, DIGEST_ALGORITHMS, type Digest, type DigestAlgorithm } from './digest.js';

export {
  MediaType,
  MANIFEST_MEDIA_TYPES,
  MANIFEST_ACCEPT,
  isIndexMediaType,
  isImageManifestMediaType,
  isManifestMediaType,
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
export { withConsistencyRetry, isNotYetVisible } from './manifests.js';
export type { GetManifestOptions, PutManifestOptions, ManifestDescriptor } from './manifests.js';
export { referrersTag, type ReferrersOptions } from './referrers.js';
export type { BlobData, BlobPushResult, GetBlobOptions, MountBlobOptions, PushBlobOptions } from './blobs.js';
export type { ListOptions } from './listing.js';
export type {
  ManifestListSpec,
  ManifestListChildSpec,
  PushManifestListResult,
  PlannedChild,
  InspectResult,
  InspectedEntry,
} from './list-spec.js';
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
} from './schemas.js';

export { CredentialStore, dockerHubAuthKey, configKeyMatches, type Credential, type CredentialStoreOptions, type ResolvedCredential } from './credentials.js';

export {
  parsePlatform,
  formatPlatform,
  normalizePlatform,
  platformsEqual,
  platformFromConfig,
  isAttestationPlatform,
} from './platform.js';
export { composeIndex, chooseIndexFormat, type IndexEntry, type IndexFormat, type ComposeOptions, type ComposedIndex } from './compose-index.js';

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
  redact,
  type RegistryErrorDetail,
  type CredentialSource,
} from './errors.js';

export { MissingChildrenError } from './push-list.js';
export { convertManifest } from './convert.js';
export { VERSION } from './version.js';
