import type { CallOptions, RemoteContext } from '../remote/context.js';
import { MultiplatformError, ValidationError, isNotFound } from '../errors.js';
import { isImageIndex } from '../oci/manifest.js';
import { getManifest, headManifest, putManifest } from '../remote/manifests.js';
import { MediaType } from '../oci/media-types.js';
import { toReference, type Reference, type ReferenceInput } from '../oci/reference.js';
import type { ComposedIndex } from './compose.js';
import { convertEntries } from './convert.js';
import { editEntries, keptEntries, serializeEdited, type EditEntry } from './edit-rules.js';
import { indexEntryOf, writtenIndex, type PreparedEntry } from './entries.js';
import { indexChildOf } from './merge.js';
import { parseEditOptions, type ParsedEdit } from './edit-options.js';
import { planTransfers } from './plan.js';
import { plannedChild } from './push.js';
import { resolveChildren } from './resolve.js';
import type { ParsedChild } from './spec.js';
import { carryOut } from './transfer.js';
import type { EditManifestListOptions, EditManifestListResult } from './types.js';

/**
 * Edits the index at `input`: adds images, replaces the entries of a platform, removes entries,
 * sets index annotations; every entry not touched is written back with the same fields and values, in its place.
 *
 * 1. The options are checked and every reference and platform parsed before any request.
 * 2. The index is read once (a reference that is not an index is a {@link ValidationError}).
 * 3. The images to add and replace are looked up as {@link pushManifestList} does (indexes
 *    flattened, attestations kept with their images) and converted to the index's media-type family.
 * 4. The new entry list and the new bytes are computed (see `editEntries`, `serializeEdited`).
 * 5. HEAD requests find what the index's repository lacks of the new entries.
 * 6. Unless `dryRun`: blobs are mounted or copied and new children PUT by digest; then, when
 *    `input` names a tag, the tag is HEADed and must still point at the index read in step 2
 *    (unless `force`), and the new index is PUT to it; without a tag, it is PUT by its digest.
 */
export async function editManifestList(ctx: RemoteContext, input: ReferenceInput, options: EditManifestListOptions, call: CallOptions = {}): Promise<EditManifestListResult> {
  const { signal } = call;
  const ref = toReference(input);
  const parsed = parseEditOptions(options);
  const { manifest, descriptor, bytes } = await getManifest(ctx, ref, { signal });
  if (!isImageIndex(manifest)) throw new ValidationError(`${ref.toString()} is a single image, not an index; create one with createManifestList`);
  const family = manifest.mediaType === MediaType.DockerManifestList ? 'docker' : 'oci';
  const [added, replacing] = await Promise.all([lookUp(ctx, parsed.add, family, signal), lookUp(ctx, parsed.replace, family, signal)]);
  const raw = (JSON.parse(bytes.toString('utf8')) as { manifests: Record<string, unknown>[] }).manifests;
  const current = keptEntries(raw, manifest.manifests);
  const edited = editEntries(current, { remove: parsed.remove, replace: replacing.map(indexEntryOf), add: added.map(indexEntryOf) });
  const composed = serializeEdited(JSON.parse(bytes.toString('utf8')) as Record<string, unknown>, edited.entries, parsed.annotations);
  const repository = ref.atDigest(descriptor.digest);
  const planned = await planTransfers(ctx, repository, [...replacing, ...added], signal);
  const destination = ref.tag !== undefined ? ref.withTag(ref.tag) : ref.atDigest(composed.digest);
  if (!parsed.dryRun) {
    await carryOut(ctx, repository, planned, signal);
    if (ref.tag !== undefined && !parsed.force) await checkTagUnmoved(ctx, destination, descriptor.digest, signal);
    await putManifest(ctx, destination, composed.bytes, { signal });
  }
  return resultOf(parsed, composed, descriptor.digest, destination, edited, planned);
}

async function lookUp(ctx: RemoteContext, children: readonly ParsedChild[], family: 'oci' | 'docker', signal: AbortSignal | undefined): Promise<readonly PreparedEntry[]> {
  if (children.length === 0) return [];
  const { entries } = await resolveChildren(ctx, { children: [...children], ignoreMissing: false }, signal);
  return convertEntries(entries, family);
}

/** Refuses to write `tag` when it no longer points at `read`: someone else wrote it, or deleted it, meanwhile. */
async function checkTagUnmoved(ctx: RemoteContext, tag: Reference, read: string, signal: AbortSignal | undefined): Promise<void> {
  let now: string;
  try {
    now = (await headManifest(ctx, tag, { signal })).digest;
  } catch (error) {
    if (isNotFound(error)) {
      throw new MultiplatformError(`${tag.toString()} was deleted since the index was read (it was ${read}); nothing was written to it. Pass force to write it again`);
    }
    throw error;
  }
  if (now !== read) {
    throw new MultiplatformError(`${tag.toString()} has moved since the index was read (it was ${read}, it is now ${now}); nothing was written to it. Edit again, or pass force to overwrite`);
  }
}

function resultOf(
  parsed: ParsedEdit,
  composed: ComposedIndex,
  previous: string,
  destination: Reference,
  edited: { entries: EditEntry[]; removed: EditEntry[] },
  planned: Awaited<ReturnType<typeof planTransfers>>,
): EditManifestListResult {
  const fresh = edited.entries.flatMap((e, i) => (e.kept === undefined ? [composed.index.manifests[i]] : []));
  return {
    ...writtenIndex(composed),
    previousDigest: previous as EditManifestListResult['previousDigest'],
    written: destination.toString(),
    added: fresh.flatMap((d) => (d ? [indexChildOf(d)] : [])),
    removed: edited.removed.map((e) => indexChildOf(e.descriptor)),
    plan: planned.map((entry) => plannedChild(entry, composed, composed.index.manifests.findIndex((d) => d.digest === entry.descriptor.digest))),
    dryRun: parsed.dryRun,
  };
}
