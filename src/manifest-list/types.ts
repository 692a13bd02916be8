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

/** The result of composing and pushing a manifest list (or, with `dryRun`, what would be pushed). */
export interface PushManifestListResult {
  digest: Digest;
  mediaType: ComposedIndex['mediaType'];
  size: number;
  /** The exact index bytes pushed. */
  bytes: Buffer;
  index: ComposedIndex['index'];
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
