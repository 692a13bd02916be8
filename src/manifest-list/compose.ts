import { digestOf, parseDigest, type Digest } from '../oci/digest.js';
import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import { MediaType, isSchema1MediaType, mediaTypeFamily, type MediaTypeFamily } from '../oci/media-types.js';
import { ATTESTATION_MANIFEST, REFERENCE_DIGEST, REFERENCE_TYPE, isAttestationEntry } from '../oci/attestation.js';
import { assertPlatform, entryVariantKey, normalizePlatform } from '../oci/platform.js';
import {
  DockerManifestListSchema,
  OciIndexSchema,
  checkAnnotations,
  validate,
  type Descriptor,
  type DockerManifestList,
  type OciIndex,
  type Platform,
} from '../oci/schemas.js';

/**
 * Composing a multi-platform index (OCI image index or Docker manifest list) from per-platform
 * children, without I/O: the caller has already resolved every child to a descriptor and a platform.
 * The output bytes are deterministic, so composing the same children twice gives the same digest.
 */

/** One child of the index to compose. */
export interface IndexEntry {
  /** The child's descriptor: mediaType, digest and size; may carry platform and annotations. */
  descriptor: Descriptor;
  /** The child's platform; overrides `descriptor.platform`. */
  platform?: Platform;
  /** Annotations for this entry; merged over `descriptor.annotations`. */
  annotations?: Record<string, string>;
}

/** `oci` writes an OCI image index, `docker` a Docker manifest list. */
export type IndexFormat = MediaTypeFamily;

/** Options for {@link composeIndex}. */
export interface ComposeOptions {
  /** Force the output format; by default it follows the children (see {@link chooseIndexFormat}). */
  mediaType?: IndexFormat;
  /** Index-level annotations (OCI only). */
  annotations?: Record<string, string>;
}

/** The composed index: its exact bytes, their digest and size, and the parsed document. */
export interface ComposedIndex {
  bytes: Buffer;
  digest: Digest;
  size: number;
  mediaType: typeof MediaType.OciIndex | typeof MediaType.DockerManifestList;
  /** `{ mediaType, digest, size }` of the index itself. */
  descriptor: Descriptor;
  index: OciIndex | DockerManifestList;
}


// RFC 6838 type/subtype, optionally with a +suffix (the same grammar the OCI schemas use).
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

function entryName(entry: IndexEntry, position: number): string {
  const digest = entry?.descriptor?.digest;
  return typeof digest === 'string' && digest !== '' ? `child ${digest}` : `child #${position + 1}`;
}

function familyOf(entry: IndexEntry, position: number): MediaTypeFamily {
  const mediaType = entry.descriptor.mediaType;
  if (isSchema1MediaType(mediaType)) {
    throw new UnsupportedMediaTypeError(entryName(entry, position), mediaType, 'Docker schema1 manifests cannot be put in an index');
  }
  return mediaTypeFamily(mediaType);
}

function entryAnnotations(entry: IndexEntry, position: number): Record<string, string> | undefined {
  const what = entryName(entry, position);
  const fromDescriptor = checkAnnotations(entry.descriptor.annotations, what);
  const fromEntry = checkAnnotations(entry.annotations, what);
  if (!fromDescriptor && !fromEntry) return undefined;
  return { ...fromDescriptor, ...fromEntry };
}

function checkEntryShape(entry: IndexEntry, position: number): void {
  if (typeof entry !== 'object' || entry === null || typeof entry.descriptor !== 'object' || entry.descriptor === null) {
    throw new ValidationError(`${entryName(entry, position)}: needs a descriptor`);
  }
  const mediaType: unknown = entry.descriptor.mediaType;
  if (typeof mediaType !== 'string' || mediaType === '') {
    throw new ValidationError(`${entryName(entry, position)}: descriptor has no mediaType`);
  }
  if (!MEDIA_TYPE.test(mediaType)) {
    throw new ValidationError(`${entryName(entry, position)}: invalid mediaType ${JSON.stringify(mediaType)}`);
  }
}

function list(items: string[]): string {
  return items.length > 5 ? `${items.slice(0, 5).join(', ')} (+${items.length - 5} more)` : items.join(', ');
}

/**
 * Decides whether the children go into an OCI index or a Docker manifest list.
 *
 * `options.mediaType` wins when given. Otherwise: an OCI index when any annotation is present
 * (index-level or on an entry) or every child has an OCI (or artifact) media type; a Docker
 * manifest list when every child is a Docker schema2 manifest. Children must belong to the chosen
 * family: mixed or mismatched children are a {@link ValidationError} naming them (convert them
 * first), as are annotations with a Docker manifest list. Docker schema1 children are an
 * {@link UnsupportedMediaTypeError}.
 */
export function chooseIndexFormat(entries: IndexEntry[], options: ComposeOptions = {}): IndexFormat {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new ValidationError('cannot compose an index from an empty list of children');
  }
  const forced = options.mediaType;
  if (forced !== undefined && forced !== 'oci' && forced !== 'docker') {
    throw new ValidationError(`invalid index mediaType ${JSON.stringify(forced)}: expected "oci" or "docker"`);
  }
  entries.forEach(checkEntryShape);
  const families = entries.map(familyOf);
  const named = (family: MediaTypeFamily): string[] =>
    entries.flatMap((entry, i) => (families[i] === family ? [entryName(entry, i)] : []));
  const indexAnnotations = checkAnnotations(options.annotations, 'index');
  const annotated = entries.flatMap((entry, i) => (entryAnnotations(entry, i) ? [entryName(entry, i)] : []));
  if (indexAnnotations) annotated.unshift('the index');

  if (forced === undefined && families.includes('oci') && families.includes('docker')) {
    throw new ValidationError(
      `children mix OCI and Docker media types (OCI: ${list(named('oci'))}; Docker: ${list(named('docker'))}); ` +
        'pass mediaType "oci" or "docker" and convert the children to that format',
    );
  }
  const allOci = families.every((f) => f === 'oci');
  const format: IndexFormat = forced ?? (allOci || annotated.length > 0 ? 'oci' : 'docker');

  if (format === 'docker') {
    const oci = named('oci');
    if (oci.length > 0) {
      throw new ValidationError(
        `a Docker manifest list can only reference Docker manifests, but ${list(oci)} ${oci.length > 1 ? 'are' : 'is'} not; convert ${oci.length > 1 ? 'them' : 'it'} first or use mediaType "oci"`,
      );
    }
    if (annotated.length > 0) {
      throw new ValidationError(`a Docker manifest list cannot carry annotations (found on ${list(annotated)}); use mediaType "oci"`);
    }
  } else {
    const docker = named('docker');
    if (docker.length > 0) {
      const why = forced === 'oci' ? 'mediaType "oci" was asked for' : `annotations need an OCI index (found on ${list(annotated)})`;
      throw new ValidationError(
        `${why}, but ${list(docker)} ${docker.length > 1 ? 'are Docker manifests' : 'is a Docker manifest'}; convert ${docker.length > 1 ? 'them' : 'it'} to OCI first`,
      );
    }
  }
  return format;
}

const sortKeys = (record: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key] as string]));

/** Platform with its keys in the written order, values untouched (attestation entries are kept verbatim). */
function orderedVerbatim(p: Platform, what: string): Platform {
  assertPlatform(p, what);
  const out: Platform = { architecture: p.architecture, os: p.os };
  if (p['os.version'] !== undefined) out['os.version'] = p['os.version'];
  if (p['os.features'] !== undefined) out['os.features'] = [...p['os.features']];
  if (p.variant !== undefined) out.variant = p.variant;
  if (p.features !== undefined) out.features = [...p.features];
  return out;
}

/** A child checked and written as it will appear in the index. */
interface CheckedEntry {
  descriptor: Descriptor;
  attestation: boolean;
  name: string;
}

function checkEntry(entry: IndexEntry, position: number): CheckedEntry {
  const { descriptor } = entry;
  const name = entryName(entry, position);
  if (typeof descriptor.digest !== 'string') throw new ValidationError(`${name}: descriptor has no digest`);
  const digest = parseDigest(descriptor.digest);
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new ValidationError(`${name}: descriptor size must be a non-negative integer, got ${JSON.stringify(descriptor.size) ?? 'undefined'}`);
  }
  const rawPlatform = entry.platform ?? descriptor.platform;
  if (rawPlatform === undefined || rawPlatform === null) {
    throw new ValidationError(`${name}: no platform; every child of an index needs os and architecture`);
  }
  const annotations = entryAnnotations(entry, position);
  // One definition of an attestation for the whole project: platform unknown/unknown or BuildKit's annotation.
  const attestation = isAttestationEntry({ platform: rawPlatform, annotations });
  const platform = attestation ? orderedVerbatim(rawPlatform, name) : normalizePlatform(rawPlatform, name);

  const out: Descriptor = { mediaType: descriptor.mediaType, digest, size: descriptor.size };
  if (descriptor.artifactType !== undefined) {
    if (typeof descriptor.artifactType !== 'string' || !MEDIA_TYPE.test(descriptor.artifactType)) {
      throw new ValidationError(`${name}: invalid artifactType ${JSON.stringify(descriptor.artifactType)}`);
    }
    out.artifactType = descriptor.artifactType;
  }
  out.platform = platform;
  if (annotations) out.annotations = sortKeys(annotations);
  return { descriptor: out, attestation, name };
}

function checkDuplicates(checked: CheckedEntry[]): void {
  const byDigest = new Map<string, number>();
  for (const { descriptor } of checked) byDigest.set(descriptor.digest, (byDigest.get(descriptor.digest) ?? 0) + 1);
  const repeated = [...byDigest].filter(([, count]) => count > 1).map(([digest]) => digest);
  if (repeated.length > 0) {
    throw new ValidationError(`the same child appears more than once: ${list(repeated)}`);
  }

  const byPlatform = new Map<string, string[]>();
  for (const { descriptor, attestation } of checked) {
    if (attestation || !descriptor.platform) continue;
    const key = entryVariantKey({ platform: descriptor.platform, annotations: descriptor.annotations });
    byPlatform.set(key, [...(byPlatform.get(key) ?? []), descriptor.digest]);
  }
  const clashes = [...byPlatform].filter(([, digests]) => digests.length > 1);
  if (clashes.length > 0) {
    const details = clashes.map(([key, digests]) => `${key} (${digests.join(', ')})`);
    throw new ValidationError(`more than one child for the same platform: ${details.join('; ')}`);
  }
}

/** An attestation manifest must point at an image in the same index, or it is orphaned. */
function checkAttestations(checked: CheckedEntry[]): void {
  const images = new Set(checked.filter((p) => !p.attestation).map((p) => p.descriptor.digest));
  for (const { descriptor, attestation, name } of checked) {
    if (!attestation || descriptor.annotations?.[REFERENCE_TYPE] !== ATTESTATION_MANIFEST) continue;
    const subject = descriptor.annotations[REFERENCE_DIGEST];
    if (subject === undefined || !images.has(subject)) {
      throw new ValidationError(
        `${name}: attestation manifest refers to ${subject === undefined ? 'no image' : `image ${subject}`}, which is not in this index (annotation ${REFERENCE_DIGEST})`,
      );
    }
  }
}

/**
 * Builds the bytes of an OCI image index or Docker manifest list from its children.
 *
 * Every child needs a valid mediaType, digest and size and a platform with os and architecture
 * (normalised with {@link normalizePlatform}); attestation manifests (platform `unknown/unknown`)
 * are kept verbatim with their annotations and must refer to an image in the same index.
 * Several entries may share a platform when they are variants a runtime can tell apart: different
 * `os.version`, `os.features` or `features`, or a gzip image and its zstd sibling annotated
 * `io.github.containers.compression.zstd: "true"` (put the gzip entry first: clients that know no
 * zstd take the first match). True duplicates (same platform and variant-defining fields), a
 * repeated digest or an empty list are a {@link ValidationError}; see
 * {@link chooseIndexFormat} for how the format is picked.
 *
 * Serialisation is deterministic: compact JSON with a fixed key order (schemaVersion, mediaType,
 * manifests, annotations; each entry mediaType, digest, size, artifactType, platform, annotations),
 * annotation keys sorted, entries in the order given, no trailing newline. The digest is the
 * sha256 of exactly those bytes.
 */
export function composeIndex(entries: IndexEntry[], options: ComposeOptions = {}): ComposedIndex {
  const format = chooseIndexFormat(entries, options);
  const children = entries.map(checkEntry);
  checkDuplicates(children);
  checkAttestations(children);

  const manifests = children.map((p) => p.descriptor);
  let index: OciIndex | DockerManifestList;
  let mediaType: ComposedIndex['mediaType'];
  if (format === 'oci') {
    mediaType = MediaType.OciIndex;
    const annotations = checkAnnotations(options.annotations, 'index');
    index = { schemaVersion: 2, mediaType, manifests, ...(annotations ? { annotations: sortKeys(annotations) } : {}) };
  } else {
    mediaType = MediaType.DockerManifestList;
    index = { schemaVersion: 2, mediaType, manifests };
  }

  const bytes = Buffer.from(JSON.stringify(index), 'utf8');
  const digest = digestOf(bytes);
  const parsed: unknown = JSON.parse(bytes.toString('utf8'));
  const checked =
    format === 'oci' ? validate(OciIndexSchema, parsed, 'composed OCI index') : validate(DockerManifestListSchema, parsed, 'composed manifest list');
  return {
    bytes,
    digest,
    size: bytes.length,
    mediaType,
    descriptor: { mediaType, digest, size: bytes.length },
    index: checked,
  };
}
