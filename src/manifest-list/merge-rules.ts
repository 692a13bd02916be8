import { InvalidReferenceError, ValidationError, isInvalidDigestError } from '../errors.js';
import { parseDigest } from '../oci/digest.js';
import { normalizePlatform, parsePlatform, platformMatches } from '../oci/platform.js';
import { REFERENCE_DIGEST } from '../oci/attestation.js';
import { isReference, parseReference, toReference, type Reference } from '../oci/reference.js';
import type { Platform } from '../oci/schemas.js';
import { descriptorAnnotationsFor, parseAddressedAnnotations, type AddressedAnnotations } from './addressed-annotations.js';
import type { IndexFormat } from './compose.js';
import type { ResolvedEntry } from './entries.js';
import { parseChild, type ParsedChild } from './spec.js';
import type { CreateManifestListOptions } from './types.js';

/** Options of a create that passed every check that needs no request. */
export interface ParsedCreate {
  /** Where the index goes: each a tag reference (`latest` when none was written). */
  targets: Reference[];
  sources: ParsedChild[];
  /** Platforms to keep, normalised; undefined keeps all. */
  platforms?: Platform[];
  annotations: AddressedAnnotations;
  mediaType?: IndexFormat;
  append: boolean;
  dryRun: boolean;
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ValidationError(`createManifestList: ${name} must be true or false`);
  return value;
}

function target(value: unknown, i: number): Reference {
  const where = `createManifestList: tags[${i}]`;
  if (typeof value !== 'string' || value === '') throw new ValidationError(`${where} must be a full reference such as registry.example/app:1.0`);
  let ref: Reference;
  try {
    ref = parseReference(value);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new InvalidReferenceError(value, `${error.reason} (${where})`);
    throw error;
  }
  if (ref.digest !== undefined) throw new ValidationError(`${where}: ${value} names a digest; give a tag to write the new index to`);
  return ref.withTag(ref.tag ?? 'latest');
}

/** A source written as a bare digest: an algorithm the client knows, a colon, and no repository. */
const isBareDigest = (source: string): boolean => !source.includes('/') && /^sha(256|384|512):/.test(source);

/**
 * The reference a `createManifestList` source names. A bare digest (`sha256:…`, what a push by digest
 * prints) names that digest in the repository of the first tag, as `docker buildx imagetools create`
 * reads it; any other source is returned as written (it is checked as a reference later).
 *
 * @param source - one entry of `sources`.
 * @param firstTag - the first of `tags`, where the index is written.
 * @throws {@link InvalidDigestError} when `source` is a bare digest that is malformed (`sha256:abc`);
 *   {@link InvalidReferenceError} when `firstTag` is no reference; {@link ValidationError} when an argument is not a string.
 */
export function sourceReference(source: string, firstTag: string | Reference): string {
  if (typeof source !== 'string' || source === '') throw new ValidationError('sourceReference: source must be a non-empty string');
  if (typeof firstTag !== 'string' && !isReference(firstTag)) throw new ValidationError('sourceReference: firstTag must be a reference string or a Reference');
  if (!isBareDigest(source)) return source;
  return toReference(firstTag).atDigest(parseDigest(source)).toString();
}

/** {@link sourceReference} for `sources[i]`, a malformed bare digest told as a mistake in that entry. */
function inFirstTagRepository(source: unknown, firstTag: Reference, i: number): unknown {
  if (typeof source !== 'string' || source === '') return source;
  try {
    return sourceReference(source, firstTag);
  } catch (error) {
    if (isInvalidDigestError(error)) throw new ValidationError(`createManifestList: sources[${i}]: ${source} is not a digest (${error.reason})`);
    throw error;
  }
}

/**
 * Checks the options of {@link RegistryClient.createManifestList} and parses every reference,
 * platform and annotation before any request. Throws {@link ValidationError} or
 * {@link InvalidReferenceError} naming the field.
 */
export function parseCreateOptions(options: CreateManifestListOptions): ParsedCreate {
  if (!Array.isArray(options.tags) || options.tags.length === 0) throw new ValidationError('createManifestList: tags must list at least one reference to write');
  if (!Array.isArray(options.sources) || options.sources.length === 0) throw new ValidationError('createManifestList: sources must list at least one image or index');
  const targets = options.tags.map(target);
  const sources = options.sources.map((source, i) => parseChild(inFirstTagRepository(source, targets[0]!, i), `createManifestList: sources[${i}]`));
  const mediaType: unknown = options.mediaType;
  if (mediaType !== undefined && mediaType !== 'oci' && mediaType !== 'docker') {
    throw new ValidationError(`createManifestList: mediaType must be "oci" or "docker", got ${JSON.stringify(mediaType)}`);
  }
  const parsed: ParsedCreate = {
    targets: [...new Map(targets.map((t) => [t.toString(), t])).values()],
    sources,
    annotations: parseAddressedAnnotations(options.annotations),
    append: flag(options.append, 'append'),
    dryRun: flag(options.dryRun, 'dryRun'),
  };
  if (options.platforms !== undefined) {
    if (!Array.isArray(options.platforms) || options.platforms.length === 0) throw new ValidationError('createManifestList: platforms must be a non-empty list such as ["linux/amd64"]');
    parsed.platforms = options.platforms.map((p) => normalizePlatform(parsePlatform(p)));
  }
  if (mediaType !== undefined) parsed.mediaType = mediaType;
  return parsed;
}

/**
 * The entries to keep: with `platforms`, the images of those platforms and the attestations that
 * describe them; every entry otherwise. Keeping nothing is a {@link ValidationError}.
 */
export function selectPlatforms<T extends Pick<ResolvedEntry, 'platform' | 'attestation' | 'descriptor' | 'annotations'>>(entries: readonly T[], platforms: readonly Platform[] | undefined): T[] {
  if (platforms === undefined) return [...entries];
  const images = new Set(entries.filter((e) => !e.attestation && platforms.some((p) => platformMatches(p, e.platform))).map((e) => e.descriptor.digest));
  if (images.size === 0) throw new ValidationError('no image of the sources has any of the platforms asked for');
  return entries.filter((e) => images.has(e.attestation ? (e.annotations?.[REFERENCE_DIGEST] ?? '') : e.descriptor.digest));
}

/** Each image entry with its `manifest-descriptor:` annotations added over the ones it has. */
export function withDescriptorAnnotations<T extends Pick<ResolvedEntry, 'platform' | 'attestation' | 'annotations'>>(entries: readonly T[], annotations: AddressedAnnotations): T[] {
  if (annotations.descriptors.length === 0) return [...entries];
  return entries.map((entry) => {
    if (entry.attestation) return entry;
    const added = descriptorAnnotationsFor(annotations.descriptors, entry.platform);
    return Object.keys(added).length === 0 ? entry : { ...entry, annotations: { ...entry.annotations, ...added } };
  });
}
