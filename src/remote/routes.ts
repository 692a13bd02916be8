/**
 * Every registry API path and token scope the client uses, in one place (distribution-spec
 * "Endpoints"; token scopes as the Docker token spec names them). Operations build requests from
 * these instead of writing `/v2/…` by hand.
 */
import type { Digest } from '../oci/digest.js';
import type { Reference } from '../oci/reference.js';

/** The API paths, each relative to the registry's origin. */
export const routes = {
  /** `/v2/<name>/manifests/<reference>`: by default the reference's digest, else its tag, else `latest`. */
  manifest: (ref: Reference, id: string = ref.reference) => `/v2/${ref.repository}/manifests/${id}`,
  /** `/v2/<name>/blobs/<digest>` */
  blob: (ref: Reference, digest: string) => `/v2/${ref.repository}/blobs/${digest}`,
  /** `/v2/<name>/blobs/uploads/`: where an upload session (or a cross-repository mount) starts. */
  uploads: (ref: Reference) => `/v2/${ref.repository}/blobs/uploads/`,
  /** `/v2/<name>/tags/list` */
  tags: (ref: Reference) => `/v2/${ref.repository}/tags/list`,
  /** `/v2/<name>/referrers/<digest>` */
  referrers: (ref: Reference, subject: Digest) => `/v2/${ref.repository}/referrers/${subject}`,
  /** `/v2/`: the API version check, where a client learns how the registry wants to be authenticated. */
  base: () => '/v2/',
  /** `/v2/_catalog` */
  catalog: () => '/v2/_catalog',
} as const;

/** Token scope to read a repository. */
export const pullScope = (ref: Reference) => `repository:${ref.repository}:pull`;
/** Token scope to write a repository (a push also reads: HEADs before uploads, mounts). */
export const pushScope = (ref: Reference) => `repository:${ref.repository}:pull,push`;
/** Token scope to delete from a repository. */
export const deleteScope = (ref: Reference) => `repository:${ref.repository}:delete`;
/** Token scope to list the registry's repositories. */
export const CATALOG_SCOPE = 'registry:catalog:*';
