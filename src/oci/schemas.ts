import type { Static } from '@sinclair/typebox';
import { SchemaError, ValidationError } from '../errors.js';
import { parseJsonText } from '../util/json-syntax.js';
import { schemaProblems, type CompiledSchema } from '../util/schema-problems.js';
import type * as definitions from './schema-definitions.js';
import * as checks from './schema-checks.generated.js';

/*
 * The wire schemas are written with TypeBox in schema-definitions.ts; their checking code is
 * generated at development time (scripts/generate-validators.mjs), so TypeBox is not loaded at run time.
 */

/** The platform an image runs on, as in the OCI image index. */
export type Platform = Static<typeof definitions.PlatformSchema>;
/** An OCI content descriptor: what a piece of content is, its digest and its size. */
export type Descriptor = Static<typeof definitions.DescriptorSchema>;
export type OciManifest = Static<typeof definitions.OciManifestSchema>;
export type OciIndex = Static<typeof definitions.OciIndexSchema>;
export type DockerManifest = Static<typeof definitions.DockerManifestSchema>;
export type DockerManifestList = Static<typeof definitions.DockerManifestListSchema>;
/** The parts of an image config this library reads (platform and rootfs); other fields are kept as they are. */
export type ImageConfig = Static<typeof definitions.ImageConfigSchema>;
export type ErrorBody = Static<typeof definitions.ErrorBodySchema>;
export type TokenResponse = Static<typeof definitions.TokenResponseSchema>;
export type TagList = Static<typeof definitions.TagListSchema>;
export type Catalog = Static<typeof definitions.CatalogSchema>;

export const PlatformSchema = checks.PlatformSchema as Schema<Platform>;
export const DescriptorSchema = checks.DescriptorSchema as Schema<Descriptor>;
export const OciManifestSchema = checks.OciManifestSchema as Schema<OciManifest>;
export const OciIndexSchema = checks.OciIndexSchema as Schema<OciIndex>;
export const DockerManifestSchema = checks.DockerManifestSchema as Schema<DockerManifest>;
export const DockerManifestListSchema = checks.DockerManifestListSchema as Schema<DockerManifestList>;
export const ImageConfigSchema = checks.ImageConfigSchema as Schema<ImageConfig>;
export const ErrorBodySchema = checks.ErrorBodySchema as Schema<ErrorBody>;
export const TokenResponseSchema = checks.TokenResponseSchema as Schema<TokenResponse>;
export const TagListSchema = checks.TagListSchema as Schema<TagList>;
export const CatalogSchema = checks.CatalogSchema as Schema<Catalog>;

/** A wire schema: its generated check (scripts/generate-validators.mjs) and its JSON Schema. */
export interface Schema<T> extends CompiledSchema {
  /** Only for typing: the type a value that passes the check has. */
  readonly __type?: T;
}

/** True when `value` matches `schema`. */
export function matches<T>(schema: Schema<T>, value: unknown): value is T {
  return schema.check(value);
}

/** Returns `value` typed by `schema`, or throws {@link SchemaError} naming `what` and every problem found. */
export function validate<T>(schema: Schema<T>, value: unknown, what: string): T {
  if (schema.check(value)) return value as T;
  const problems = [...schemaProblems(schema.json, value)].map((e) => `${e.path || '/'}: ${e.message}`);
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
