/**
 * Pushing an OCI 1.1 artifact (as `oras attach` writes one): its files as blobs, the empty config,
 * then the artifact manifest, which names its subject. The manifest's PUT keeps the subject's
 * referrers fallback tag where the repository has no referrers API (manifests.ts). The manifest's
 * shape is the pure rule of oci/artifact.ts.
 */
import { basename } from 'node:path';
import type { CallOptions, RemoteContext } from './context.js';
import { OCTET_STREAM, blobExists } from './blobs.js';
import { pushBlob } from './blob-push.js';
import { headManifest, putManifest } from './manifests.js';
import { EMPTY_JSON, TITLE_ANNOTATION, artifactManifest } from '../oci/artifact.js';
import type { ManifestMediaType } from '../oci/media-types.js';
import { toReference, type Reference, type ReferenceInput } from '../oci/reference.js';
import type { Descriptor } from '../oci/schemas.js';
import { ValidationError } from '../errors.js';
import { digestOf } from '../oci/digest.js';

/** A file of an artifact: its path, and its media type when not `application/octet-stream`. */
export interface ArtifactFile {
  path: string;
  mediaType?: string;
}

/** A layer of an artifact given as bytes, or as the descriptor of a blob the repository already holds. */
export type ArtifactLayer = { data: Uint8Array; mediaType?: string; annotations?: Record<string, string> } | Descriptor;

/** Options of {@link pushArtifact}. */
export interface PushArtifactOptions extends CallOptions {
  /** What the artifact is, e.g. `application/vnd.example.sbom.v1+json` (required). */
  artifactType: string;
  /**
   * The manifest the artifact is about: a reference (a tag is resolved to the digest it points at
   * now) or a descriptor. The artifact is pushed to the subject's repository unless `repository` says otherwise.
   */
  subject?: ReferenceInput | Descriptor;
  /** The repository to push to; required when `subject` is a descriptor or absent, else the subject's. */
  repository?: ReferenceInput;
  /** Files, each a layer titled (`org.opencontainers.image.title`) with its base name. */
  files?: ReadonlyArray<string | ArtifactFile>;
  /** Layers given as bytes or descriptors, after the files. */
  layers?: readonly ArtifactLayer[];
  /** The manifest's annotations. `org.opencontainers.image.created` is set only when given here, so the digest is reproducible. */
  annotations?: Record<string, string>;
  /** A tag for the artifact in the repository; without it the artifact is pushed by digest only. */
  tag?: string;
}

/** The descriptor of a pushed artifact manifest. */
export type PushedArtifact = Descriptor & { mediaType: ManifestMediaType; artifactType: string };

const isDescriptorLayer = (layer: ArtifactLayer): layer is Descriptor => !('data' in layer);

/**
 * Pushes an artifact: each file and layer as a blob (blobs the repository has are not sent again),
 * the empty config, and the artifact manifest with `subject`, by tag when `tag` is given, else by
 * digest. Where the repository has no referrers API, the artifact is added to the subject's
 * `<alg>-<hex>` fallback tag.
 *
 * @throws {ValidationError} when the subject is in another repository than the one pushed to, or
 *   a layer given as a descriptor is not in the repository.
 */
export async function pushArtifact(ctx: RemoteContext, options: PushArtifactOptions): Promise<PushedArtifact> {
  const { target, subjectRef } = artifactTarget(options);
  const call = { signal: options.signal };
  const subject = subjectRef === undefined ? (options.subject as Descriptor | undefined) : await headManifest(ctx, subjectRef, call);
  const layers: Descriptor[] = [];
  for (const file of options.files ?? []) {
    const { path, mediaType = OCTET_STREAM } = typeof file === 'string' ? { path: file } : file;
    const pushed = await pushBlob(ctx, target, { path }, { ...call, mediaType });
    layers.push({ mediaType, digest: pushed.digest, size: pushed.size, annotations: { [TITLE_ANNOTATION]: basename(path) } });
  }
  for (const layer of options.layers ?? []) layers.push(await pushLayer(ctx, target, layer, call));
  await pushBlob(ctx, target, EMPTY_JSON, call);
  const manifest = artifactManifest({ artifactType: options.artifactType, layers, subject, annotations: options.annotations });
  const bytes = Buffer.from(JSON.stringify(manifest));
  const pushed = await putManifest(ctx, options.tag === undefined ? target.atDigest(digestOf(bytes)) : target.withTag(options.tag), bytes, call);
  return { ...pushed, artifactType: options.artifactType };
}

async function pushLayer(ctx: RemoteContext, target: Reference, layer: ArtifactLayer, call: CallOptions): Promise<Descriptor> {
  if (!isDescriptorLayer(layer)) {
    const mediaType = layer.mediaType ?? OCTET_STREAM;
    const pushed = await pushBlob(ctx, target, layer.data, { ...call, mediaType });
    return { mediaType, digest: pushed.digest, size: pushed.size, ...(layer.annotations ? { annotations: { ...layer.annotations } } : {}) };
  }
  if (!(await blobExists(ctx, target, layer.digest, call))) {
    throw new ValidationError(`pushArtifact: layer ${layer.digest} is given as a descriptor, and ${target.registry}/${target.repository} does not hold that blob; give its bytes instead`);
  }
  return layer;
}

/** The repository pushed to, and the subject's reference when it was given as one. */
function artifactTarget(options: PushArtifactOptions): { target: Reference; subjectRef?: Reference } {
  const given = options.repository === undefined ? undefined : toReference(options.repository);
  const subjectRef = options.subject === undefined || isDescriptorValue(options.subject) ? undefined : toReference(options.subject);
  const repository = given ?? subjectRef;
  if (repository === undefined) throw new ValidationError('pushArtifact: options.repository is needed when the subject is a descriptor or absent');
  if (subjectRef !== undefined && given !== undefined && `${given.registry}/${given.repository}` !== `${subjectRef.registry}/${subjectRef.repository}`) {
    throw new ValidationError(
      `pushArtifact: the subject ${subjectRef.toString()} is in another repository than ${given.registry}/${given.repository}; referrers are listed per repository, so push the artifact beside its subject`,
    );
  }
  return { target: repository, subjectRef };
}

function isDescriptorValue(value: ReferenceInput | Descriptor): value is Descriptor {
  return typeof value === 'object' && value !== null && typeof (value as Descriptor).digest === 'string' && typeof (value as Descriptor).mediaType === 'string' && !('repository' in value);
}
