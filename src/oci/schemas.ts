import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { SchemaError, ValidationError } from '../errors.js';
import { parseJsonText } from '../util/json-syntax.js';

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

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checker<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema) as TypeCheck<T> | undefined;
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

/** True when `value` matches `schema`. */
export function matches<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return checker(schema).Check(value);
}

/** Returns `value` typed by `schema`, or throws {@link SchemaError} naming `what` and every problem found. */
export function validate<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  const check = checker(schema);
  if (check.Check(value)) return value;
  const problems = [...check.Errors(value)].map((e) => `${e.path || '/'}: ${e.message}`);
  throw new SchemaError(what, problems);
}

/**
 * Parses JSON bytes, throwing {@link SchemaError} (not `SyntaxError`) when they are not JSON. The
 * error names where and what kind of problem was found, never the text: what comes from a
 * registry or a token server may hold a token.
 */
export function parseJson(bytes: Uint8Array | string, what: string): unknown {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  return parseJsonText(text, (where) => new SchemaError(what, [`not valid JSON: ${where}`]));
}

/** True for a plain object: not null, not an array. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks annotations given by a caller: absent (`undefined`), or an object of strings with non-empty
 * keys. Returns them, or undefined when absent or empty; otherwise throws {@link ValidationError}
 * naming `what` (whose annotations they are).
 */
export function checkAnnotations(value: unknown, what: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new ValidationError(`${what}: annotations must be an object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (key === '') throw new ValidationError(`${what}: annotation keys must not be empty`);
    if (typeof v !== 'string') throw new ValidationError(`${what}: annotation ${JSON.stringify(key)} must be a string, got ${JSON.stringify(v) ?? typeof v}`);
  }
  return Object.keys(value).length > 0 ? (value as Record<string, string>) : undefined;
}
