import type { Dispatcher } from 'undici';
import { getBlob, getBlobBytes, headBlob, blobExists, type GetBlobOptions } from './remote/blobs.js';
import { copyBlob, mountBlob, pushBlob, type BlobData, type BlobPushResult, type MountBlobOptions, type PushBlobOptions } from './remote/blob-push.js';
import type { CallOptions, RemoteContext, ConsistencyPolicy } from './remote/context.js';
import type { ReferenceInput } from './oci/reference.js';
import { CredentialStore, type Credential } from './credentials/index.js';
import { catalog, listTags, type ListOptions } from './remote/listing.js';
import type { ManifestResult } from './oci/manifest.js';
import {
  deleteManifest,
  getManifest,
  headManifest,
  manifestExists,
  putManifest,
  type GetManifestOptions,
  type ManifestDescriptor,
  type PutManifestOptions,
} from './remote/manifests.js';
import type { ManifestMediaType } from './oci/media-types.js';
import { listReferrers, type ReferrersOptions } from './remote/referrers.js';
import type { Descriptor } from './oci/schemas.js';
import type { Digest } from './oci/digest.js';
import { hostnameOf, isLoopbackHost } from './transport/address.js';
import { Authenticator } from './transport/auth.js';
import { Endpoints } from './transport/endpoints.js';
import { HttpTransport, proxyFromEnv } from './transport/http.js';
import { RegistryTransport } from './transport/registry-transport.js';
import { resolveRetryPolicy, type RetryOptions } from './transport/retry.js';
import type { Readable } from 'node:stream';
import { normalizeRegistry, registryApiHost } from './oci/reference.js';
import { KeyedLock } from './util/keyed-lock.js';
import { VERSION } from './version.js';
import { ValidationError } from './errors.js';
import type { InspectResult, ManifestListSpec, PushManifestListResult } from './manifest-list/types.js';


/** Options of {@link RegistryClient}. Every one is optional. */
export interface RegistryClientOptions {
  /**
   * Credentials by registry (`'docker.io'`, `'ghcr.io'`, `'localhost:5000'`): username and password,
   * an identity (refresh) token, or a ready registry token. Looked up before Docker's config.
   */
  credentials?: Record<string, Credential>;
  /** Docker config directory or config.json path to read credentials from, or `false` to read none. Default: `$DOCKER_CONFIG` or `~/.docker`. */
  dockerConfig?: string | false;
  /**
   * Registries that may be reached over plain HTTP or HTTPS without certificate checks: `true` for
   * all, a list of `host[:port]` names, or a predicate. Loopback registries (`localhost`, 127.0.0.0/8,
   * `::1`) are always allowed, as Docker does.
   */
  insecure?: boolean | string[] | ((host: string) => boolean);
  /**
   * Token-server hosts (`host` or `host:port`) that may receive your registry credentials when a
   * registry's challenge points at them. A realm on the registry's own host, and Docker Hub's
   * `auth.docker.io`, are always trusted; any other realm gets an anonymous token request.
   */
  trustedTokenRealms?: string[];
  /** undici dispatcher used for every request (a proxy agent, a custom pool, a MockAgent in tests). */
  dispatcher?: Dispatcher;
  /** `User-Agent` header. Default `multiplatform/<version>`. */
  userAgent?: string;
  /** Retry policy, or `false` to turn retrying off. */
  retry?: RetryOptions | false;
  /** Largest manifest read or written, in bytes (default 4 MiB). */
  maxManifestBytes?: number;
  /** Size of each PATCH when a stream of unknown length is uploaded (default 8 MiB). */
  chunkSize?: number;
  /**
   * How many small requests (manifest and config lookups, HEADs, mounts, manifest PUTs) one
   * operation such as composing a list may have in flight (default 32, so a 32-platform list is
   * looked up in one wave).
   */
  concurrency?: number;
  /** How many blobs one operation may stream between registries at once (default 4); each holds up to `chunkSize` in memory. */
  transferConcurrency?: number;
  /** Time allowed for response headers, in ms (default 60 s). */
  headersTimeoutMs?: number;
  /** Time allowed between two chunks of a response body, in ms (default 5 min). */
  bodyTimeoutMs?: number;
  /** Called with each `Warning` header a registry sends (they have no other effect). */
  onWarning?: (warning: string, operation: string) => void;
  /** Called before each retry, with the failure and the wait (-1 when the backoff decides it). */
  onRetry?: (info: { attempt: number; error: Error; delayMs: number; operation: string }) => void;
  /**
   * Environment for Docker config, credential helpers and proxies (default `process.env`).
   * `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (either case) route requests through a proxy unless
   * a `dispatcher` is given.
   */
  env?: Record<string, string | undefined>;
  /**
   * For registries that are only eventually consistent: when a manifest push is refused because a
   * blob or child pushed moments ago is reported unknown (`MANIFEST_BLOB_UNKNOWN`, `BLOB_UNKNOWN`,
   * `MANIFEST_UNKNOWN`, 404), try again up to `retries` times (default 3), `delayMs` apart (default 500).
   * Off unless given.
   */
  consistency?: { retries?: number; delayMs?: number } | false;
}

/**
 * A client for the OCI / Docker Registry HTTP API V2. One instance keeps a connection pool per
 * registry origin and a token cache; share it across calls. Every method takes an optional
 * `{ signal }` to cancel it.
 *
 * @example
 * ```ts
 * const client = new RegistryClient({ credentials: { 'ghcr.io': { username: 'me', password: process.env.TOKEN } } });
 * const { manifest, descriptor } = await client.getManifest('ghcr.io/me/app:1.0');
 * ```
 */
export class RegistryClient {
  /** @internal */
  readonly context: RemoteContext;
  private readonly http: HttpTransport;
  private readonly auth: Authenticator;

  constructor(options: RegistryClientOptions = {}) {
    const isInsecure = insecurePredicate(options.insecure);
    const retryPolicy = resolveRetryPolicy(options.retry);
    this.http = new HttpTransport({
      dispatcher: options.dispatcher,
      userAgent: options.userAgent ?? `multiplatform/${VERSION}`,
      skipTlsVerify: isInsecure,
      headersTimeoutMs: options.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
      proxy: proxyFromEnv(options.env ?? process.env),
    });
    const credentials = new CredentialStore({ credentials: options.credentials, dockerConfig: options.dockerConfig, env: options.env });
    const trustedRealms = new Set((options.trustedTokenRealms ?? []).map((h) => h.toLowerCase()));
    this.auth = new Authenticator(this.http, credentials, isInsecure, trustedRealms);
    const transport = new RegistryTransport(this.http, this.auth, new Endpoints(this.http, isInsecure), retryPolicy, {
      onWarning: options.onWarning,
      onRetry: options.onRetry,
    });
    this.context = {
      transport,
      maxManifestBytes: options.maxManifestBytes ?? 4 * 1024 * 1024,
      chunkSize: options.chunkSize ?? 8 * 1024 * 1024,
      concurrency: Math.max(1, options.concurrency ?? 32),
      transferConcurrency: Math.max(1, options.transferConcurrency ?? 4),
      consistency: resolveConsistency(options.consistency),
      locks: new KeyedLock(),
    };
  }

  /** Number of token requests this client has sent (the cache keeps it low). */
  get tokenRequests(): number {
    return this.auth.tokenFetches;
  }

  /** Fetches a manifest: its descriptor, exact bytes and the parsed, validated document. */
  getManifest(ref: ReferenceInput, options?: GetManifestOptions): Promise<ManifestResult> {
    return getManifest(this.context, ref, options);
  }

  /** A manifest's media type, digest and size, without its body (falls back to GET when HEAD says too little). */
  headManifest(ref: ReferenceInput, options?: GetManifestOptions): Promise<ManifestDescriptor> {
    return headManifest(this.context, ref, options);
  }

  /** True when the manifest exists. */
  manifestExists(ref: ReferenceInput, options?: CallOptions): Promise<boolean> {
    return manifestExists(this.context, ref, options);
  }

  /** Pushes manifest bytes as they are, to a tag or a digest; returns the descriptor of what was written. */
  putManifest(ref: ReferenceInput, bytes: Uint8Array, options?: PutManifestOptions): Promise<Descriptor & { mediaType: ManifestMediaType }> {
    return putManifest(this.context, ref, bytes, options);
  }

  /** Deletes a manifest (a tag is resolved to its digest first); returns the digest deleted. */
  deleteManifest(ref: ReferenceInput, options?: CallOptions): Promise<Digest> {
    return deleteManifest(this.context, ref, options);
  }

  /** A blob's digest and size. */
  headBlob(repo: ReferenceInput, digest: string, options?: CallOptions): Promise<Descriptor> {
    return headBlob(this.context, repo, digest, options);
  }

  /** True when the repository has the blob. */
  blobExists(repo: ReferenceInput, digest: string, options?: CallOptions): Promise<boolean> {
    return blobExists(this.context, repo, digest, options);
  }

  /** Streams a blob, verified against its digest (and size, when given) as it flows. */
  getBlob(repo: ReferenceInput, digest: string | Descriptor, options?: GetBlobOptions): Promise<Readable> {
    return getBlob(this.context, repo, digest, options);
  }

  /** Reads a small blob (such as an image config) into memory, refusing blobs over `limit` bytes (default 4 MiB). */
  getBlobBytes(repo: ReferenceInput, descriptor: Descriptor, options?: CallOptions & { limit?: number }): Promise<Buffer> {
    return getBlobBytes(this.context, repo, descriptor, options?.limit ?? this.context.maxManifestBytes, options);
  }

  /** Pushes a blob from bytes, a file path or a stream; skips blobs the repository already has. */
  pushBlob(repo: ReferenceInput, data: BlobData, options?: PushBlobOptions): Promise<BlobPushResult> {
    return pushBlob(this.context, repo, data, options);
  }

  /** Mounts a blob from another repository of the same registry (copying it when the registry declines). */
  mountBlob(targetRepo: ReferenceInput, digest: string, options: MountBlobOptions): Promise<BlobPushResult> {
    return mountBlob(this.context, targetRepo, digest, options);
  }

  /** Copies a blob between repositories on any registries, mounting when possible. */
  copyBlob(from: ReferenceInput, to: ReferenceInput, descriptor: Descriptor, options?: CallOptions): Promise<BlobPushResult> {
    return copyBlob(this.context, from, to, descriptor, options);
  }

  /**
   * Manifests that refer to `subject` (a digest reference, or a tag resolved first), from the
   * referrers API or, where the registry has none, from the `<alg>-<hex>` fallback tag.
   */
  listReferrers(subject: ReferenceInput, options?: ReferrersOptions): Promise<Descriptor[]> {
    return listReferrers(this.context, subject, options);
  }

  /** Every tag of a repository. */
  listTags(repo: ReferenceInput, options?: ListOptions): Promise<string[]> {
    return listTags(this.context, repo, options);
  }

  /** Every repository of a registry. */
  catalog(registry: string, options?: ListOptions): Promise<string[]> {
    return catalog(this.context, registry, options);
  }

  /**
   * Composes a manifest list / OCI index from per-platform images (any repository, any registry)
   * and pushes it to `spec.image` and every extra tag. Children are looked up concurrently, their
   * platforms read from their configs when the spec gives none, and brought into the target
   * repository (mounted or copied) before the index is written. With `dryRun`, nothing is written.
   */
  pushManifestList(spec: ManifestListSpec, options?: CallOptions): Promise<PushManifestListResult> {
    return import('./manifest-list/push.js').then((m) => m.pushManifestList(this.context, spec, options));
  }

  /** Whether a reference is a list, with its platforms; or the single image's platform. */
  inspect(ref: ReferenceInput, options?: CallOptions): Promise<InspectResult> {
    return import('./manifest-list/inspect.js').then((m) => m.inspect(this.context, ref, options));
  }

  /** Closes the connection pools this client opened. A dispatcher passed in options is left open. */
  close(): Promise<void> {
    return this.http.close();
  }
}

function resolveConsistency(option: RegistryClientOptions['consistency']): ConsistencyPolicy | undefined {
  if (option === undefined || option === false) return undefined;
  const retries = option.retries ?? 3;
  const delayMs = option.delayMs ?? 500;
  if (!Number.isSafeInteger(retries) || retries < 0) throw new ValidationError(`consistency.retries must be a non-negative integer, got ${String(retries)}`);
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new ValidationError(`consistency.delayMs must be a non-negative number, got ${String(delayMs)}`);
  return { retries, delayMs };
}

function insecurePredicate(option: RegistryClientOptions['insecure']): (host: string) => boolean {
  const loopback = (host: string) => isLoopbackHost(hostnameOf(host));
  if (option === true) return () => true;
  if (typeof option === 'function') return (host) => loopback(host) || option(host);
  // The list is validated and normalised once; hosts asked about (redirect targets, upload URLs
  // on other hosts) are compared as they are, never validated on the hot path.
  const listed = new Set((Array.isArray(option) ? option : []).flatMap((h) => {
    const name = normalizeRegistry(h);
    return [name, registryApiHost(name)];
  }));
  if (listed.size === 0) return loopback;
  return (host) => {
    const lower = host.toLowerCase();
    return loopback(host) || listed.has(lower) || listed.has(hostnameOf(lower));
  };
}
