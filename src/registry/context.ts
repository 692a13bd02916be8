import type { Digest } from '../oci/digest.js';
import { ApiError } from './api-error.js';
import type { KeyedLock } from '../util/keyed-lock.js';
import type { BlobStore } from './storage/blob-store.js';
import type { Repository, RegistryState } from './storage/state.js';
import type { UploadManager } from './upload-sessions.js';
import type { RegistryBehaviour } from './faults/profiles/behaviour.js';

/** Everything a request handler works with. */
export interface RegistryContext {
  readonly state: RegistryState;
  readonly store: BlobStore;
  readonly uploads: UploadManager;
  /** Serialises changes to one digest's bytes (commit vs. garbage collection). */
  readonly locks: KeyedLock;
  readonly maxManifestBytes: number;
  /** Most manifests per referrers answer; `Infinity` when unpaged. */
  readonly referrersPageSize: number;
  /** Largest body of one upload request; `Infinity` when unlimited. */
  readonly maxUploadRequestBytes: number;
  /** The quirks of the real registry this one imitates (`profile` option), if any. */
  readonly behaviour?: RegistryBehaviour;
  /** Stores the state (a no-op in memory); resolves once the change is durable. */
  persist(): Promise<void>;
}

/** The repository `name`, or a 404 `NAME_UNKNOWN`. */
export function existingRepository(ctx: RegistryContext, name: string): Repository {
  const repository = ctx.state.get(name);
  if (!repository) throw ApiError.of(404, 'NAME_UNKNOWN', `repository ${name} is not known to this registry`, { name });
  return repository;
}

/** Deletes the bytes of `digest` once no repository refers to it any more. */
export async function collectGarbage(ctx: RegistryContext, digest: Digest): Promise<void> {
  await ctx.locks.run(digest, async () => {
    if (!ctx.state.isReferenced(digest)) await ctx.store.remove(digest);
  });
}
