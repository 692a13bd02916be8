import type { RemoteContext } from '../remote/context.js';
import { ValidationError, isNotFound } from '../errors.js';
import { isImageIndex, type ImageManifest, type ManifestResult } from '../oci/manifest.js';
import { getManifest, withConsistencyRetry } from '../remote/manifests.js';
import { MediaType, isIndexMediaType } from '../oci/media-types.js';
import { mergePlatform, normalizePlatform } from '../oci/platform.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor, Platform } from '../oci/schemas.js';
import { REFERENCE_DIGEST, isAttestationEntry } from '../oci/attestation.js';
import { readConfigPlatform } from './config-platform.js';
import { MissingChildrenError } from '../errors.js';
import { mapPool } from '../util/pool.js';
import type { ParsedChild, ParsedSpec } from './spec.js';
import type { ResolvedEntry } from './entries.js';

/** The children found, flattened, with their platforms; and the children skipped as missing. */
export interface Resolution {
  entries: ResolvedEntry[];
  skipped: string[];
}

/** A manifest on its way to becoming an entry. */
interface Candidate {
  child: ParsedChild;
  image: string;
  source: Reference;
  /** The platform a child index gives for the entry, if any. */
  declared?: Platform;
  indexAnnotations?: Record<string, string>;
  artifactType?: string;
  attestation: boolean;
  /** True for a spec child that is itself an image (not taken out of an index). */
  direct: boolean;
  fetched?: ManifestResult;
  fromConfig?: Platform;
}

/**
 * Looks every child of the spec up (bounded by `ctx.concurrency`), flattens child indexes into
 * their platform manifests and attestation manifests, and settles each entry's platform: the
 * spec's, checked against the image config, else the config's (or, for an entry of a child index,
 * the platform that index records). Missing children are reported together in one
 * {@link MissingChildrenError} unless `ignoreMissing` lets them be skipped. With `verifyPlatforms:
 * false`, an image child whose spec states os and architecture is taken at its word (no config
 * read). Only reads.
 */
export async function resolveChildren(
  ctx: RemoteContext,
  spec: Pick<ParsedSpec, 'children' | 'ignoreMissing'> & Partial<Pick<ParsedSpec, 'verifyPlatforms'>>,
  signal?: AbortSignal,
): Promise<Resolution> {
  const looked = await mapPool(
    spec.children,
    ctx.concurrency,
    async (child) => {
      try {
        // With the client's opt-in consistency policy, a child pushed a moment ago gets time to appear.
        return { child, result: await withConsistencyRetry(ctx, () => getManifest(ctx, child.ref, { signal }), { signal }) };
      } catch (error) {
        if (isNotFound(error)) return { child, result: undefined };
        throw error;
      }
    },
    signal,
  );
  const skipped = looked.filter((l) => l.result === undefined).map((l) => l.child.image);
  if (skipped.length > 0 && (!spec.ignoreMissing || skipped.length === looked.length)) {
    throw new MissingChildrenError(skipped, looked.length);
  }

  const groups = looked.flatMap(({ child, result }) => (result ? [{ child, direct: !isImageIndex(result.manifest), candidates: candidatesOf(child, result) }] : []));
  const all = groups.flatMap((group) => group.candidates);

  await mapPool(
    all.filter((c) => c.fetched === undefined),
    ctx.concurrency,
    async (candidate) => {
      candidate.fetched = await getManifest(ctx, candidate.source, { signal });
      if (isImageIndex(candidate.fetched.manifest)) {
        throw new ValidationError(`${candidate.child.image}: entry ${candidate.image} is itself an index; nested indexes are not supported`);
      }
    },
    signal,
  );
  await mapPool(
    all.filter((c) => (c.direct && !(spec.verifyPlatforms === false && statesPlatform(c.child))) || (!c.direct && !c.attestation && c.declared === undefined)),
    ctx.concurrency,
    async (candidate) => {
      candidate.fromConfig = await readConfigPlatform(ctx, candidate.source, candidate.fetched?.manifest as ImageManifest, candidate.image, signal);
    },
    signal,
  );

  return { entries: groups.flatMap(settleGroup), skipped };
}

/** The candidates of one spec child: the image itself, or every entry of the index it names (filtered by the spec's platform where the index records one). */
function candidatesOf(child: ParsedChild, result: ManifestResult): Candidate[] {
  const { manifest, descriptor } = result;
  if (!isImageIndex(manifest)) {
    const candidate: Candidate = { child, image: child.image, source: child.ref.atDigest(descriptor.digest), attestation: false, direct: true, fetched: result };
    if (manifest.mediaType === MediaType.OciManifest && manifest.artifactType !== undefined) candidate.artifactType = manifest.artifactType;
    return [candidate];
  }
  const candidates = manifest.manifests.flatMap((entry): Candidate[] => {
    const source = child.ref.atDigest(entry.digest);
    const image = `${source.registry}/${source.repository}@${entry.digest}`;
    if (isIndexMediaType(entry.mediaType)) {
      throw new ValidationError(`${child.image}: entry ${image} is itself an index; nested indexes are not supported`);
    }
    const attestation = isAttestationEntry(entry);
    if (!attestation && entry.platform !== undefined && child.platform !== undefined && !agrees(child, entry.platform, image)) return [];
    const candidate: Candidate = { child, image, source, attestation, direct: false };
    if (entry.platform !== undefined) candidate.declared = entry.platform;
    if (entry.annotations !== undefined) candidate.indexAnnotations = entry.annotations;
    if (entry.artifactType !== undefined) candidate.artifactType = entry.artifactType;
    return [candidate];
  });
  // Attestations of images the spec's platform ruled out are not needed (nor fetched).
  const kept = new Set<string | undefined>(candidates.filter((c) => !c.attestation).map((c) => c.source.digest));
  return candidates.filter((c) => !c.attestation || kept.has(c.indexAnnotations?.[REFERENCE_DIGEST]));
}

/** True when the spec names the child's os and architecture, all a platform needs without the config. */
function statesPlatform(child: ParsedChild): boolean {
  return Boolean(child.platform?.os && child.platform.architecture);
}

/** True when the platform the spec gives for `child` agrees with `platform`. */
function agrees(child: ParsedChild, platform: Platform, what: string): boolean {
  try {
    mergePlatform(child.platform, normalizePlatform(platform, what), what);
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

/** Final platforms and order for one spec child: each image followed by the attestation manifests that describe it. */
function settleGroup({ child, direct, candidates }: { child: ParsedChild; direct: boolean; candidates: Candidate[] }): ResolvedEntry[] {
  const images: ResolvedEntry[] = [];
  for (const candidate of candidates) {
    if (candidate.attestation) continue;
    const platform = imagePlatform(candidate);
    if (platform !== undefined) images.push(entryOf(candidate, platform, { ...candidate.indexAnnotations, ...child.annotations }));
  }
  if (images.length === 0) {
    throw new ValidationError(
      child.platform === undefined
        ? `${child.image}: the index has no platform manifests`
        : `${child.image}: no manifest in the index matches the platform ${JSON.stringify(child.platform)}`,
    );
  }
  if (direct) return images;

  const attestations = candidates.filter((c) => c.attestation);
  return images.flatMap((image) => [
    image,
    ...attestations
      .filter((a) => a.indexAnnotations?.[REFERENCE_DIGEST] === image.descriptor.digest)
      .map((a) => entryOf(a, a.declared ?? { architecture: 'unknown', os: 'unknown' }, a.indexAnnotations)),
  ]);
}

/** The platform of a non-attestation candidate, or undefined when the spec's platform rules it out. */
function imagePlatform(candidate: Candidate): Platform | undefined {
  const { child } = candidate;
  if (candidate.direct) return mergePlatform(child.platform, candidate.fromConfig, child.image);
  const known = candidate.declared ?? candidate.fromConfig;
  if (known === undefined) {
    throw new ValidationError(`${candidate.image} (in ${child.image}): no platform known; the index records none and its config names no os and architecture`);
  }
  if (child.platform === undefined) return known;
  if (!agrees(child, known, candidate.image)) return undefined;
  return mergePlatform(child.platform, normalizePlatform(known, candidate.image), candidate.image);
}

function entryOf(candidate: Candidate, platform: Platform, annotations: Record<string, string> | undefined): ResolvedEntry {
  const fetched = candidate.fetched as ManifestResult;
  const descriptor: Descriptor = { mediaType: fetched.manifest.mediaType, digest: fetched.descriptor.digest, size: fetched.descriptor.size };
  if (candidate.artifactType !== undefined) descriptor.artifactType = candidate.artifactType;
  const entry: ResolvedEntry = {
    image: candidate.image,
    source: candidate.source,
    bytes: fetched.bytes,
    manifest: fetched.manifest as ImageManifest,
    descriptor,
    platform,
    attestation: candidate.attestation,
  };
  if (annotations !== undefined && Object.keys(annotations).length > 0) entry.annotations = annotations;
  return entry;
}
