import { copyBlob, mountBlob } from '../blobs.js';
import type { ClientContext } from '../context.js';
import { putManifest } from '../manifests.js';
import type { Reference } from '../reference.js';
import type { Descriptor } from '../schemas.js';
import { atDigest, type PlannedEntry } from './plan.js';
import { mapPool } from './pool.js';

/**
 * Carries out a plan: every lacking blob is mounted (same registry) or streamed and verified
 * (another registry), each blob once even when several entries share it; then every manifest the
 * target lacks is PUT by digest. Mounts and manifest PUTs are bounded by `ctx.concurrency`, copies by
 * `ctx.transferConcurrency`, and manifests are
 * written only after all blobs are in place, so the registry never sees a manifest whose blobs
 * it lacks.
 */
export async function carryOut(ctx: ClientContext, target: Reference, planned: readonly PlannedEntry[], signal?: AbortSignal): Promise<void> {
  const blobs = new Map<string, { from: Reference; descriptor: Descriptor }>();
  for (const entry of planned) {
    for (const descriptor of entry.blobs) {
      if (!blobs.has(descriptor.digest)) blobs.set(descriptor.digest, { from: entry.source, descriptor });
    }
  }
  const all = [...blobs.values()];
  // Mounts are single small requests; copies stream whole blobs through this process and get their own, lower bound.
  await Promise.all([
    mapPool(
      all.filter(({ from }) => from.registry === target.registry),
      ctx.concurrency,
      ({ from, descriptor }) => mountBlob(ctx, target, descriptor.digest, { from, size: descriptor.size, mediaType: descriptor.mediaType, signal }),
      signal,
    ),
    mapPool(
      all.filter(({ from }) => from.registry !== target.registry),
      ctx.transferConcurrency,
      ({ from, descriptor }) => copyBlob(ctx, from, target, descriptor, { signal }),
      signal,
    ),
  ]);
  await mapPool(
    planned.filter((entry) => !entry.manifestPresent),
    ctx.concurrency,
    (entry) => putManifest(ctx, atDigest(target, entry.descriptor.digest), entry.bytes, { signal }),
    signal,
  );
}
