import type { BlobStore } from './storage/blob-store.js';

/** The blob store behind each running registry, for {@link startBlobMirror} to serve the same bytes. */
export const blobStores = new WeakMap<object, BlobStore>();
