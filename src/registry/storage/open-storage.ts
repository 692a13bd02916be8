import type { BlobStore } from './blob-store.js';
import { FileBlobStore } from './file-store.js';
import { MemoryBlobStore } from './memory-store.js';
import { FilePersistence, memoryPersistence, type StatePersistence } from './persistence.js';
import type { RegistryState } from './state.js';
import { claimStoreDir } from './store-dir.js';

/** A registry's open storage: blob bytes, the repositories' state and where that state is saved. */
export interface OpenStorage {
  store: BlobStore;
  persistence: StatePersistence;
  state: RegistryState;
  /** Releases the blob store, then the directory's lock. */
  close(): Promise<void>;
}

/** Opens storage in memory, or in `dir` after claiming it (marker and lock); a failure to open releases the claim. */
export async function openStorage(dir: string | undefined): Promise<OpenStorage> {
  if (dir === undefined) {
    const store = new MemoryBlobStore();
    return { store, persistence: memoryPersistence, state: await memoryPersistence.load(), close: () => store.close() };
  }
  const claim = await claimStoreDir(dir);
  try {
    const store = await FileBlobStore.open(claim.dir);
    const persistence = new FilePersistence(claim.dir);
    const state = await persistence.load();
    const close = async (): Promise<void> => {
      try {
        await store.close();
      } finally {
        await claim.release();
      }
    };
    return { store, persistence, state, close };
  } catch (e) {
    await claim.release();
    throw e;
  }
}
