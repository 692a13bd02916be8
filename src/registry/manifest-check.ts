import { isDigest, type Digest } from '../oci/digest.js';
import { SchemaError } from '../errors.js';
import {
  MediaType,
  baseMediaType,
  isImageManifestMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  type ManifestMediaType,
} from '../oci/media-types.js';
import {
  DockerManifestListSchema,
  DockerManifestSchema,
  OciIndexSchema,
  OciManifestSchema,
  validate,
  type Descriptor,
  type Schema,
} from '../oci/schemas.js';
import { ApiError } from './api-error.js';

/** Something a manifest refers to that must already be in the repository. */
export interface ManifestReferenceCheck {
  digest: Digest;
  /** `blob` for config and layers; `manifest` for index children of a manifest media type; `any` for other index children. */
  kind: 'blob' | 'manifest' | 'any';
}

/** A manifest accepted by {@link checkManifest}. */
export interface CheckedManifest {
  mediaType: ManifestMediaType;
  references: ManifestReferenceCheck[];
  subject?: Digest;
  /** The referrers API's `artifactType`: the manifest's own, else (image manifests) the config media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

const SCHEMAS: Record<ManifestMediaType, Schema<unknown>> = {
  [MediaType.OciManifest]: OciManifestSchema,
  [MediaType.OciIndex]: OciIndexSchema,
  [MediaType.DockerManifest]: DockerManifestSchema,
  [MediaType.DockerManifestList]: DockerManifestListSchema,
};

const invalid = (message: string, detail?: unknown): ApiError => ApiError.of(400, 'MANIFEST_INVALID', message, detail);

/**
 * Checks a pushed manifest: a supported `Content-Type`, JSON, a `mediaType` agreeing with the header, the schema
 * of that type, never both `manifests` and `layers`, and valid digests in every descriptor. Throws {@link ApiError}.
 */
export function checkManifest(bytes: Buffer, contentTypeHeader: string | undefined): CheckedManifest {
  const contentType = baseMediaType(contentTypeHeader);
  if (!isManifestMediaType(contentType)) {
    const hint = isSchema1MediaType(contentType)
      ? 'Docker schema1 manifests are not supported'
      : `Content-Type must be one of ${Object.keys(SCHEMAS).join(', ')}`;
    throw ApiError.of(415, 'UNSUPPORTED', `unsupported manifest Content-Type ${JSON.stringify(contentType ?? '')}: ${hint}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalid(`manifest is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalid('manifest is not a JSON object');
  }
  const fields = document as Record<string, unknown>;
  if (fields.mediaType !== undefined && fields.mediaType !== contentType) {
    throw invalid(`manifest mediaType ${JSON.stringify(fields.mediaType)} does not match Content-Type ${contentType}`);
  }
  if (fields.manifests !== undefined && fields.layers !== undefined) {
    throw invalid('manifest has both "manifests" and "layers": it is neither an image manifest nor an index');
  }
  try {
    validate(SCHEMAS[contentType], document, contentType);
  } catch (e) {
    if (e instanceof SchemaError) throw invalid(`manifest does not match ${contentType}`, { problems: e.problems.slice(0, 20) });
    throw e;
  }
  return isImageManifestMediaType(contentType)
    ? describeImageManifest(contentType, fields)
    : describeIndex(contentType, fields);
}

function checkedDigest(descriptor: Descriptor, where: string): Digest {
  if (!isDigest(descriptor.digest)) {
    throw invalid(`${where}: invalid or unsupported digest ${JSON.stringify(descriptor.digest)}`);
  }
  return descriptor.digest;
}

function describeImageManifest(mediaType: ManifestMediaType, fields: Record<string, unknown>): CheckedManifest {
  const config = fields.config as Descriptor;
  const layers = fields.layers as Descriptor[];
  const references: ManifestReferenceCheck[] = [{ digest: checkedDigest(config, 'config'), kind: 'blob' }];
  layers.forEach((layer, i) => {
    const digest = checkedDigest(layer, `layers[${i}]`);
    // Foreign (non-distributable) layers live elsewhere, named by their urls.
    if (!layer.urls || layer.urls.length === 0) references.push({ digest, kind: 'blob' });
  });
  const checked: CheckedManifest = { mediaType, references };
  addOciFields(checked, mediaType, fields);
  if (mediaType === MediaType.OciManifest) checked.artifactType ??= config.mediaType;
  return checked;
}

function describeIndex(mediaType: ManifestMediaType, fields: Record<string, unknown>): CheckedManifest {
  const manifests = fields.manifests as Descriptor[];
  const references = manifests.map((child, i): ManifestReferenceCheck => ({
    digest: checkedDigest(child, `manifests[${i}]`),
    kind: isManifestMediaType(child.mediaType) ? 'manifest' : 'any',
  }));
  const checked: CheckedManifest = { mediaType, references };
  addOciFields(checked, mediaType, fields);
  return checked;
}

/** `subject`, `artifactType` and `annotations` only exist in the OCI types; Docker documents carrying them are not referrers. */
function addOciFields(checked: CheckedManifest, mediaType: ManifestMediaType, fields: Record<string, unknown>): void {
  if (mediaType !== MediaType.OciManifest && mediaType !== MediaType.OciIndex) return;
  if (fields.subject !== undefined) checked.subject = checkedDigest(fields.subject as Descriptor, 'subject');
  if (typeof fields.artifactType === 'string' && fields.artifactType !== '') checked.artifactType = fields.artifactType;
  if (fields.annotations !== undefined) checked.annotations = fields.annotations as Record<string, string>;
}
