/**
 * The wire schemas, written once with TypeBox. This file is not loaded at run time:
 * `node scripts/generate-validators.mjs` turns each exported schema into checking code
 * (src/oci/schema-checks.generated.ts, TypeBox's `TypeCompiler.Code`), and the rest of the library
 * takes only the types from here (`import type`). test/oci/schema-checks.test.ts fails when the
 * generated file is stale.
 */
import { Type, type Static, type TProperties } from '@sinclair/typebox';

/** A digest string on the wire; validated further with `parseDigest` where it is used in a URL. */
const DigestString = Type.String({ pattern: '^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$' });
const Annotations = Type.Record(Type.String(), Type.String());

export const PlatformSchema = Type.Object({
  architecture: Type.String(),
  os: Type.String(),
  'os.version': Type.Optional(Type.String()),
  'os.features': Type.Optional(Type.Array(Type.String())),
  variant: Type.Optional(Type.String()),
  features: Type.Optional(Type.Array(Type.String())),
});
/** The platform an image runs on, as in the OCI image index. */
export type Platform = Static<typeof PlatformSchema>;

export const DescriptorSchema = Type.Object({
  mediaType: Type.String(),
  digest: DigestString,
  size: Type.Integer({ minimum: 0 }),
  urls: Type.Optional(Type.Array(Type.String())),
  annotations: Type.Optional(Annotations),
  data: Type.Optional(Type.String()),
  artifactType: Type.Optional(Type.String()),
  platform: Type.Optional(PlatformSchema),
});
/** An OCI content descriptor: what a piece of content is, its digest and its size. */
export type Descriptor = Static<typeof DescriptorSchema>;

/**
 * An OCI image manifest or index: the fields both carry (schemaVersion 2, the optional mediaType of
 * the kind, artifactType, subject, annotations) around the kind's own content.
 */
function ociDocument<K extends string, P extends TProperties>(mediaType: K, content: P) {
  return Type.Object({
    schemaVersion: Type.Literal(2),
    mediaType: Type.Optional(Type.Literal(mediaType)),
    artifactType: Type.Optional(Type.String()),
    ...content,
    subject: Type.Optional(DescriptorSchema),
    annotations: Type.Optional(Annotations),
  });
}

export const OciManifestSchema = ociDocument('application/vnd.oci.image.manifest.v1+json', {
  config: DescriptorSchema,
  layers: Type.Array(DescriptorSchema),
});
export type OciManifest = Static<typeof OciManifestSchema>;

export const OciIndexSchema = ociDocument('application/vnd.oci.image.index.v1+json', {
  manifests: Type.Array(DescriptorSchema),
});
export type OciIndex = Static<typeof OciIndexSchema>;

export const DockerManifestSchema = Type.Object({
  schemaVersion: Type.Literal(2),
  mediaType: Type.Literal('application/vnd.docker.distribution.manifest.v2+json'),
  config: DescriptorSchema,
  layers: Type.Array(DescriptorSchema),
});
export type DockerManifest = Static<typeof DockerManifestSchema>;

export const DockerManifestListSchema = Type.Object({
  schemaVersion: Type.Literal(2),
  mediaType: Type.Literal('application/vnd.docker.distribution.manifest.list.v2+json'),
  manifests: Type.Array(DescriptorSchema),
});
export type DockerManifestList = Static<typeof DockerManifestListSchema>;

/** The parts of an image config this library reads (platform and rootfs); other fields are kept as they are. */
export const ImageConfigSchema = Type.Object({
  architecture: Type.String(),
  os: Type.String(),
  variant: Type.Optional(Type.String()),
  'os.version': Type.Optional(Type.String()),
  'os.features': Type.Optional(Type.Array(Type.String())),
  rootfs: Type.Optional(Type.Object({ type: Type.String(), diff_ids: Type.Array(Type.String()) })),
});
export type ImageConfig = Static<typeof ImageConfigSchema>;

export const ErrorBodySchema = Type.Object({
  errors: Type.Array(
    Type.Object({ code: Type.String(), message: Type.Optional(Type.String()), detail: Type.Optional(Type.Unknown()) }),
  ),
});
export type ErrorBody = Static<typeof ErrorBodySchema>;

export const TokenResponseSchema = Type.Object({
  token: Type.Optional(Type.String()),
  access_token: Type.Optional(Type.String()),
  expires_in: Type.Optional(Type.Number()),
  issued_at: Type.Optional(Type.String()),
  refresh_token: Type.Optional(Type.String()),
});
export type TokenResponse = Static<typeof TokenResponseSchema>;

export const TagListSchema = Type.Object({
  name: Type.String(),
  tags: Type.Union([Type.Array(Type.String()), Type.Null()]),
});
export type TagList = Static<typeof TagListSchema>;

export const CatalogSchema = Type.Object({
  repositories: Type.Union([Type.Array(Type.String()), Type.Null()]),
});
export type Catalog = Static<typeof CatalogSchema>;
