import type { RegistryTransport } from '../transport/registry-transport.js';
import type { KeyedLock } from '../util/keyed-lock.js';

/** What every operation needs from the client that runs it. */
export interface RemoteContext {
  transport: RegistryTransport;
  /** Largest manifest read or written, in bytes. */
  maxManifestBytes: number;
  /** Size of each PATCH when a blob of unknown size is uploaded. */
  chunkSize: number;
  /** How many independent requests one operation may have in flight. */
  concurrency: number;
  /** How many blobs one operation may stream between registries at once. */
  transferConcurrency: number;
  /** Bounded retry when content pushed moments ago is reported unknown; absent means off. */
  consistency?: ConsistencyPolicy;
  /** Read-modify-write updates (a referrers fallback tag) of one key run one after the other within this client. */
  locks: KeyedLock;
}

/** How long to wait for a registry that is only eventually consistent (see `withConsistencyRetry`). */
export interface ConsistencyPolicy {
  /** Further attempts after the first. */
  retries: number;
  /** Wait before each further attempt, in ms. */
  delayMs: number;
}

/** Options every call accepts. */
export interface CallOptions {
  /** Cancels the call: pending requests are aborted, upload sessions cancelled, nothing is retried. */
  signal?: AbortSignal;
  /**
   * Deadline for the whole call in ms — every request, retry, backoff and token request, and for
   * `getBlob` the reading of the stream — after which it fails with a `TimeoutError`. Overrides the
   * client's `timeoutMs`; `0` means none.
   */
  timeoutMs?: number;
}

