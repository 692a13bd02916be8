/** Media types of the documents this library reads and writes. */
export const MediaType = {
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export type ManifestMediaType =
  | typeof MediaType.OciManifest
  | typeof MediaType.OciIndex
  | typeof MediaType.DockerManifest
  | typeof MediaType.DockerManifestList;

/** Every manifest and index type this library understands, for the `Accept` header. */
export const MANIFEST_MEDIA_TYPES: readonly ManifestMediaType[] = [
  MediaType.OciIndex,
  MediaType.DockerManifestList,
  MediaType.OciManifest,
  MediaType.DockerManifest,
];

/** The `Accept` header for manifest requests: every type we understand, schema1 last so it can be recognised and refused clearly. */
export const MANIFEST_ACCEPT = [
  ...MANIFEST_MEDIA_TYPES,
  `${MediaType.DockerSchema1Signed};q=0.1`,
  `${MediaType.DockerSchema1};q=0.1`,
].join(', ');

export const isIndexMediaType = (t: string | undefined): boolean =>
  t === MediaType.OciIndex || t === MediaType.DockerManifestList;

export const isImageManifestMediaType = (t: string | undefined): boolean =>
  t === MediaType.OciManifest || t === MediaType.DockerManifest;

export const isManifestMediaType = (t: string | undefined): t is ManifestMediaType =>
  isIndexMediaType(t) || isImageManifestMediaType(t);

export const isSchema1MediaType = (t: string | undefined): boolean =>
  t === MediaType.DockerSchema1 || t === MediaType.DockerSchema1Signed;

export const isOciMediaType = (t: string | undefined): boolean => typeof t === 'string' && t.startsWith('application/vnd.oci.');

export const isDockerMediaType = (t: string | undefined): boolean =>
  typeof t === 'string' && t.startsWith('application/vnd.docker.');

/** The two families of manifest media types: OCI (with artifacts) and Docker schema2. */
export type MediaTypeFamily = 'oci' | 'docker';

/**
 * The family a manifest or index media type belongs to: `docker` for Docker schema2 manifests and
 * manifest lists, `oci` for everything else (OCI manifests and indexes, and artifacts). The one
 * rule for which index a child fits in and which way a conversion goes.
 */
export function mediaTypeFamily(mediaType: string): MediaTypeFamily {
  return mediaType === MediaType.DockerManifest || mediaType === MediaType.DockerManifestList ? 'docker' : 'oci';
}

/** Strips parameters (`; charset=utf-8`) and whitespace from a `Content-Type` value. */
export function baseMediaType(contentType: string | undefined | null): string | undefined {
  if (!contentType) return undefined;
  const base = contentType.split(';')[0]?.trim().toLowerCase();
  return base || undefined;
}

/** True for the media types of layers a registry does not hold: Docker foreign and OCI non-distributable layers. */
export function isNonDistributableMediaType(mediaType: string): boolean {
  return /nondistributable|foreign/.test(mediaType);
}

/**
 * True for a layer the registry does not hold: a Docker foreign layer, an OCI non-distributable
 * layer, or any layer whose bytes are named by `urls` (Windows base layers are the usual case).
 * Registries may refuse manifests that list one (CNCF distribution does unless its
 * `validation.manifests.urls.allow` lets the URL through).
 */
export function isNonDistributableLayer(layer: { mediaType: string; urls?: readonly string[] }): boolean {
  return isNonDistributableMediaType(layer.mediaType) || (layer.urls !== undefined && layer.urls.length > 0);
}
