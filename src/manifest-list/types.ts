import type { Digest } from '../oci/digest.js';
import type { ComposedIndex, IndexFormat } from './compose.js';
import type { Descriptor, Platform } from '../oci/schemas.js';

/** One per-platform image (or a child index) to put in a manifest list. */
export interface ManifestListChildSpec {
  /** Reference of the child: tag or digest, any repository, any registry. */
  image: string;
  /** Platform to record. Default: read from the image config; when given it must not contradict the config. */
  platform?: Partial<Platform>;
  /** Annotations on this entry (imply an OCI index). */
  annotations?: Record<string, string>;
}

/** What {@link RegistryClient.pushManifestList} composes and pushes; mirrors the `from-spec` YAML file. */
export interface ManifestListSpec {
  /** Target reference, e.g. `registry.example.com/app:1.0`. */
  image: string;
  /** More tags in the target repository that get the same index bytes. */
  tags?: string[];
  manifests: ManifestListChildSpec[];
  /** Index-level annotations (imply an OCI index). */
  annotations?: Record<string, string>;
  /** Force an OCI index or a Docker manifest list; children of the other family are converted. Default: follow the children. */
  mediaType?: IndexFormat;
  /** Compute and return the index and the plan without writing anything. */
  dryRun?: boolean;
  /** Skip children that do not exist instead of failing (as manifest-tool's `--ignore-missing`). */
  ignoreMissing?: boolean;
  /**
   * Check a platform the spec states (`os` and `architecture`) against the image's config. Default
   * true: the check reads one config blob per child and catches a mislabelled image. `false` trusts
   * the spec and saves that request (N children then cost N + 2 requests instead of 2N + 2); children
   * whose spec names no full platform still have their config read.
   */
  verifyPlatforms?: boolean;
}

/** What will be (or was) done to bring one child into the target repository. */
export interface PlannedChild {
  image: string;
  digest: Digest;
  mediaType: string;
  platform?: Platform;
  /** `present`: already in the target repository; `mount`: blobs mounted within the registry; `copy`: streamed from another registry; `convert`: rewritten to the other media-type family. */
  action: 'present' | 'mount' | 'copy' | 'convert';
  /** Blobs that must be mounted or copied (those the target already has are not listed). */
  blobs: Descriptor[];
  /** With `convert`: the digest of the manifest before it was rewritten (`digest` is the new one). */
  convertedFrom?: Digest;
}

/** An index as written (or, with `dryRun`, as it would be): its digest, media type, size, exact bytes and document. */
export interface WrittenIndex {
  digest: Digest;
  mediaType: ComposedIndex['mediaType'];
  size: number;
  /** The exact index bytes. */
  bytes: Buffer;
  index: ComposedIndex['index'];
}

/** The result of composing and pushing a manifest list (or, with `dryRun`, what would be pushed). */
export interface PushManifestListResult extends WrittenIndex {
  /** Every tag that points at the index (the target's tag first). */
  tags: string[];
  /** Children and what was done to each. */
  plan: PlannedChild[];
  /** Children skipped because they were missing (only with `ignoreMissing`). */
  skipped: string[];
  dryRun: boolean;
}

/** One platform entry of an inspected list. */
export interface InspectedEntry {
  /** mquery's form: `linux/amd64`, `linux/arm64/v8`, `windows/amd64:10.0.17763.1234`, `unknown/unknown`. */
  platform: string;
  digest: Digest;
  mediaType: string;
  size: number;
  annotations?: Record<string, string>;
  /** True for BuildKit attestation manifests. */
  attestation: boolean;
}

/** What {@link RegistryClient.inspect} reports about a reference. */
export interface InspectResult {
  reference: string;
  digest: Digest;
  mediaType: string;
  /** True for a manifest list or OCI index. */
  isList: boolean;
  /** For a list: its entries in order. */
  entries: InspectedEntry[];
  /** For a single image: its platform from the config, in mquery's form. */
  platform?: string;
  /** The exact manifest bytes. */
  bytes: Buffer;
}

/** Where {@link RegistryClient.createManifestList} and {@link RegistryClient.editManifestList} take images from: a reference, or a reference with a platform filter and entry annotations. */
export type ManifestSource = string | ManifestListChildSpec;

/** What {@link RegistryClient.createManifestList} merges, and where it writes the result. */
export interface CreateManifestListOptions {
  /** Full references the index is written to, e.g. `ghcr.io/me/app:1.0`; several repositories and registries may be named. */
  tags: string[];
  /**
   * Images and indexes, by tag or digest, in any repository or registry; indexes are flattened, attestations kept
   * with their images. A bare digest (`sha256:…`, what a push by digest prints) is looked up in the first tag's
   * repository, as `docker buildx imagetools create` does.
   */
  sources: ManifestSource[];
  /** Keep only these platforms (`linux/amd64`, `linux/arm64/v8`) of the sources; default all. */
  platforms?: string[];
  /**
   * Annotations as docker/metadata-action writes them: `index:key=value` (or a plain `key=value`)
   * on the index, `manifest-descriptor:key=value` on each image entry (`manifest-descriptor[linux/amd64]:…`
   * for some platforms only). An object is taken as index annotations.
   */
  annotations?: string[] | Record<string, string>;
  /** Force an OCI index or a Docker manifest list; entries of the other family are converted. */
  mediaType?: IndexFormat;
  /** Keep the entries (and index annotations) of the index already at the first tag, and add the sources after them. */
  append?: boolean;
  /** Compute the index and the plan, write nothing. */
  dryRun?: boolean;
}

/** One entry of a written (or would-be) index. */
export interface IndexChild {
  digest: Digest;
  mediaType: string;
  size: number;
  platform?: Platform;
  /** True for BuildKit attestation manifests. */
  attestation: boolean;
  annotations?: Record<string, string>;
}

/** What {@link RegistryClient.createManifestList} wrote (or, with `dryRun`, would write). */
export interface CreateManifestListResult extends WrittenIndex {
  /** Every reference the index was written to, in the order given. */
  tags: string[];
  /** The entries of the index, in order. */
  children: IndexChild[];
  /** What was (or would be) done to bring each entry into each target repository. */
  plan: PlannedChild[];
  dryRun: boolean;
}

/** What {@link RegistryClient.editManifestList} changes in an index. */
export interface EditManifestListOptions {
  /** Images to add (or the entries of another index, filtered by `platform`); a platform already in the index is an error. */
  add?: ManifestSource[];
  /** Images whose platform replaces every entry of that platform, in its place. */
  replace?: ManifestSource[];
  /** Entries to remove, by platform (`linux/arm64`) or digest; attestations go with their image. */
  remove?: string[];
  /** Index annotations to set; a `null` value removes the key. */
  annotations?: Record<string, string | null>;
  /** Compute the new index and its digest, write nothing. */
  dryRun?: boolean;
  /** Overwrite the tag even when it no longer points at the index that was read. */
  force?: boolean;
}

/** What {@link RegistryClient.editManifestList} wrote (or, with `dryRun`, would write). */
export interface EditManifestListResult extends WrittenIndex {
  /** The digest of the index that was edited. */
  previousDigest: Digest;
  /** The reference written: the tag of `ref`, or the new digest when `ref` names none. */
  written: string;
  added: IndexChild[];
  removed: IndexChild[];
  plan: PlannedChild[];
  dryRun: boolean;
}

/**
 * How {@link RegistryClient.tag} wrote the tags. `tag-parameters`: one PUT by digest carried every
 * tag as `?tag=` and the registry confirmed them all in `OCI-Tag`. `put-per-tag`: the registry
 * ignored the parameters (or applied only some), so each tag it did not confirm got a PUT of its own.
 */
export type TagMethod = 'tag-parameters' | 'put-per-tag';

/** What {@link RegistryClient.tag} wrote. */
export interface TagResult {
  digest: Digest;
  mediaType: string;
  size: number;
  /** Every reference written, in order. */
  tags: string[];
  /** Whether the registry took all the tags in one request, or some needed a PUT each. */
  method: TagMethod;
  /** Manifest PUT requests sent: 1 with `tag-parameters`, 1 + the tags not confirmed with `put-per-tag` (retries not counted). */
  manifestPuts: number;
}
