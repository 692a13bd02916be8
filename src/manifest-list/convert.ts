import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import { REFERENCE_DIGEST } from '../oci/attestation.js';
import { digestOf, type Digest } from '../oci/digest.js';
import type { ImageManifest } from '../oci/manifest.js';
import { MediaType, mediaTypeFamily } from '../oci/media-types.js';
import { DockerManifestSchema, OciManifestSchema, validate, type Descriptor } from '../oci/schemas.js';
import type { IndexFormat } from './compose.js';
import type { PreparedEntry, ResolvedEntry } from './entries.js';

/**
 * Rewriting a single-platform image manifest from one media-type family to the other (OCI image
 * manifest ↔ Docker schema2 manifest). Only media types change: the config and layer blobs are
 * byte-for-byte the same, so nothing but the manifest has to be pushed again.
 *
 * | OCI | Docker |
 * | --- | --- |
 * | `application/vnd.oci.image.manifest.v1+json` | `application/vnd.docker.distribution.manifest.v2+json` |
 * | `application/vnd.oci.image.config.v1+json` | `application/vnd.docker.container.image.v1+json` |
 * | `application/vnd.oci.image.layer.v1.tar+gzip` | `application/vnd.docker.image.rootfs.diff.tar.gzip` |
 * | `application/vnd.oci.image.layer.v1.tar` | `application/vnd.docker.image.rootfs.diff.tar` |
 *
 * Everything else has no counterpart and is refused: zstd layers, non-distributable (OCI) and
 * foreign (Docker) layers, artifact configs and layers (attestations, signatures, SBOMs), and OCI
 * manifests with `subject` or `artifactType`. Annotations, which a Docker manifest cannot carry,
 * are left out when converting to Docker (reported in {@link ConvertedManifest.droppedAnnotations}).
 *
 * {@link convertManifest} rewrites one manifest; {@link convertEntries} rewrites the entries of a new
 * index, refusing images that attestation manifests in the same index refer to. Pure: no I/O.
 */

/** The uncompressed Docker layer type (not in {@link MediaType}, which lists what this library writes). */
const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

const OCI_TO_DOCKER_LAYER: Readonly<Record<string, string>> = {
  [MediaType.OciLayerGzip]: MediaType.DockerLayerGzip,
  [MediaType.OciLayer]: DOCKER_LAYER_TAR,
};
const DOCKER_TO_OCI_LAYER: Readonly<Record<string, string>> = {
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
  [DOCKER_LAYER_TAR]: MediaType.OciLayer,
};

/** A manifest after {@link convertManifest}: its new bytes, digest and document. */
export interface ConvertedManifest {
  bytes: Buffer;
  digest: Digest;
  size: number;
  mediaType: typeof MediaType.OciManifest | typeof MediaType.DockerManifest;
  manifest: ImageManifest;
  /** False when the manifest already had the wanted family: bytes and digest are the input's. */
  changed: boolean;
  /** True when annotations (on the manifest or its descriptors) were left out because Docker manifests cannot carry them. */
  droppedAnnotations: boolean;
}

function noEquivalent(what: string, mediaType: string, target: IndexFormat, role: string): UnsupportedMediaTypeError {
  const family = target === 'docker' ? 'Docker' : 'OCI';
  return new UnsupportedMediaTypeError(
    what,
    mediaType,
    `this ${role} type has no ${family} equivalent, so the image cannot be converted; keep its format (choose the index mediaType to match) or rebuild it`,
  );
}

function mapDescriptor(descriptor: Descriptor, mediaType: string, keepAnnotations: boolean): Descriptor {
  const out: Descriptor = { mediaType, digest: descriptor.digest, size: descriptor.size };
  if (descriptor.urls !== undefined && descriptor.urls.length > 0) out.urls = [...descriptor.urls];
  if (keepAnnotations && descriptor.annotations !== undefined && Object.keys(descriptor.annotations).length > 0) {
    out.annotations = { ...descriptor.annotations };
  }
  return out;
}

const hasAnnotations = (record: { annotations?: Record<string, string> | undefined }): boolean =>
  record.annotations !== undefined && Object.keys(record.annotations).length > 0;

/**
 * Converts an image manifest to the `to` family, or returns it unchanged (same bytes) when it is
 * already of that family. The output is compact JSON with a fixed key order, so converting the
 * same manifest twice gives the same digest. Throws {@link UnsupportedMediaTypeError} naming
 * `what` and the media type that has no equivalent, and {@link ValidationError} for OCI features
 * (`subject`, `artifactType`) that a Docker manifest cannot express.
 */
export function convertManifest(manifest: ImageManifest, bytes: Buffer, to: IndexFormat, what: string): ConvertedManifest {
  if (to !== 'oci' && to !== 'docker') throw new ValidationError(`${what}: cannot convert to ${JSON.stringify(to)}: expected "oci" or "docker"`);
  if (mediaTypeFamily(manifest.mediaType) === to) {
    return { bytes, digest: digestOf(bytes), size: bytes.length, mediaType: manifest.mediaType, manifest, changed: false, droppedAnnotations: false };
  }
  return to === 'docker' ? ociToDocker(manifest, what) : dockerToOci(manifest, what);
}

/**
 * Converts every entry that is not of the `to` family (see {@link convertManifest}); without `to`
 * the entries stay as they are. An image that attestation manifests refer to cannot be converted:
 * its digest would change and the attestations, which name it inside their signed content, would
 * no longer describe it.
 */
export function convertEntries(entries: readonly ResolvedEntry[], to: IndexFormat | undefined): readonly PreparedEntry[] {
  if (to === undefined) return entries;
  const attested = new Set(entries.flatMap((e) => (e.attestation && e.annotations?.[REFERENCE_DIGEST] ? [e.annotations[REFERENCE_DIGEST]] : [])));
  return entries.map((entry): PreparedEntry => {
    const converted = convertManifest(entry.manifest, entry.bytes, to, entry.image);
    if (!converted.changed) return entry;
    if (attested.has(entry.descriptor.digest)) {
      throw new ValidationError(
        `${entry.image}: cannot convert it to ${to === 'oci' ? 'OCI' : 'Docker'} media types: attestation manifests refer to its digest, which conversion changes; use mediaType "${to === 'oci' ? 'docker' : 'oci'}"`,
      );
    }
    return {
      ...entry,
      bytes: converted.bytes,
      manifest: converted.manifest,
      descriptor: { mediaType: converted.mediaType, digest: converted.digest, size: converted.size },
      convertedFrom: entry.descriptor.digest as Digest,
    };
  });
}

function ociToDocker(manifest: ImageManifest, what: string): ConvertedManifest {
  if (manifest.mediaType !== MediaType.OciManifest) throw noEquivalent(what, manifest.mediaType, 'docker', 'manifest');
  if (manifest.subject !== undefined) {
    throw new ValidationError(`${what}: has a subject (it refers to another manifest), which a Docker manifest cannot carry; keep it in an OCI index`);
  }
  if (manifest.artifactType !== undefined) {
    throw new ValidationError(`${what}: is an artifact (artifactType ${manifest.artifactType}), which a Docker manifest cannot carry; keep it in an OCI index`);
  }
  if (manifest.config.mediaType !== MediaType.OciConfig) throw noEquivalent(what, manifest.config.mediaType, 'docker', 'config');
  const layers = manifest.layers.map((layer) => {
    const mapped = OCI_TO_DOCKER_LAYER[layer.mediaType];
    if (mapped === undefined) throw noEquivalent(what, layer.mediaType, 'docker', 'layer');
    return mapDescriptor(layer, mapped, false);
  });
  const droppedAnnotations = hasAnnotations(manifest) || hasAnnotations(manifest.config) || manifest.layers.some(hasAnnotations);
  const document = {
    schemaVersion: 2 as const,
    mediaType: MediaType.DockerManifest,
    config: mapDescriptor(manifest.config, MediaType.DockerConfig, false),
    layers,
  };
  return serialise(validate(DockerManifestSchema, document, `${what} converted to Docker`), droppedAnnotations);
}

function dockerToOci(manifest: ImageManifest, what: string): ConvertedManifest {
  if (manifest.mediaType !== MediaType.DockerManifest) throw noEquivalent(what, manifest.mediaType, 'oci', 'manifest');
  if (manifest.config.mediaType !== MediaType.DockerConfig) throw noEquivalent(what, manifest.config.mediaType, 'oci', 'config');
  const layers = manifest.layers.map((layer) => {
    const mapped = DOCKER_TO_OCI_LAYER[layer.mediaType];
    if (mapped === undefined) throw noEquivalent(what, layer.mediaType, 'oci', 'layer');
    return mapDescriptor(layer, mapped, true);
  });
  const document = {
    schemaVersion: 2 as const,
    mediaType: MediaType.OciManifest,
    config: mapDescriptor(manifest.config, MediaType.OciConfig, true),
    layers,
  };
  return serialise({ ...validate(OciManifestSchema, document, `${what} converted to OCI`), mediaType: MediaType.OciManifest }, false);
}

function serialise(manifest: ImageManifest, droppedAnnotations: boolean): ConvertedManifest {
  const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  return { bytes, digest: digestOf(bytes), size: bytes.length, mediaType: manifest.mediaType, manifest, changed: true, droppedAnnotations };
}
