/**
 * `multiplatform`: publish multi-platform container images without a Docker daemon.
 * The registry client and what its documentation teaches: its options and results, the errors and
 * their guards, references, digests, manifest and platform types, composing an index, credentials.
 * The whole pure vocabulary (media-type predicates, `Digester`, byte ranges, conversions) is in
 * `multiplatform/oci`.
 * @packageDocumentation
 */
export { RegistryClient, type RegistryClientOptions, type GetBlobBytesOptions } from './client.js';
export type { CallOptions } from './remote/context.js';
export type { GetManifestOptions, PutManifestOptions, ManifestDescriptor, DeleteTagResult, DeleteTagMethod } from './remote/manifests.js';
export type { ReferrersOptions } from './remote/referrers.js';
export type { PushArtifactOptions, PushedArtifact, ArtifactFile, ArtifactLayer } from './remote/artifacts.js';
export type { BlobAction, ProgressListener, TransferEvent } from './remote/progress.js';
export type { PushManifestListOptions } from './manifest-list/push.js';
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
  ManifestSource,
  CreateManifestListOptions,
  CreateManifestListResult,
  EditManifestListOptions,
  EditManifestListResult,
  IndexChild,
  TagMethod,
  TagResult,
  WrittenIndex,
} from './manifest-list/types.js';
export type { ListTagsOptions } from './manifest-list/tags.js';
export type { CopyOptions, CopyResult } from './copy/copy.js';
export type { CopyPlan, PlannedBlob, PlannedManifest } from './copy/plan.js';
export { planLines } from './copy/plan.js';
export type { CopyEndpoint } from './copy/stores.js';
export type { FileBody } from './transport/body.js';
export type { RetryOptions } from './transport/retry.js';

export { parseReference, type Reference, type ReferenceInput } from './oci/reference.js';
export { parseDigest, type Digest } from './oci/digest.js';
export { MediaType, type ManifestMediaType } from './oci/media-types.js';
export {
  isImageIndex,
  isImageManifest,
  type Manifest,
  type ImageIndex,
  type ImageManifest,
  type OciImageManifest,
  type OciImageIndex,
  type ManifestResult,
} from './oci/manifest.js';
export type { Descriptor, Platform, DockerManifest, DockerManifestList } from './oci/schemas.js';
export { parsePlatform, formatPlatform, normalizePlatform } from './oci/platform.js';
export { composeIndex, type IndexEntry, type IndexFormat, type ComposeOptions, type ComposedIndex } from './manifest-list/compose.js';
export { sourceReference } from './manifest-list/merge-rules.js';

export { CredentialStore, dockerHubAuthKey, configKeyMatches, type Credential, type CredentialStoreOptions, type ResolvedCredential } from './credentials/index.js';
export {
  saveDockerLogin,
  removeDockerLogin,
  normaliseRegistryHost,
  type DockerLoginOptions,
  type SaveDockerLoginOptions,
  type DockerLoginResult,
  type RemoveDockerLoginResult,
} from './credentials/index.js';

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
  TimeoutError,
  UnsafeRequestError,
  ValidationError,
  MissingChildrenError,
  TargetDigestMismatchError,
  isMultiplatformError,
  isInvalidReferenceError,
  isInvalidDigestError,
  isDigestMismatchError,
  isSchemaError,
  isRegistryError,
  isAuthError,
  isNetworkError,
  isAbortError,
  isTimeoutError,
  isValidationError,
  isMissingChildrenError,
  isTargetDigestMismatchError,
  isNotFound,
  isNotYetVisible,
  redact,
  type RegistryErrorDetail,
  type RegistryRateLimit,
  type CredentialSource,
} from './errors.js';

export { VERSION } from './version.js';
export type { HttpEvent } from './transport/http-events.js';
