import type { CallOptions, RemoteContext } from '../remote/context.js';
import { isNotFound } from '../errors.js';
import { isImageIndex } from '../oci/manifest.js';
import { getManifest, putManifest } from '../remote/manifests.js';
import type { Reference } from '../oci/reference.js';
import { isAttestationEntry } from '../oci/attestation.js';
import type { Descriptor } from '../oci/schemas.js';
import { composeIndex, type ComposedIndex } from './compose.js';
import { convertEntries } from './convert.js';
import { indexEntryOf, writtenIndex, type PlannedEntry } from './entries.js';
import { parseCreateOptions, selectPlatforms, withDescriptorAnnotations, type ParsedCreate } from './merge-rules.js';
import { planTransfers } from './plan.js';
import { plannedChild } from './push.js';
import { resolveChildren } from './resolve.js';
import type { ParsedChild } from './spec.js';
import { carryOut } from './transfer.js';
import type { CreateManifestListOptions, CreateManifestListResult, IndexChild } from './types.js';

/**
 * Merges images and indexes into one index and writes it to every tag, as
 * `docker buildx imagetools create` does.
 *
 * 1. The options are checked and every reference, platform and annotation parsed before any request.
 * 2. With `append`, the index at the first tag (if there is one) is read once and becomes the first
 *    source, pinned to the digest read; its index annotations are kept under the new ones.
 * 3. The sources are looked up as {@link pushManifestList} does: indexes flattened, each image
 *    followed by its attestation manifests, platforms from the index or the image config.
 * 4. `platforms` keeps the images of those platforms (with their attestations); the
 *    `manifest-descriptor:` annotations go on the image entries; with `mediaType`, entries of the
 *    other family are converted.
 * 5. The index is composed: its digest is known before anything is written.
 * 6. For each target repository, HEAD requests find what it lacks; unless `dryRun`, blobs are
 *    mounted or copied, child manifests PUT by digest, then the index PUT to each of its tags.
 */
export async function createManifestList(ctx: RemoteContext, options: CreateManifestListOptions, call: CallOptions = {}): Promise<CreateManifestListResult> {
  const { signal } = call;
  const parsed = parseCreateOptions(options);
  const base = parsed.append ? await readAppendBase(ctx, parsed.targets[0] as Reference, signal) : undefined;
  const { entries } = await resolveChildren(ctx, { children: [...(base ? [base.child] : []), ...parsed.sources], ignoreMissing: false }, signal);
  const selected = withDescriptorAnnotations(selectPlatforms(entries, parsed.platforms), parsed.annotations);
  const prepared = convertEntries(selected, parsed.mediaType);
  const composed = composeIndex(prepared.map(indexEntryOf), { mediaType: parsed.mediaType, annotations: indexAnnotations(parsed, base?.annotations) });
  const plan: PlannedEntry[] = [];
  for (const [repository, targets] of byRepository(parsed.targets)) {
    const planned = await planTransfers(ctx, repository, prepared, signal);
    plan.push(...planned);
    if (parsed.dryRun) continue;
    await carryOut(ctx, repository, planned, signal);
    for (const target of targets) await putManifest(ctx, target, composed.bytes, { signal });
  }
  return resultOf(parsed, composed, plan);
}

/** The index (or image) at `target`, as a source pinned to its digest, with its index annotations; undefined when the tag does not exist. */
async function readAppendBase(ctx: RemoteContext, target: Reference, signal: AbortSignal | undefined): Promise<{ child: ParsedChild; annotations?: Record<string, string> } | undefined> {
  try {
    const { manifest, descriptor } = await getManifest(ctx, target, { signal });
    const pinned = target.atDigest(descriptor.digest);
    const annotations = isImageIndex(manifest) && 'annotations' in manifest ? manifest.annotations : undefined;
    return { child: { image: pinned.toString(), ref: pinned }, ...(annotations ? { annotations } : {}) };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function indexAnnotations(parsed: ParsedCreate, kept: Record<string, string> | undefined): Record<string, string> | undefined {
  const merged = { ...kept, ...parsed.annotations.index };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** Targets grouped by repository (registry and name), in the order first named; the key is the first target. */
function byRepository(targets: readonly Reference[]): Map<Reference, Reference[]> {
  const groups = new Map<string, Reference[]>();
  for (const target of targets) {
    const key = `${target.registry}/${target.repository}`;
    groups.set(key, [...(groups.get(key) ?? []), target]);
  }
  return new Map([...groups.values()].map((group) => [group[0] as Reference, group]));
}

/** An entry of a composed index as results report it. */
export function indexChildOf(descriptor: Descriptor): IndexChild {
  const child: IndexChild = { digest: descriptor.digest as IndexChild['digest'], mediaType: descriptor.mediaType, size: descriptor.size, attestation: isAttestationEntry(descriptor) };
  if (descriptor.platform !== undefined) child.platform = descriptor.platform;
  if (descriptor.annotations !== undefined) child.annotations = descriptor.annotations;
  return child;
}

function resultOf(parsed: ParsedCreate, composed: ComposedIndex, plan: readonly PlannedEntry[]): CreateManifestListResult {
  const entries = composed.index.manifests.length;
  return {
    ...writtenIndex(composed),
    tags: parsed.targets.map((t) => t.toString()),
    children: composed.index.manifests.map(indexChildOf),
    plan: plan.map((entry, i) => plannedChild(entry, composed, i % entries)),
    dryRun: parsed.dryRun,
  };
}
