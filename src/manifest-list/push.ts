import { composeIndex, type ComposedIndex } from './compose.js';
import type { CallOptions, RemoteContext } from '../remote/context.js';
import { DigestMismatchError } from '../errors.js';
import type { ManifestListSpec, PlannedChild, PushManifestListResult } from './types.js';
import { putManifest } from '../remote/manifests.js';
import { convertEntries } from './convert.js';
import { indexEntryOf, writtenIndex, type PlannedEntry, type PreparedEntry } from './entries.js';
import { planTransfers } from './plan.js';
import { resolveChildren } from './resolve.js';
import { parseSpec, type ParsedSpec } from './spec.js';
import { carryOut } from './transfer.js';
import type { ProgressListener } from '../remote/progress.js';

/** Options of {@link pushManifestList}. */
export interface PushManifestListOptions extends CallOptions {
  /** Told of each child blob mounted or copied into the target repository (bytes, and blobs done of all). */
  onProgress?: ProgressListener;
}

/**
 * Composes a manifest list / OCI index from per-platform images and pushes it.
 *
 * 1. The spec is checked and every reference parsed before any request
 *    ({@link InvalidReferenceError}, {@link ValidationError}).
 * 2. Every child is looked up, at most `ctx.concurrency` requests at a time. Missing children are
 *    reported together in one {@link MissingChildrenError}, or skipped with `ignoreMissing`.
 *    A child that is itself an index is flattened into its platform manifests, each followed by
 *    the attestation manifests that describe it. Platforms come from the spec, checked against
 *    each image config, or from the config alone.
 * 3. With `spec.mediaType`, children of the other family are converted (see `convertManifest`).
 * 4. The index is composed: its digest is known before anything is written, and must be the
 *    target's when the target names one ({@link DigestMismatchError}).
 * 5. HEAD requests find what the target repository already has.
 * 6. Unless `dryRun`: lacking blobs are mounted or copied, child manifests PUT by digest, and the
 *    index PUT to the target's tag (or digest) and then to every extra tag.
 */
export async function pushManifestList(ctx: RemoteContext, spec: ManifestListSpec, options: PushManifestListOptions = {}): Promise<PushManifestListResult> {
  const { signal } = options;
  const parsed = parseSpec(spec);
  const { entries, skipped } = await resolveChildren(ctx, parsed, signal);
  const prepared = convertEntries(entries, parsed.mediaType);
  const composed = composeFor(parsed, prepared);
  const planned = await planTransfers(ctx, parsed.target, prepared, signal);
  if (!parsed.dryRun) {
    await carryOut(ctx, parsed.target, planned, signal, options.onProgress);
    await putIndex(ctx, parsed, composed, signal);
  }
  return resultOf(parsed, composed, planned, skipped);
}

/** The index of the prepared entries, checked against the digest the target is pinned to, if any. */
function composeFor(spec: ParsedSpec, prepared: readonly PreparedEntry[]): ComposedIndex {
  const composed = composeIndex(prepared.map(indexEntryOf), { mediaType: spec.mediaType, annotations: spec.annotations });
  if (spec.target.digest !== undefined && spec.target.digest !== composed.digest) {
    throw new DigestMismatchError(`the index composed for ${spec.target.toString()}`, { digest: spec.target.digest }, { digest: composed.digest });
  }
  return composed;
}

/** Writes the index to each tag in order (the target's own first), or by digest when the target names no tag and no extra tags are asked for. */
async function putIndex(ctx: RemoteContext, spec: ParsedSpec, composed: ComposedIndex, signal: AbortSignal | undefined): Promise<void> {
  const destinations = spec.tags.length > 0 ? spec.tags.map((tag) => spec.target.withTag(tag)) : [spec.target.atDigest(composed.digest)];
  // putManifest checks the registry's Docker-Content-Digest against these very bytes.
  for (const destination of destinations) await putManifest(ctx, destination, composed.bytes, { signal });
}

function resultOf(spec: ParsedSpec, composed: ComposedIndex, planned: readonly PlannedEntry[], skipped: string[]): PushManifestListResult {
  return {
    ...writtenIndex(composed),
    tags: [...spec.tags],
    plan: planned.map((entry, i) => plannedChild(entry, composed, i)),
    skipped,
    dryRun: spec.dryRun,
  };
}

/** The public view of a planned entry; its platform as the index at `position` writes it. */
export function plannedChild(entry: PlannedEntry, composed: ComposedIndex, position: number): PlannedChild {
  const written = composed.index.manifests[position];
  const child: PlannedChild = {
    image: entry.image,
    digest: entry.descriptor.digest as PlannedChild['digest'],
    mediaType: entry.descriptor.mediaType,
    action: entry.action,
    blobs: entry.blobs,
  };
  const platform = written?.platform ?? entry.platform;
  if (platform !== undefined) child.platform = platform;
  if (entry.convertedFrom !== undefined) child.convertedFrom = entry.convertedFrom;
  return child;
}
