import { blobExists } from '../remote/blobs.js';
import type { RemoteContext } from '../remote/context.js';
import type { PlannedChild } from './types.js';
import { manifestExists } from '../remote/manifests.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor } from '../oci/schemas.js';
import type { PlannedEntry, PreparedEntry } from './entries.js';
import { mapPool } from '../util/pool.js';
import { isNonDistributableMediaType } from '../oci/media-types.js';

const sameRepository = (a: Reference, b: Reference): boolean => a.registry === b.registry && a.repository === b.repository;

function blobsOf(entry: PreparedEntry): Descriptor[] {
  const seen = new Set<string>();
  return [entry.manifest.config, ...entry.manifest.layers].flatMap((blob): Descriptor[] => {
    // Foreign and non-distributable layers live at their `urls`: never mounted or copied.
    if (isNonDistributableMediaType(blob.mediaType) || seen.has(blob.digest)) return [];
    seen.add(blob.digest);
    return [{ mediaType: blob.mediaType, digest: blob.digest, size: blob.size }];
  });
}

/**
 * Decides, with reads only (HEAD requests, bounded by `ctx.concurrency`), how each entry gets
 * into the target repository: `present` when it is already there, `mount` from another
 * repository of the same registry, `copy` from another registry, `convert` when it was rewritten;
 * and which of its blobs the target still lacks.
 */
export async function planTransfers(ctx: RemoteContext, target: Reference, entries: readonly PreparedEntry[], signal?: AbortSignal): Promise<PlannedEntry[]> {
  const alreadyThere = await mapPool(
    entries,
    ctx.concurrency,
    async (entry) => {
      if (sameRepository(entry.source, target) && entry.convertedFrom === undefined) return true;
      return manifestExists(ctx, target.atDigest(entry.descriptor.digest), { signal });
    },
    signal,
  );

  const needed = new Map<string, Descriptor>();
  entries.forEach((entry, i) => {
    if (alreadyThere[i] || sameRepository(entry.source, target)) return;
    for (const blob of blobsOf(entry)) needed.set(blob.digest, blob);
  });
  const digests = [...needed.keys()];
  const present = await mapPool(digests, ctx.concurrency, (digest) => blobExists(ctx, target, digest, { signal }), signal);
  const lacking = new Set(digests.filter((_, i) => !present[i]));

  return entries.map((entry, i): PlannedEntry => {
    const manifestPresent = alreadyThere[i] === true;
    const blobs = manifestPresent ? [] : blobsOf(entry).filter((blob) => lacking.has(blob.digest));
    let action: PlannedChild['action'];
    if (entry.convertedFrom !== undefined) action = 'convert';
    else if (manifestPresent) action = 'present';
    else action = entry.source.registry === target.registry ? 'mount' : 'copy';
    return { ...entry, action, manifestPresent, blobs };
  });
}
