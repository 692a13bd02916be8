import { copyBlob, mountBlob } from '../remote/blob-push.js';
import type { RemoteContext } from '../remote/context.js';
import { putManifest } from '../remote/manifests.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor } from '../oci/schemas.js';
import type { PlannedEntry } from './entries.js';
import { mapPool } from '../util/pool.js';
import { TransferReporter, type BlobAction, type ProgressListener } from '../remote/progress.js';

/**
 * Carries out a plan: every lacking blob is mounted (same registry) or streamed and verified
 * (another registry), each blob once even when several entries share it; then every manifest the
 * target lacks is PUT by digest. Mounts and manifest PUTs are bounded by `ctx.concurrency`, copies by
 * `ctx.transferConcurrency`, and manifests are
 * written only after all blobs are in place, so the registry never sees a manifest whose blobs
 * it lacks.
 */
// The plan has just HEADed every blob listed in entry.blobs in the target: they are known absent.
export async function carryOut(
  ctx: RemoteContext,
  target: Reference,
  planned: readonly PlannedEntry[],
  signal?: AbortSignal,
  onProgress?: ProgressListener,
): Promise<void> {
  const blobs = new Map<string, { from: Reference; descriptor: Descriptor }>();
  for (const entry of planned) {
    for (const descriptor of entry.blobs) {
      if (!blobs.has(descriptor.digest)) blobs.set(descriptor.digest, { from: entry.source, descriptor });
    }
  }
  const all = [...blobs.values()];
  const report = new TransferReporter(onProgress, all.map(({ descriptor }) => descriptor));
  const reported = async <T>(action: BlobAction, descriptor: Descriptor, work: () => Promise<T>): Promise<T> => {
    report.start(descriptor, action, target.toString());
    const result = await work();
    report.done(descriptor, action);
    return result;
  };
  report.begin();
  // Mounts are single small requests; copies stream whole blobs through this process and get their
  // own, lower bound. A failure in either pool stops the other, so no transfer outlives the call.
  const stop = new AbortController();
  const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let firstFailure: { error: unknown } | undefined;
  const halting = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      firstFailure ??= { error };
      stop.abort(error);
      throw error;
    });
  const settled = await Promise.allSettled([
    halting(
      mapPool(
        all.filter(({ from }) => from.registry === target.registry),
        ctx.concurrency,
        ({ from, descriptor }) =>
          reported('mount', descriptor, () =>
            mountBlob(ctx, target, descriptor.digest, { from, size: descriptor.size, mediaType: descriptor.mediaType, signal: both, knownAbsent: true }),
          ),
        both,
      ),
    ),
    halting(
      mapPool(
        all.filter(({ from }) => from.registry !== target.registry),
        ctx.transferConcurrency,
        ({ from, descriptor }) =>
          reported('copy', descriptor, () => copyBlob(ctx, from, target, descriptor, { signal: both, knownAbsent: true, onBytes: report.bytesOf(descriptor) })),
        both,
      ),
    ),
  ]);
  if (firstFailure && settled.some((result) => result.status === 'rejected')) throw firstFailure.error;
  await mapPool(
    planned.filter((entry) => !entry.manifestPresent),
    ctx.concurrency,
    (entry) => putManifest(ctx, target.atDigest(entry.descriptor.digest), entry.bytes, { signal }),
    signal,
  );
}
