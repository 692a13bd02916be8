import type { Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { getBlob, getBlobBytes, headBlob, blobExists, type GetBlobOptions } from './remote/blobs.js';
import { copyBlob, mountBlob, pushBlob, type BlobData, type BlobPushResult, type MountBlobOptions, type PushBlobOptions } from './remote/blob-push.js';
import type { CallOptions, RemoteContext, ConsistencyPolicy } from './remote/context.js';
import { isReference, normalizeRegistry, registryApiHost, toReference, type Reference, type ReferenceInput } from './oci/reference.js';
import { CredentialStore, type Credential } from './credentials/index.js';
import { catalog, type ListOptions } from './remote/listing.js';
import { checkLogin } from './remote/login-check.js';
import type { ManifestResult } from './oci/manifest.js';
import {
  deleteManifest,
  deleteTag,
  getManifest,
  headManifest,
  manifestExists,
  putManifest,
  withConsistencyRetry,
  type DeleteTagResult,
  type GetManifestOptions,
  type ManifestDescriptor,
  type PutManifestOptions,
} from './remote/manifests.js';
import type { ManifestMediaType } from './oci/media-types.js';
import { listReferrers, type ReferrersOptions } from './remote/referrers.js';
import { pushArtifact, type ArtifactFile, type ArtifactLayer, type PushArtifactOptions, type PushedArtifact } from './remote/artifacts.js';
import { isMediaType } from './oci/artifact.js';
import { validateTag } from './oci/reference.js';
import type { Descriptor, Platform } from './oci/schemas.js';
import type { Digest } from './oci/digest.js';
import { hostnameOf, isLoopbackHost } from './transport/address.js';
import { Authenticator } from './transport/auth.js';
import { Endpoints } from './transport/endpoints.js';
import { registryFormPost } from './transport/form-post.js';
import { HttpTransport, proxyFromEnv } from './transport/http.js';
import type { HttpEvent } from './transport/http-events.js';
import { RegistryTransport } from './transport/registry-transport.js';
import { resolveRetryPolicy, type RetryOptions } from './transport/retry.js';
import { KeyedLock } from './util/keyed-lock.js';
import { withDeadline } from './util/deadline.js';
import { VERSION } from './version.js';
import { ValidationError } from './errors.js';
import { pushManifestList, type PushManifestListOptions } from './manifest-list/push.js';
import { inspect } from './manifest-list/inspect.js';
import type {
  CreateManifestListOptions,
  CreateManifestListResult,
  EditManifestListOptions,
  EditManifestListResult,
  InspectResult,
  ManifestListSpec,
  PushManifestListResult,
  TagResult,
} from './manifest-list/types.js';
import { createManifestList } from './manifest-list/merge.js';
import { editManifestList } from './manifest-list/edit.js';
import { listTagsMatching, tag, type ListTagsOptions } from './manifest-list/tags.js';
import { resolvePlatform } from './manifest-list/resolve-platform.js';
import { copy, type CopyOptions, type CopyResult } from './copy/copy.js';
import type { CopyEndpoint } from './copy/stores.js';
import {
  argumentError,
  checkArgument,
  checkFields,
  checkOptions,
  isNonNegativeNumber,
  isPlainObject,
  isPositiveInteger,
  isStringArray,
  type FieldChecks,
} from './util/args.js';

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
  /**
   * Requests in flight to one registry, shared by every call of this client (each waits for its
   * response headers). Default: 6 for hosts known to rate-limit bursts (ghcr.io, Docker Hub, quay.io,
   * ECR), unlimited elsewhere; a number applies to every registry.
   */
  maxConcurrentRequests?: number;
  /**
   * Deadline for each call, in ms: the whole call — its requests, retries, backoff waits and
   * token requests, and for `getBlob` the reading of the stream — fails with a `TimeoutError`
   * once it passes. Default none (`0`); a call's own `timeoutMs` option overrides it.
   */
  timeoutMs?: number;
  /** Time allowed for response headers, in ms (default 60 s). */
  headersTimeoutMs?: number;
  /** Time allowed between two chunks of a response body, in ms (default 5 min). */
  bodyTimeoutMs?: number;
  /** Called with each `Warning` header a registry sends (they have no other effect). */
  onWarning?: (warning: string, operation: string) => void;
  /** Called before each retry, with the failure and the wait (-1 when the backoff decides it). */
  onRetry?: (info: { attempt: number; error: Error; delayMs: number; operation: string }) => void;
  /**
   * Called with every HTTP request sent (method, URL, headers) and every answer (status, headers),
   * token requests and redirects included, for debug logs. Credentials are already replaced by
   * `[REDACTED]`: `Authorization`, `Proxy-Authorization`, cookies, and tokens or signatures in URLs.
   */
  onHttp?: (event: HttpEvent) => void;
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
  /**
   * For an Amazon ECR, Google Artifact Registry / Container Registry or Azure Container Registry
   * host that has no credentials in options or Docker's config, ask that cloud's SDK
   * (`@aws-sdk/client-ecr`, `google-auth-library`, `@azure/identity`: optional peer dependencies,
   * loaded only then). Default `true`; `false` turns it off. See docs/cloud-credentials.md.
   */
  cloudCredentials?: boolean;
}

let readContext: (client: RegistryClient) => RemoteContext;

/**
 * A client for the OCI / Docker Registry HTTP API V2. One instance keeps a connection pool per
 * registry origin and a token cache; share it across calls. Every method takes an optional
 * `{ signal }` to cancel it, and checks its arguments before sending anything: a wrong one is a
 * {@link ValidationError} that names it.
 *
 * Blob methods name a blob either with one reference, `'ghcr.io/me/app@sha256:…'`, or with a
 * repository and a digest or descriptor, `('ghcr.io/me/app', 'sha256:…')`.
 *
 * @example
 * ```ts
 * const client = new RegistryClient({ credentials: { 'ghcr.io': { username: 'me', password: process.env.TOKEN } } });
 * const { manifest, descriptor } = await client.getManifest('ghcr.io/me/app:1.0');
 * ```
 */
export class RegistryClient {
  readonly #context: RemoteContext;
  readonly #http: HttpTransport;
  readonly #auth: Authenticator;
  readonly #timeoutMs: number | undefined;

  static {
    readContext = (client) => client.#context;
  }

  /** @throws {ValidationError} for an option this client does not know or a value of the wrong type. */
  constructor(options: RegistryClientOptions = {}) {
    checkClientOptions(options);
    this.#timeoutMs = options.timeoutMs;
    const isInsecure = insecurePredicate(options.insecure);
    const retryPolicy = resolveRetryPolicy(options.retry);
    this.#http = new HttpTransport({
      dispatcher: options.dispatcher,
      userAgent: options.userAgent ?? `multiplatform/${VERSION}`,
      skipTlsVerify: isInsecure,
      headersTimeoutMs: options.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
      proxy: proxyFromEnv(options.env ?? process.env),
      onHttp: options.onHttp,
    });
    const endpoints = new Endpoints(this.#http, isInsecure);
    const credentials = new CredentialStore({
      credentials: options.credentials,
      dockerConfig: options.dockerConfig,
      env: options.env,
      cloudCredentials: options.cloudCredentials,
      postForm: registryFormPost(this.#http, endpoints),
      onCloudFailure: (registry, error) => options.onWarning?.(`${error.message}; going on without credentials for ${registry}`, `credentials for ${registry}`),
    });
    const trustedRealms = new Set((options.trustedTokenRealms ?? []).map((h) => h.toLowerCase()));
    this.#auth = new Authenticator(this.#http, credentials, isInsecure, trustedRealms);
    const transport = new RegistryTransport(this.#http, this.#auth, endpoints, retryPolicy, {
      onWarning: options.onWarning,
      onRetry: options.onRetry,
      maxConcurrentRequests: options.maxConcurrentRequests,
    });
    this.#context = {
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
    return this.#auth.tokenFetches;
  }

  /** Fetches a manifest: its descriptor, exact bytes and the parsed, validated document. */
  getManifest(ref: ReferenceInput, options?: GetManifestOptions): Promise<ManifestResult> {
    return checked(() => {
      checkReference('getManifest', 'ref', ref);
      checkOptions('getManifest', 'options', options);
      return this.#timed(`getManifest ${String(ref)}`, options, (o) => getManifest(this.#context, ref, o));
    });
  }

  /** A manifest's media type, digest and size, without its body (falls back to GET when HEAD says too little). */
  headManifest(ref: ReferenceInput, options?: GetManifestOptions): Promise<ManifestDescriptor> {
    return checked(() => {
      checkReference('headManifest', 'ref', ref);
      checkOptions('headManifest', 'options', options);
      return this.#timed(`headManifest ${String(ref)}`, options, (o) => headManifest(this.#context, ref, o));
    });
  }

  /** True when the manifest exists. */
  manifestExists(ref: ReferenceInput, options?: CallOptions): Promise<boolean> {
    return checked(() => {
      checkReference('manifestExists', 'ref', ref);
      checkOptions('manifestExists', 'options', options);
      return this.#timed(`manifestExists ${String(ref)}`, options, (o) => manifestExists(this.#context, ref, o));
    });
  }

  /** Pushes manifest bytes as they are, to a tag or a digest; returns the descriptor of what was written. */
  putManifest(ref: ReferenceInput, bytes: Uint8Array, options?: PutManifestOptions): Promise<Descriptor & { mediaType: ManifestMediaType }> {
    return checked(() => {
      checkReference('putManifest', 'ref', ref);
      checkArgument('putManifest', 'bytes', bytes, (value) => value instanceof Uint8Array, 'a Buffer or Uint8Array');
      checkOptions('putManifest', 'options', options);
      return this.#timed(`putManifest ${String(ref)}`, options, (o) => putManifest(this.#context, ref, bytes, o));
    });
  }

  /**
   * Deletes a manifest; returns the digest deleted. A tag is resolved to its digest first, so
   * `deleteManifest('repo:tag')` deletes the manifest **and every tag that points at it**; to remove
   * just one tag, use {@link RegistryClient.deleteTag}.
   */
  deleteManifest(ref: ReferenceInput, options?: CallOptions): Promise<Digest> {
    return checked(() => {
      checkReference('deleteManifest', 'ref', ref);
      checkOptions('deleteManifest', 'options', options);
      return this.#timed(`deleteManifest ${String(ref)}`, options, (o) => deleteManifest(this.#context, ref, o));
    });
  }

  /**
   * Removes one tag (`repo:tag`), leaving its manifest and the manifest's other tags in place: by
   * `DELETE` of the tag where the registry allows it, else by pushing a unique placeholder manifest
   * to the tag and deleting that placeholder by digest. Says which way it went. A reference with a
   * digest is a `ValidationError` (use {@link RegistryClient.deleteManifest}).
   */
  deleteTag(ref: ReferenceInput, options?: CallOptions): Promise<DeleteTagResult> {
    return checked(() => {
      checkReference('deleteTag', 'ref', ref);
      checkOptions('deleteTag', 'options', options);
      return this.#timed(`deleteTag ${String(ref)}`, options, (o) => deleteTag(this.#context, ref, o));
    });
  }

  /** The digest and size of the blob `repo@digest`. Throws a `RegistryError` (404) when the repository lacks it. */
  headBlob(blob: ReferenceInput, options?: CallOptions): Promise<Descriptor>;
  /** A blob's digest and size, the blob named by `digest` or a descriptor in `repo`. */
  headBlob(repo: ReferenceInput, digest: string | Descriptor, options?: CallOptions): Promise<Descriptor>;
  headBlob(repo: ReferenceInput, second?: string | Descriptor | CallOptions, third?: CallOptions): Promise<Descriptor> {
    return checked(() => {
      const { ref, digest, options } = blobArguments<CallOptions>('headBlob', repo, second, third);
      return this.#timed(`headBlob ${ref.toString()}`, options, (o) => headBlob(this.#context, ref, digest, o));
    });
  }

  /** True when the repository has the blob `repo@digest`. */
  blobExists(blob: ReferenceInput, options?: CallOptions): Promise<boolean>;
  /** True when `repo` has the blob named by `digest` or a descriptor. */
  blobExists(repo: ReferenceInput, digest: string | Descriptor, options?: CallOptions): Promise<boolean>;
  blobExists(repo: ReferenceInput, second?: string | Descriptor | CallOptions, third?: CallOptions): Promise<boolean> {
    return checked(() => {
      const { ref, digest, options } = blobArguments<CallOptions>('blobExists', repo, second, third);
      return this.#timed(`blobExists ${ref.toString()}`, options, (o) => blobExists(this.#context, ref, digest, o));
    });
  }

  /** Streams the blob `repo@digest`, verified against its digest (and size, when known) as it flows. */
  getBlob(blob: ReferenceInput, options?: GetBlobOptions): Promise<Readable>;
  /** Streams the blob named by `digest` or a descriptor (whose size is then verified too) from `repo`. */
  getBlob(repo: ReferenceInput, digest: string | Descriptor, options?: GetBlobOptions): Promise<Readable>;
  getBlob(repo: ReferenceInput, second?: string | Descriptor | GetBlobOptions, third?: GetBlobOptions): Promise<Readable> {
    return checked(() => {
      const { ref, descriptor, digest, options } = blobArguments<GetBlobOptions>('getBlob', repo, second, third);
      return this.#timed(`getBlob ${ref.toString()}`, options, (o) => getBlob(this.#context, ref, descriptor ?? digest, o));
    });
  }

  /**
   * Reads a small blob (such as an image config) into memory, refusing blobs over `limit` bytes
   * (default: the client's `maxManifestBytes`, 4 MiB). A descriptor's size is checked before anything is read.
   */
  getBlobBytes(blob: ReferenceInput, options?: GetBlobBytesOptions): Promise<Buffer>;
  /** Reads the blob named by a descriptor (refused before reading when over `limit`) or a digest from `repo` into memory. */
  getBlobBytes(repo: ReferenceInput, descriptor: string | Descriptor, options?: GetBlobBytesOptions): Promise<Buffer>;
  getBlobBytes(repo: ReferenceInput, second?: string | Descriptor | GetBlobBytesOptions, third?: GetBlobBytesOptions): Promise<Buffer> {
    return checked(async () => {
      const { ref, descriptor, digest, options } = blobArguments<GetBlobBytesOptions>('getBlobBytes', repo, second, third);
      if (options?.limit !== undefined) checkArgument('getBlobBytes', 'options.limit', options.limit, isNonNegativeNumber, 'a non-negative number');
      const limit = options?.limit ?? this.#context.maxManifestBytes;
      return this.#timed(`getBlobBytes ${ref.toString()}`, options, (o) => getBlobBytes(this.#context, ref, descriptor !== undefined && descriptor.size >= 0 ? descriptor : digest, limit, o));
    });
  }

  /**
   * Pushes a blob from bytes, a file path (a string, or `{ path }`) or a stream; skips blobs the
   * repository already has. To push a string's content, pass `Buffer.from(text)`: a string is a path.
   */
  pushBlob(repo: ReferenceInput, data: BlobData, options?: PushBlobOptions): Promise<BlobPushResult> {
    return checked(async () => {
      checkReference('pushBlob', 'repo', repo);
      checkArgument('pushBlob', 'data', data, isBlobData, 'a Buffer or Uint8Array, a file path (string or { path }), a Readable or an AsyncIterable of Uint8Array');
      checkOptions('pushBlob', 'options', options);
      try {
        return await this.#timed(`pushBlob ${String(repo)}`, options, (o) => pushBlob(this.#context, repo, data, o));
      } catch (error) {
        throw typeof data === 'string' && isMissingFile(error, data) ? stringIsNotAFile(error) : error;
      }
    });
  }

  /**
   * Mounts a blob from `options.from`, another repository of the same registry (copying it when the
   * registry declines). A descriptor's size and media type serve as defaults for the options'.
   */
  mountBlob(blob: ReferenceInput, options: MountBlobOptions): Promise<BlobPushResult>;
  /** Mounts the blob named by `digest` or a descriptor into `targetRepo` from `options.from`. */
  mountBlob(targetRepo: ReferenceInput, digest: string | Descriptor, options: MountBlobOptions): Promise<BlobPushResult>;
  mountBlob(targetRepo: ReferenceInput, second: string | Descriptor | MountBlobOptions, third?: MountBlobOptions): Promise<BlobPushResult> {
    return checked(() => {
      const { ref, descriptor, digest, options } = blobArguments<MountBlobOptions>('mountBlob', targetRepo, second, third, { optionsRequired: true });
      const mount = options as MountBlobOptions;
      checkReference('mountBlob', 'options.from', mount.from);
      const full = { ...mount, size: mount.size ?? descriptor?.size, mediaType: mount.mediaType ?? descriptor?.mediaType };
      return this.#timed(`mountBlob ${ref.toString()}`, full, (o) => mountBlob(this.#context, ref, digest, o));
    });
  }

  /**
   * Copies a blob between repositories on any registries, mounting when possible. The blob is
   * `descriptor` (or a digest, whose size is looked up first) in `from`, or the digest of `from` itself.
   */
  copyBlob(from: ReferenceInput, to: ReferenceInput, options?: CallOptions): Promise<BlobPushResult>;
  /** Copies the blob named by `descriptor` (or a digest, whose size is looked up first) from `from` to `to`. */
  copyBlob(from: ReferenceInput, to: ReferenceInput, descriptor: string | Descriptor, options?: CallOptions): Promise<BlobPushResult>;
  copyBlob(from: ReferenceInput, to: ReferenceInput, third?: string | Descriptor | CallOptions, fourth?: CallOptions): Promise<BlobPushResult> {
    return checked(async () => {
      checkReference('copyBlob', 'to', to);
      const { ref, descriptor, digest, options } = blobArguments<CallOptions>('copyBlob', from, third, fourth, { first: 'from' });
      return this.#timed(`copyBlob ${ref.toString()}`, options, async (o) => {
        const source = descriptor ?? (await headBlob(this.#context, ref, digest, o));
        return copyBlob(this.#context, ref, to, source, o);
      });
    });
  }

  /**
   * Manifests that refer to `subject` (a digest reference, or a tag resolved first), from the
   * referrers API or, where the registry has none, from the `<alg>-<hex>` fallback tag.
   */
  listReferrers(subject: ReferenceInput, options?: ReferrersOptions): Promise<Descriptor[]> {
    return checked(() => {
      checkReference('listReferrers', 'subject', subject);
      checkOptions('listReferrers', 'options', options);
      return this.#timed(`listReferrers ${String(subject)}`, options, (o) => listReferrers(this.#context, subject, o));
    });
  }

  /**
   * Pushes an OCI 1.1 artifact, as `oras attach` does: an image manifest with `artifactType`, the
   * empty config, one layer per file (titled with its base name) or given layer, and `subject`. It
   * goes to the subject's repository (or `repository`), by digest, or by `tag` when given. Where
   * that repository has no referrers API, the artifact is also added to the subject's `<alg>-<hex>`
   * fallback tag, so {@link RegistryClient.listReferrers} finds it on every registry. Returns the
   * descriptor of the manifest pushed.
   *
   * @example
   * ```ts
   * const sbom = await client.pushArtifact({
   *   subject: 'ghcr.io/me/app:1.0',
   *   artifactType: 'application/spdx+json',
   *   files: [{ path: 'sbom.spdx.json', mediaType: 'application/spdx+json' }],
   * });
   * ```
   */
  pushArtifact(options: PushArtifactOptions): Promise<PushedArtifact> {
    return checked(() => {
      checkArtifactOptions(options);
      return this.#timed('pushArtifact', options, (o) => pushArtifact(this.#context, o));
    });
  }

  /** Every tag of a repository, or with `options.filter` (a RegExp or a predicate) those it accepts. */
  listTags(repo: ReferenceInput, options?: ListTagsOptions): Promise<string[]> {
    return checked(() => {
      checkReference('listTags', 'repo', repo);
      checkOptions('listTags', 'options', options);
      const filter: unknown = options?.filter;
      if (filter !== undefined) checkArgument('listTags', 'options.filter', filter, (value) => value instanceof RegExp || typeof value === 'function', 'a RegExp or a function');
      return this.#timed(`listTags ${String(repo)}`, options, (o) => listTagsMatching(this.#context, repo, o));
    });
  }

  /** Every repository of a registry (`host[:port]`). */
  catalog(registry: string, options?: ListOptions): Promise<string[]> {
    return checked(() => {
      checkArgument('catalog', 'registry', registry, (value) => typeof value === 'string', 'a registry host string such as "ghcr.io"');
      checkOptions('catalog', 'options', options);
      return this.#timed(`catalog ${registry}`, options, (o) => catalog(this.#context, registry, o));
    });
  }

  /**
   * Checks that the registry (`host[:port]`; `docker.io` for Docker Hub) accepts this client's
   * credentials for it, as `docker login` does: `GET /v2/`, answering its challenge. Rejects with an
   * `AuthError` naming the registry when they are refused. A registry that lets anyone in accepts any.
   */
  checkLogin(registry: string, options?: CallOptions): Promise<void> {
    return checked(() => {
      checkArgument('checkLogin', 'registry', registry, (value) => typeof value === 'string', 'a registry host string such as "ghcr.io"');
      checkOptions('checkLogin', 'options', options);
      return this.#timed(`checkLogin ${registry}`, options, (o) => checkLogin(this.#context, registry, o));
    });
  }

  /**
   * Composes a manifest list / OCI index from per-platform images (any repository, any registry)
   * and pushes it to `spec.image` and every extra tag. Children are looked up concurrently, their
   * platforms read from their configs when the spec gives none, and brought into the target
   * repository (mounted or copied) before the index is written. With `dryRun`, nothing is written.
   */
  pushManifestList(spec: ManifestListSpec, options?: PushManifestListOptions): Promise<PushManifestListResult> {
    return checked(() => {
      checkArgument('pushManifestList', 'spec', spec, isPlainObject, 'a manifest list spec object ({ image, manifests })');
      checkOptions('pushManifestList', 'options', options);
      if (options?.onProgress !== undefined) checkArgument('pushManifestList', 'options.onProgress', options.onProgress, (v) => typeof v === 'function', 'a function');
      return this.#timed('pushManifestList', options, (o) => pushManifestList(this.#context, spec, o));
    });
  }

  /** Whether a reference is a list, with its platforms; or the single image's platform. */
  inspect(ref: ReferenceInput, options?: CallOptions): Promise<InspectResult> {
    return checked(() => {
      checkReference('inspect', 'ref', ref);
      checkOptions('inspect', 'options', options);
      return this.#timed(`inspect ${String(ref)}`, options, (o) => inspect(this.#context, ref, o));
    });
  }

  /**
   * Points each of `tags` (in the repository of `ref`) at the manifest `ref` names, with no blob
   * re-uploaded: the manifest's bytes are read once and PUT unchanged, by digest, with every tag as
   * a `?tag=` parameter. A registry that confirms them all in `OCI-Tag` needs no more; each tag it
   * does not confirm (CNCF distribution 2.x ignores the parameter) gets a PUT by tag of its own.
   * `method` and `manifestPuts` in the result tell which happened. Every tag is checked before the first request.
   *
   * A last argument that is an object is taken as the call's options (`{ signal }`).
   *
   * @example
   * ```ts
   * await client.tag('ghcr.io/me/app@sha256:…', '1.2.3', '1.2', 'latest');
   * await client.tag('ghcr.io/me/app@sha256:…', 'stable', { signal: AbortSignal.timeout(30_000) });
   * ```
   */
  tag(ref: ReferenceInput, ...tags: string[]): Promise<TagResult>;
  tag(ref: ReferenceInput, ...tagsThenOptions: [...string[], CallOptions]): Promise<TagResult>;
  tag(ref: ReferenceInput, ...rest: (string | CallOptions)[]): Promise<TagResult> {
    return checked(() => {
      checkReference('tag', 'ref', ref);
      const last = rest.at(-1);
      const options = isPlainObject(last) ? (last as CallOptions) : undefined;
      const tags = options === undefined ? rest : rest.slice(0, -1);
      tags.forEach((name, i) => checkArgument('tag', `tags[${i}]`, name, (value) => typeof value === 'string', 'a tag string'));
      checkOptions('tag', 'options', options);
      return this.#timed(`tag ${String(ref)}`, options, (o) => tag(this.#context, ref, tags as string[], o));
    });
  }

  /**
   * The descriptor a runtime asking for `platform` (`'linux/arm64'` or a Platform) would pull from
   * `ref`. For an index only the index is read, never the child (no pull of the image is counted);
   * a single image is its own answer when the platform of its config matches (its config blob is
   * read). No match is an error that lists the platforms there are.
   */
  resolvePlatform(ref: ReferenceInput, platform: string | Platform, options?: CallOptions): Promise<Descriptor> {
    return checked(() => {
      checkReference('resolvePlatform', 'ref', ref);
      checkArgument('resolvePlatform', 'platform', platform, (value) => typeof value === 'string' || isPlainObject(value), "a platform string such as 'linux/arm64' or a Platform");
      checkOptions('resolvePlatform', 'options', options);
      return this.#timed(`resolvePlatform ${String(ref)}`, options, (o) => resolvePlatform(this.#context, ref, platform, o));
    });
  }

  /**
   * Merges images and indexes into one index and writes it to every reference in `options.tags`, as
   * `docker buildx imagetools create` does. Sources may be tags or digests in any repository or
   * registry (their blobs are mounted or copied into each target repository); indexes are
   * flattened, each image followed by its attestation manifests. `platforms` keeps only those
   * platforms; `annotations` are addressed as docker/metadata-action writes them (`index:k=v`,
   * `manifest-descriptor:k=v`, a plain `k=v` goes on the index). With `dryRun`, nothing is written.
   *
   * @example
   * ```ts
   * const { digest } = await client.createManifestList({
   *   tags: ['ghcr.io/me/app:1.0', 'ghcr.io/me/app:latest'],
   *   sources: ['ghcr.io/me/app-amd64@sha256:…', 'ghcr.io/me/app-arm64@sha256:…'],
   *   annotations: ['index:org.opencontainers.image.version=1.0'],
   * });
   * ```
   */
  createManifestList(options: CreateManifestListOptions, call?: CallOptions): Promise<CreateManifestListResult> {
    return checked(() => {
      checkArgument('createManifestList', 'options', options, isPlainObject, 'an object ({ tags, sources })');
      checkFields('createManifestList', 'options', options as unknown as Record<string, unknown>, CREATE_CHECKS);
      checkOptions('createManifestList', 'call', call);
      return this.#timed('createManifestList', call, (o) => createManifestList(this.#context, options, o));
    });
  }

  /**
   * Edits the index at `ref`: `add` images (or the entries of another index, filtered by
   * `platform`), `replace` every entry of a platform, `remove` entries by platform or digest, set
   * index `annotations`. Attestation manifests go with the image they describe; every entry not
   * touched keeps its fields, values and place. The result is written to the tag of `ref`, which must
   * still point at the index read (else an error, unless `force`), or by digest when `ref` names no
   * tag. With `dryRun`, the new index and its digest are returned and nothing is written.
   *
   * @example
   * ```ts
   * await client.editManifestList('ghcr.io/me/app:1.0', { replace: ['ghcr.io/me/app-arm64@sha256:…'], remove: ['linux/s390x'] });
   * ```
   */
  editManifestList(ref: ReferenceInput, options: EditManifestListOptions, call?: CallOptions): Promise<EditManifestListResult> {
    return checked(() => {
      checkReference('editManifestList', 'ref', ref);
      checkArgument('editManifestList', 'options', options, isPlainObject, 'an object ({ add, replace, remove, annotations })');
      checkFields('editManifestList', 'options', options as unknown as Record<string, unknown>, EDIT_CHECKS);
      checkOptions('editManifestList', 'call', call);
      return this.#timed(`editManifestList ${String(ref)}`, call, (o) => editManifestList(this.#context, ref, options, o));
    });
  }

  /**
   * Copies an image or a whole index (with its children) from `source` to `target`, keeping every
   * digest: between repositories of one registry (blobs mounted), between registries (streamed and
   * verified), and to or from an OCI image layout (`'oci:DIR[:TAG]'`). Each end is a reference
   * string (`'ghcr.io/me/app:1.0'`), a {@link Reference}, or `'oci:DIR[:TAG]'`. Blobs the target has
   * are skipped; the rest are copied concurrently, each as one streamed request where the registry
   * accepts it. The target's tags are `options.tags` plus the target's own tag (default: the
   * source's). `platforms` keeps some children (the index is rewritten: `rewritten` says so),
   * `unwrap` copies one platform's manifest alone, `referrers` brings the signatures, SBOMs and
   * attestations that refer to what is copied, `dryRun` returns the plan and writes nothing.
   *
   * @example
   * ```ts
   * const { digest, plan } = await client.copy('staging.example.com/app:1.0', 'registry.example.com/app:1.0', { referrers: true });
   * ```
   */
  copy(source: CopyEndpoint, target: CopyEndpoint, options?: CopyOptions): Promise<CopyResult> {
    return checked(() => {
      checkArgument('copy', 'source', source, isCopyEndpoint, COPY_ENDPOINT_EXPECTED);
      checkArgument('copy', 'target', target, isCopyEndpoint, COPY_ENDPOINT_EXPECTED);
      checkOptions('copy', 'options', options);
      if (options !== undefined) checkFields('copy', 'options', options as unknown as Record<string, unknown>, COPY_CHECKS);
      return this.#timed(`copy ${String(source)}`, options, (o) => copy(this.#context, source, target, o));
    });
  }

  /**
   * Runs `operation`, and when this client has a `consistency` policy, runs it again (at most
   * `retries` more times, `delayMs` apart) while it fails with an error {@link isNotYetVisible}
   * accepts. Without the policy, or after an abort, the first failure is final. Use it around a
   * lookup of content this client has just pushed. A `timeoutMs` ends the waits between attempts
   * and stops further ones, but `operation` is not handed its signal: pass `{ signal }` to the calls inside it
   * to cut an attempt short.
   *
   * @example
   * ```ts
   * const descriptor = await client.withConsistencyRetry(() => client.headManifest(childRef, { signal }), { signal });
   * ```
   */
  withConsistencyRetry<T>(operation: () => Promise<T>, options?: CallOptions): Promise<T> {
    return checked(() => {
      checkArgument('withConsistencyRetry', 'operation', operation, (value) => typeof value === 'function', 'a function that returns a Promise');
      checkOptions('withConsistencyRetry', 'options', options);
      return this.#timed('withConsistencyRetry', options, (o) => withConsistencyRetry(this.#context, operation, { signal: o.signal }));
    });
  }

  /** Runs one call under its deadline: the call's `timeoutMs`, else the client's (see {@link withDeadline}). */
  #timed<O extends CallOptions, T>(operation: string, options: O | undefined, call: (options: O) => Promise<T>): Promise<T> {
    const given = options ?? ({} as O);
    return withDeadline(given.timeoutMs ?? this.#timeoutMs, operation, given, call);
  }

  /** Closes the connection pools this client opened. A dispatcher passed in options is left open. */
  close(): Promise<void> {
    return this.#http.close();
  }
}

/** The context a client's operations run in. Internal to the library and its tests: `multiplatform` does not export it. */
export function contextOf(client: RegistryClient): RemoteContext {
  return readContext(client);
}

/** Options of {@link RegistryClient.getBlobBytes}. */
export interface GetBlobBytesOptions extends CallOptions {
  /** Largest blob read, in bytes (default: the client's `maxManifestBytes`). */
  limit?: number;
}

/** Runs argument checks and the call they guard, so that a failed check rejects the returned promise instead of throwing. */
function checked<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (error) {
    return Promise.reject(error);
  }
}

const REFERENCE_EXPECTED = 'a reference string or Reference';

/** A reference string, a Reference of this copy of the library, or one of another copy (same shape). */
function isReferenceInput(value: unknown): value is ReferenceInput {
  if (typeof value === 'string' || isReference(value)) return true;
  const fields = value as Partial<Record<keyof Reference, unknown>> | null;
  return typeof value === 'object' && value !== null && typeof fields?.registry === 'string' && typeof fields.repository === 'string' && typeof fields.reference === 'string';
}

function checkReference(method: string, name: string, value: unknown): asserts value is ReferenceInput {
  checkArgument(method, name, value, isReferenceInput, REFERENCE_EXPECTED);
}

const isDescriptor = (value: unknown): value is Descriptor => isPlainObject(value) && typeof value.digest === 'string';

/** Where a blob method's arguments name the blob, and the options that come after it. */
interface BlobArguments<O> {
  ref: Reference;
  digest: string;
  /** Present when the caller passed a descriptor. */
  descriptor?: Descriptor;
  options: O | undefined;
}

/**
 * Reads a blob method's arguments in either form: `(repo@digest, options?)` or
 * `(repo, digest | descriptor, options?)`. A descriptor is told from options by its `digest`.
 */
function blobArguments<O>(
  method: string,
  first: unknown,
  second: unknown,
  third: unknown,
  { first: firstName = 'repo', optionsRequired = false }: { first?: string; optionsRequired?: boolean } = {},
): BlobArguments<O> {
  checkArgument(method, firstName, first, isReferenceInput, `${REFERENCE_EXPECTED} (repo@digest, or a repository followed by the digest)`);
  if (typeof second === 'string' || isDescriptor(second)) {
    checkOptions(method, 'options', third, optionsRequired);
    const descriptor = typeof second === 'string' ? undefined : second;
    return { ref: toReference(first as ReferenceInput), digest: descriptor?.digest ?? (second as string), descriptor, options: third as O | undefined };
  }
  if (second !== undefined && !isPlainObject(second)) {
    throw argumentError(method, 'digest', 'a digest string or Descriptor (or options, after a repo@digest reference)', second);
  }
  if (third !== undefined) throw argumentError(method, 'digest', 'a digest string or Descriptor', second);
  checkOptions(method, 'options', second, optionsRequired);
  const ref = toReference(first as ReferenceInput);
  if (ref.digest === undefined) {
    throw new ValidationError(`${method}: ${ref.toString()} names no blob: pass repo@digest, or the digest (or descriptor) as the second argument`);
  }
  if (ref.tag !== undefined) throw new ValidationError(`${method}: ${ref.toString()} has a tag, which a blob cannot have: pass repo@digest`);
  return { ref, digest: ref.digest, options: second as O | undefined };
}

function isBlobData(value: unknown): value is BlobData {
  if (typeof value === 'string' || value instanceof Uint8Array) return true;
  if (typeof value !== 'object' || value === null) return false;
  return typeof (value as { path?: unknown }).path === 'string' || typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isMissingFile(error: unknown, path: string): boolean {
  const { code, path: failedPath } = (error ?? {}) as { code?: unknown; path?: unknown };
  return (code === 'ENOENT' || code === 'ENOTDIR') && failedPath === path;
}

function stringIsNotAFile(cause: unknown): ValidationError {
  return new ValidationError(
    'pushBlob: data is a string, which is read as a file path, and no such file exists; to push the string itself, pass a Buffer or Uint8Array (Buffer.from(text))',
    { cause },
  );
}

const RETRY_FIELDS: Record<keyof RetryOptions, (value: unknown) => boolean> = {
  retries: (value) => value === 0 || isPositiveInteger(value),
  minDelayMs: isNonNegativeNumber,
  maxDelayMs: isNonNegativeNumber,
  maxRetryAfterMs: isNonNegativeNumber,
  statuses: (value) => Array.isArray(value) && value.every((status) => Number.isInteger(status) && status >= 100 && status <= 599),
};

/** A retry policy's fields, each absent or of its type (the policy itself computes with them, unchecked). */
function isRetryOptions(value: unknown): boolean {
  return isPlainObject(value) && Object.entries(value).every(([key, field]) => field === undefined || (Object.hasOwn(RETRY_FIELDS, key) && RETRY_FIELDS[key as keyof RetryOptions](field)));
}

const OPTION_CHECKS = {
  credentials: [isPlainObject, "an object of credentials by registry, e.g. { 'ghcr.io': { username, password } }"],
  dockerConfig: [(value) => typeof value === 'string' || value === false, 'a path string or false'],
  insecure: [(value) => typeof value === 'boolean' || typeof value === 'function' || isStringArray(value), 'true, false, a list of host[:port] strings or a function'],
  trustedTokenRealms: [isStringArray, 'a list of host[:port] strings'],
  dispatcher: [(value) => typeof (value as { dispatch?: unknown } | null)?.dispatch === 'function', 'an undici Dispatcher'],
  userAgent: [(value) => typeof value === 'string', 'a string'],
  retry: [(value) => value === false || isRetryOptions(value), 'false or retry options: retries a non-negative integer, minDelayMs, maxDelayMs and maxRetryAfterMs non-negative numbers of ms, statuses a list of HTTP statuses'],
  maxManifestBytes: [isPositiveInteger, 'a positive integer'],
  chunkSize: [isPositiveInteger, 'a positive integer'],
  concurrency: [isPositiveInteger, 'a positive integer'],
  transferConcurrency: [isPositiveInteger, 'a positive integer'],
  timeoutMs: [isNonNegativeNumber, 'a non-negative number of milliseconds (0: no deadline)'],
  headersTimeoutMs: [isNonNegativeNumber, 'a non-negative number of milliseconds'],
  bodyTimeoutMs: [isNonNegativeNumber, 'a non-negative number of milliseconds'],
  onWarning: [(value) => typeof value === 'function', 'a function'],
  onRetry: [(value) => typeof value === 'function', 'a function'],
  onHttp: [(value) => typeof value === 'function', 'a function'],
  env: [isPlainObject, 'an object of environment variables'],
  consistency: [(value) => value === false || isPlainObject(value), '{ retries, delayMs } or false'],
  cloudCredentials: [(value) => typeof value === 'boolean', 'true or false'],
  maxConcurrentRequests: [isPositiveInteger, 'a positive integer'],
} as const satisfies Record<keyof RegistryClientOptions, FieldChecks[string]>;

const isSourceList = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string' || isPlainObject(item));
const isFlag = (value: unknown): boolean => typeof value === 'boolean';

const CREATE_CHECKS = {
  tags: [isStringArray, 'a list of references such as ["ghcr.io/me/app:1.0"]'],
  sources: [isSourceList, 'a list of references or { image, platform } objects'],
  platforms: [isStringArray, 'a list of platforms such as ["linux/amd64"]'],
  annotations: [(value) => isStringArray(value) || isPlainObject(value), 'a list of "[type:]key=value" strings or an object'],
  mediaType: [(value) => value === 'oci' || value === 'docker', '"oci" or "docker"'],
  append: [isFlag, 'true or false'],
  dryRun: [isFlag, 'true or false'],
} as const satisfies Record<keyof CreateManifestListOptions, FieldChecks[string]>;

const EDIT_CHECKS = {
  add: [isSourceList, 'a list of references or { image, platform } objects'],
  replace: [isSourceList, 'a list of references or { image, platform } objects'],
  remove: [isStringArray, 'a list of platforms or digests'],
  annotations: [isPlainObject, 'an object of strings (null removes a key)'],
  dryRun: [isFlag, 'true or false'],
  force: [isFlag, 'true or false'],
} as const satisfies Record<keyof EditManifestListOptions, FieldChecks[string]>;

const COPY_ENDPOINT_EXPECTED = "a reference string or Reference, or 'oci:DIR[:TAG]' for an OCI image layout";
const isCopyEndpoint = (value: unknown): boolean => (typeof value === 'string' && value.length > 0) || isReferenceInput(value);

const COPY_CHECKS = {
  platforms: [isStringArray, 'a list of platforms such as ["linux/amd64"]'],
  unwrap: [isFlag, 'true or false'],
  referrers: [isFlag, 'true or false'],
  tags: [isStringArray, 'a list of tags such as ["1.0", "latest"]'],
  dryRun: [isFlag, 'true or false'],
  onProgress: [(value) => typeof value === 'function', 'a function'],
  onPlan: [(value) => typeof value === 'function', 'a function'],
  signal: [() => true, 'an AbortSignal'],
  timeoutMs: [() => true, 'a number'],
} as const satisfies Record<keyof CopyOptions, FieldChecks[string]>;

const CREDENTIALS_HINT = "credentials go in the credentials option by registry: credentials: { 'host': { username, password } }";
const OPTION_HINTS: Record<string, string> = { username: CREDENTIALS_HINT, password: CREDENTIALS_HINT, token: CREDENTIALS_HINT, auth: CREDENTIALS_HINT };

function checkClientOptions(options: unknown): void {
  checkArgument('new RegistryClient', 'options', options, isPlainObject, 'an object or undefined');
  checkFields('new RegistryClient', 'options', options as Record<string, unknown>, OPTION_CHECKS, OPTION_HINTS);
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

const isAnnotationMap = (value: unknown): boolean => isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string');
const isMediaTypeString = (value: unknown): boolean => typeof value === 'string' && isMediaType(value);
const isArtifactFile = (value: unknown): value is ArtifactFile | string =>
  typeof value === 'string' || (isPlainObject(value) && typeof value.path === 'string' && (value.mediaType === undefined || isMediaTypeString(value.mediaType)));
const isArtifactLayer = (value: unknown): value is ArtifactLayer => {
  if (!isPlainObject(value)) return false;
  if ('data' in value) return value.data instanceof Uint8Array && (value.mediaType === undefined || isMediaTypeString(value.mediaType)) && (value.annotations === undefined || isAnnotationMap(value.annotations));
  return isDescriptor(value) && isMediaTypeString(value.mediaType) && isNonNegativeNumber(value.size);
};

const ARTIFACT_CHECKS = {
  artifactType: [isMediaTypeString, 'a media type such as "application/vnd.example.sbom.v1+json"'],
  subject: [(value) => isReferenceInput(value) || (isArtifactLayer(value) && !('data' in (value as object))), `${REFERENCE_EXPECTED} or a descriptor ({ mediaType, digest, size })`],
  repository: [isReferenceInput, REFERENCE_EXPECTED],
  files: [(value) => Array.isArray(value) && value.every(isArtifactFile), 'a list of paths or { path, mediaType } objects'],
  layers: [(value) => Array.isArray(value) && value.every(isArtifactLayer), 'a list of { data: Uint8Array, mediaType } objects or descriptors'],
  annotations: [isAnnotationMap, 'an object of string values'],
  tag: [(value) => typeof value === 'string', 'a tag string such as "sbom"'],
  signal: [() => true, 'an AbortSignal'],
  timeoutMs: [() => true, 'a number of milliseconds'],
} as const satisfies Record<keyof PushArtifactOptions, FieldChecks[string]>;

function checkArtifactOptions(options: unknown): asserts options is PushArtifactOptions {
  checkOptions('pushArtifact', 'options', options, true);
  checkFields('pushArtifact', 'options', options as Record<string, unknown>, ARTIFACT_CHECKS);
  const { artifactType, tag } = options as PushArtifactOptions;
  if (artifactType === undefined) throw new ValidationError('pushArtifact: options.artifactType is required (a media type such as "application/vnd.example.sbom.v1+json")');
  if (tag !== undefined) {
    try {
      validateTag(tag);
    } catch (error) {
      throw new ValidationError(`pushArtifact: options.tag: ${(error as Error).message}`, { cause: error });
    }
  }
}
