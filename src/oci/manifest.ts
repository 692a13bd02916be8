import { DigestMismatchError, SchemaError, UnsupportedMediaTypeError } from '../errors.js';
import {
  MediaType,
  baseMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  type ManifestMediaType,
} from './media-types.js';
import {
  DockerManifestListSchema,
  DockerManifestSchema,
  OciIndexSchema,
  OciManifestSchema,
  parseJson,
  validate,
  type Descriptor,
  type DockerManifest,
  type DockerManifestList,
  type OciIndex,
  type OciManifest,
} from './schemas.js';

/** An OCI image manifest, with its media type made explicit. */
export type OciImageManifest = OciManifest & { mediaType: typeof MediaType.OciManifest };
/** An OCI image index, with its media type made explicit. */
export type OciImageIndex = OciIndex & { mediaType: typeof MediaType.OciIndex };

/**
 * A parsed, schema-validated manifest, discriminated by `mediaType`. When the document itself
 * omits `mediaType` (optional in OCI), it is filled in from the response; the raw bytes are
 * always kept separately and are what digests are computed from.
 */
export type Manifest = OciImageManifest | OciImageIndex | DockerManifest | DockerManifestList;
/** A manifest list or OCI index. */
export type ImageIndex = OciImageIndex | DockerManifestList;
/** A single-platform image manifest. */
export type ImageManifest = OciImageManifest | DockerManifest;

/** True for OCI indexes and Docker manifest lists. */
export function isImageIndex(m: Manifest): m is ImageIndex {
  return m.mediaType === MediaType.OciIndex || m.mediaType === MediaType.DockerManifestList;
}

/** True for single-platform OCI and Docker schema2 manifests. */
export function isImageManifest(m: Manifest): m is ImageManifest {
  return !isImageIndex(m);
}

/** A manifest as read from a registry: its descriptor, the exact bytes, and the parsed document. */
export interface ManifestResult {
  descriptor: Descriptor & { mediaType: ManifestMediaType };
  bytes: Buffer;
  manifest: Manifest;
}

/**
 * Parses manifest bytes into the typed union. The media type comes from the document's
 * `mediaType`, else from `contentType`, else from the document's shape. A document whose
 * `mediaType` contradicts `contentType`, or that has both `manifests` and `layers`/`config`, is
 * rejected, as is Docker schema1 (unsupported).
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, what: string): Manifest {
  const doc = parseJson(bytes, what);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SchemaError(what, ['not a JSON object']);
  const record = doc as Record<string, unknown>;
  const declared = typeof record['mediaType'] === 'string' ? (record['mediaType'] as string) : undefined;
  const header = baseMediaType(contentType);

  if (record['schemaVersion'] === 1 || isSchema1MediaType(declared) || isSchema1MediaType(header)) {
    throw new UnsupportedMediaTypeError(what, declared ?? header ?? MediaType.DockerSchema1, 'Docker schema1 manifests are deprecated; re-push the image with a current client');
  }
  if ('manifests' in record && ('layers' in record || 'config' in record)) {
    throw new SchemaError(what, ['ambiguous document: has both "manifests" and "layers"/"config"']);
  }
  if (declared && header && isManifestMediaType(header) && declared !== header) {
    throw new SchemaError(what, [`mediaType ${declared} contradicts Content-Type ${header}`]);
  }
  const mediaType = declared ?? (isManifestMediaType(header) ? header : 'manifests' in record ? MediaType.OciIndex : MediaType.OciManifest);
  switch (mediaType) {
    case MediaType.OciManifest:
      checkShape(record, mediaType, what);
      return { ...validate(OciManifestSchema, doc, what), mediaType };
    case MediaType.OciIndex:
      checkShape(record, mediaType, what);
      return { ...validate(OciIndexSchema, doc, what), mediaType };
    case MediaType.DockerManifest:
      return validate(DockerManifestSchema, doc, what);
    case MediaType.DockerManifestList:
      return validate(DockerManifestListSchema, doc, what);
    default:
      throw new UnsupportedMediaTypeError(what, mediaType, 'not an image manifest or index');
  }
}

function checkShape(record: Record<string, unknown>, mediaType: string, what: string): void {
  if (isIndexMediaType(mediaType) && !('manifests' in record)) throw new SchemaError(what, [`${mediaType} without "manifests"`]);
  if (!isIndexMediaType(mediaType) && 'manifests' in record) throw new SchemaError(what, [`${mediaType} with "manifests"`]);
}

/** Fails when `actual` differs from what the caller asked for. */
export function expectDigest(what: string, expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) throw new DigestMismatchError(what, { digest: expected }, { digest: actual });
}
