import { randomHex } from '../util/random-hex.js';
import { pushBlob } from './blob-push.js';
import type { CallOptions, RemoteContext } from './context.js';
import { deleteScope, pullScope, pushScope, routes } from './routes.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { digestAlgorithm, digestOf, isDigest, parseDigest, type Digest } from '../oci/digest.js';
import { DigestMismatchError, MultiplatformError, NetworkError, RegistryError, SchemaError, SizeLimitError, ValidationError, isNotFound, isNotYetVisible } from '../errors.js';
import { expectDigest, parseManifest, type Manifest, type ManifestResult, type OciImageIndex } from '../oci/manifest.js';
import { MANIFEST_ACCEPT, MediaType, baseMediaType, isManifestMediaType, isNonDistributableLayer, type ManifestMediaType } from '../oci/media-types.js';
import type { Reference } from '../oci/reference.js';
import { emptyReferrersIndex, hasSubject, referrerDescriptor, referrersTag, withReferrer } from '../oci/referrers.js';
import type { Descriptor } from '../oci/schemas.js';
import { OCI_TAG_HEADER, TAG_PARAMETER, parseOciTag } from '../oci/tag-parameters.js';
import { header, headerValues, type HttpResponse } from '../transport/http.js';
import { isRetryableError, retryBudget } from '../transport/retry.js';
import { sleep } from '../util/abort.js';
import { discard } from '../util/streams.js';
import { hasReferrersApi } from './referrers-api.js';
import { EMPTY_DESCRIPTOR, EMPTY_JSON } from '../oci/artifact.js';

/** Options for reading manifests. */
export interface GetManifestOptions extends CallOptions {
  /** Overrides the `Accept` header (default: every manifest and index type). */
  accept?: string;
}

/** Options for writing a manifest. */
export interface PutManifestOptions extends CallOptions {
  /** The manifest's media type, sent as `Content-Type`. Default: the document's own `mediaType`. */
  mediaType?: string;
  /**
   * For a manifest with a `subject`, pushed to a repository without the referrers API (found out by
   * asking for the subject's referrers once per repository; an `OCI-Subject` answer alone is not
   * trusted): add it to the index at the subject's `<alg>-<hex>` tag, as the distribution-spec asks
   * of clients. Default `true`; `false` writes nothing but the manifest.
   */
  referrersFallback?: boolean;
}

/** A manifest descriptor as HEAD reports it. */
export type ManifestDescriptor = Descriptor & { mediaType: string };

function label(ref: Reference): string {
  return ref.toString();
}

function manifestRequest(ref: Reference, operation: string, options: GetManifestOptions) {
  return {
    registry: ref.registry,
    path: routes.manifest(ref),
    headers: { accept: options.accept ?? MANIFEST_ACCEPT },
    scopes: [pullScope(ref)],
    operation,
    expect: [200],
    signal: options.signal,
  };
}

/** GET a manifest: exact bytes kept, digest computed from them and checked against the request and the registry's header. */
export async function getManifest(ctx: RemoteContext, input: ReferenceInput, options: GetManifestOptions = {}): Promise<ManifestResult> {
  const ref = toReference(input);
  const operation = `GET manifest ${label(ref)}`;
  // Read within the request's retry: a body cut half-way is fetched again, as a failed request would be.
  const { response: res, bytes } = await ctx.transport.requestBytes({ ...manifestRequest(ref, operation, options), method: 'GET' }, ctx.maxManifestBytes);
  const algorithm = ref.digest ? digestAlgorithm(ref.digest) : 'sha256';
  const digest = digestOf(bytes, algorithm);
  expectDigest(operation, ref.digest, digest);
  checkRegistryDigest(operation, header(res, 'docker-content-digest'), bytes, digest);
  const manifest = parseManifest(bytes, header(res, 'content-type'), operation);
  return { descriptor: { mediaType: manifest.mediaType, digest, size: bytes.length }, bytes, manifest };
}

/**
 * HEAD a manifest: its media type, digest and size without the body. Falls back to GET when the
 * registry answers HEAD without `Docker-Content-Digest`, or does not allow HEAD.
 */
export async function headManifest(ctx: RemoteContext, input: ReferenceInput, options: GetManifestOptions = {}): Promise<ManifestDescriptor> {
  const ref = toReference(input);
  const operation = `HEAD manifest ${label(ref)}`;
  let res;
  try {
    res = await ctx.transport.request({ ...manifestRequest(ref, operation, options), method: 'HEAD' });
  } catch (error) {
    if (error instanceof RegistryError && (error.status === 405 || error.status === 501)) return descriptorByGet(ctx, ref, options);
    throw error;
  }
  await discard(res.body);
  const digestHeader = header(res, 'docker-content-digest');
  const mediaType = baseMediaType(header(res, 'content-type'));
  const size = Number(header(res, 'content-length'));
  if (!digestHeader || !isDigest(digestHeader) || !isManifestMediaType(mediaType) || !Number.isSafeInteger(size)) {
    return descriptorByGet(ctx, ref, options);
  }
  if (ref.digest && digestAlgorithm(ref.digest) === digestAlgorithm(digestHeader)) expectDigest(operation, ref.digest, digestHeader);
  return { mediaType, digest: ref.digest ?? digestHeader, size };
}

async function descriptorByGet(ctx: RemoteContext, ref: Reference, options: GetManifestOptions): Promise<ManifestDescriptor> {
  return (await getManifest(ctx, ref, options)).descriptor;
}

/**
 * PUT manifest bytes exactly as given. The digest is computed here first; a PUT by digest must
 * match it, and so must the registry's `Docker-Content-Digest` answer. A manifest with a `subject`
 * pushed to a repository without the referrers API is then added to the subject's referrers
 * fallback tag (see {@link addToReferrersTag}; off with `referrersFallback: false`).
 */
export async function putManifest(
  ctx: RemoteContext,
  input: ReferenceInput,
  bytes: Uint8Array,
  options: PutManifestOptions = {},
): Promise<Descriptor & { mediaType: ManifestMediaType }> {
  return (await sendManifest(ctx, toReference(input), bytes, [], options)).pushed;
}

/** What {@link putManifestWithTags} pushed, and which of its tags the registry applied. */
export interface TaggedManifestPush {
  pushed: Descriptor & { mediaType: ManifestMediaType };
  /** The tags asked for that the registry listed in `OCI-Tag`, in the order asked; empty when it ignored `?tag=`. */
  applied: string[];
}

/**
 * {@link putManifest} by digest with each of `tags` as a `?tag=` parameter (distribution-spec v1.1).
 * A registry that supports it applies the tags and lists them in `OCI-Tag`; one that does not
 * stores the manifest by digest only, so the caller must write every tag missing from `applied`.
 *
 * @throws {ValidationError} when `ref` has no digest (the spec defines `?tag=` on a PUT by digest only).
 */
export async function putManifestWithTags(
  ctx: RemoteContext,
  ref: Reference,
  bytes: Uint8Array,
  tags: readonly string[],
  options: PutManifestOptions = {},
): Promise<TaggedManifestPush> {
  if (ref.digest === undefined) throw new ValidationError(`PUT manifest ${label(ref)}: tags as ?tag= need a PUT by digest`);
  const { pushed, acknowledged } = await sendManifest(ctx, ref, bytes, tags, options);
  return { pushed, applied: tags.filter((tag) => acknowledged.has(tag)) };
}

async function sendManifest(
  ctx: RemoteContext,
  ref: Reference,
  bytes: Uint8Array,
  tags: readonly string[],
  options: PutManifestOptions,
): Promise<{ pushed: Descriptor & { mediaType: ManifestMediaType }; acknowledged: Set<string> }> {
  const operation = `PUT manifest ${label(ref)}${tags.length > 0 ? ` with ?${TAG_PARAMETER}= ${tags.join(', ')}` : ''}`;
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (body.length > ctx.maxManifestBytes) throw new SizeLimitError(operation, ctx.maxManifestBytes);
  const manifest: Manifest = parseManifest(body, options.mediaType, operation);
  const mediaType = manifest.mediaType;
  if (options.mediaType !== undefined && options.mediaType !== mediaType) {
    throw new ValidationError(`${operation}: mediaType option ${options.mediaType} differs from the document's ${mediaType}`);
  }
  const digest = digestOf(body, ref.digest ? digestAlgorithm(ref.digest) : 'sha256');
  if (ref.digest && ref.digest !== digest) {
    throw new DigestMismatchError(`${operation}: the bytes do not match the digest in the reference`, { digest: ref.digest }, { digest });
  }
  const send = () =>
    ctx.transport.request({
      registry: ref.registry,
      method: 'PUT',
      path: routes.manifest(ref),
      query: tags.length > 0 ? { [TAG_PARAMETER]: tags } : undefined,
      headers: { 'content-type': mediaType },
      body,
      scopes: [pushScope(ref)],
      operation,
      expect: [200, 201, 202, 204],
      signal: options.signal,
      retry: false,
    });
  const res = await withConsistencyRetry(ctx, () => sendConfirmingLostAnswers(ctx, ref, digest, send, options.signal), { signal: options.signal }).catch(
    (error: unknown) => {
      throw explainRefusedAnnotations(explainRefusedForeignLayers(error, manifest), manifest);
    },
  );
  if (res) {
    await discard(res.body);
    checkRegistryDigest(operation, header(res, 'docker-content-digest'), body, digest);
  }
  const pushed = { mediaType, digest, size: body.length };
  if (options.referrersFallback !== false && hasSubject(manifest)) {
    const subject = manifest.subject.digest as Digest;
    const apiFound = await hasReferrersApi(ctx, ref, subject, { signal: options.signal }).catch((error: unknown) => {
      throw withPushedHint(error, `${digest} was pushed, but whether the registry lists it as a referrer of ${subject} could not be found out`);
    });
    if (!apiFound) await addToReferrersTag(ctx, ref, manifest, pushed, { signal: options.signal });
  }
  return { pushed, acknowledged: new Set(res ? parseOciTag(headerValues(res, OCI_TAG_HEADER)) : []) };
}

/**
 * Sends a manifest PUT (`send` must not retry by itself) under the client's retry policy. A failure that
 * may have been applied before the answer was lost (a network error, a 5xx) is not simply sent again:
 * the registry is first asked with a HEAD whether the reference already names these bytes, since a
 * registry with immutable tags (ECR) refuses the second PUT. Resolves with undefined when it did.
 */
async function sendConfirmingLostAnswers(
  ctx: RemoteContext,
  ref: Reference,
  digest: Digest,
  send: () => Promise<HttpResponse>,
  signal: AbortSignal | undefined,
): Promise<HttpResponse | undefined> {
  const policy = ctx.transport.retryPolicy;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (signal?.aborted || !isRetryableError(error, policy) || attempt > retryBudget(error, policy)) throw error;
      const wait = error instanceof RegistryError ? error.retryAfterMs : undefined;
      if (wait !== undefined && wait > policy.maxRetryAfterMs) throw error;
      if (mayHaveBeenApplied(error) && (await alreadyNames(ctx, ref, digest, signal))) return undefined;
      const backoff = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (attempt - 1)) * (1 + Math.random());
      await sleep(wait ?? backoff, signal, `PUT manifest ${label(ref)}`);
    }
  }
}

/** A lost connection or a server error may come after the registry stored the manifest; a 408 or 429 comes before. */
function mayHaveBeenApplied(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof RegistryError && error.status >= 500);
}

async function alreadyNames(ctx: RemoteContext, ref: Reference, digest: Digest, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    return (await headManifest(ctx, ref, { signal })).digest === digest;
  } catch {
    // Not there, or the registry cannot say right now: the PUT is sent again, as without this check.
    return false;
  }
}

/**
 * Deletes a manifest, and with it every tag that points at it. A tag-only reference is first
 * resolved to its digest, so **deleting `repo:tag` removes the manifest and all of its tags**, not
 * just that tag; use {@link deleteTag} to remove one tag.
 */
export async function deleteManifest(ctx: RemoteContext, input: ReferenceInput, options: CallOptions = {}): Promise<Digest> {
  const ref = toReference(input);
  const digest = ref.digest ?? parseDigest((await headManifest(ctx, ref, options)).digest);
  const res = await ctx.transport.request({
    registry: ref.registry,
    method: 'DELETE',
    path: routes.manifest(ref, digest),
    scopes: [deleteScope(ref)],
    operation: `DELETE manifest ${label(ref)}${ref.digest ? '' : ` (${digest})`}`,
    expect: [200, 202, 204],
    signal: options.signal,
  });
  await discard(res.body);
  return digest;
}

/** True when the manifest exists; false on 404 / `MANIFEST_UNKNOWN`. */
export async function manifestExists(ctx: RemoteContext, input: ReferenceInput, options: CallOptions = {}): Promise<boolean> {
  try {
    await headManifest(ctx, input, options);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** How many times a fallback tag is written before an update that other writers keep undoing fails. */
const FALLBACK_TAG_ATTEMPTS = 5;

/**
 * After `manifest` was pushed to `pushedTo`, a repository without the referrers API, adds the
 * manifest to the index at its subject's fallback tag in the same repository: reads the index
 * (none yet: starts an empty one), appends a descriptor unless one with the same digest is listed
 * already, pushes it back, and reads it again to check the entry is there.
 *
 * This is read-modify-write, as the distribution-spec describes it. Within one client, updates of
 * the same tag run one after the other (`ctx.locks`). Another client that read the tag before our
 * write and writes it after can replace our index: when its write lands before our read-back, the
 * read-back sees it and the update is made again on top of what it wrote (up to
 * {@link FALLBACK_TAG_ATTEMPTS} writes). A write that lands after our read-back can still drop our
 * entry; the read-back narrows that window, and only the referrers API closes it.
 *
 * @returns whether the tag was written (false when the manifest was already listed).
 * @throws {SchemaError} when the tag holds something other than an OCI index; the tag is left as it is.
 */
export async function addToReferrersTag(
  ctx: RemoteContext,
  pushedTo: Reference,
  manifest: Manifest & { subject: Descriptor },
  pushed: Descriptor,
  options: CallOptions = {},
): Promise<boolean> {
  const tagRef = pushedTo.withTag(referrersTag(manifest.subject.digest as Digest));
  const entry = referrerDescriptor(manifest, pushed);
  const consequence = `; ${pushed.digest} was pushed, but not listed there`;
  return ctx.locks.run(tagRef.toString(), async () => {
    for (let writes = 0; ; writes++) {
      const index = (await readFallbackIndex(ctx, tagRef, options, consequence)) ?? emptyReferrersIndex();
      const updated = withReferrer(index, entry);
      if (updated === undefined) return writes > 0;
      if (writes >= FALLBACK_TAG_ATTEMPTS) {
        throw new MultiplatformError(`referrers fallback tag ${tagRef.toString()}: written ${writes} times, and each time replaced by another writer${consequence}`);
      }
      if (writes > 0) await sleep(20 + Math.random() * 80 * writes, options.signal);
      await putManifest(ctx, tagRef, Buffer.from(JSON.stringify(updated)), { signal: options.signal, referrersFallback: false });
    }
  });
}

/**
 * The index at a referrers fallback tag, or undefined when there is no such tag (or repository).
 * @throws {SchemaError} when the tag holds something other than an OCI index (`consequence` is added to the message).
 */
export async function readFallbackIndex(ctx: RemoteContext, tagRef: Reference, options: CallOptions, consequence = ''): Promise<OciImageIndex | undefined> {
  let manifest: Manifest;
  try {
    manifest = (await getManifest(ctx, tagRef, options)).manifest;
  } catch (error) {
    if (isNotYetVisible(error) || (error instanceof RegistryError && error.hasCode('NAME_UNKNOWN'))) return undefined;
    throw error;
  }
  if (manifest.mediaType !== MediaType.OciIndex) {
    throw new SchemaError(`referrers fallback tag ${tagRef.toString()}`, [`expected an OCI index, found ${manifest.mediaType}${consequence}`]);
  }
  return manifest;
}

/**
 * Runs `operation`, and when the client was given a `consistency` policy, runs it again (at most
 * `retries` more times, `delayMs` apart) while it fails with an error `isUnknown` accepts — by
 * default {@link isNotYetVisible}. Without the policy, or after an abort, the first failure is final.
 * Use it around any lookup of content the same client has just pushed.
 *
 * @example
 * const child = await withConsistencyRetry(ctx, () => headManifest(ctx, childRef, { signal }), { signal });
 */
export async function withConsistencyRetry<T>(
  ctx: RemoteContext,
  operation: () => Promise<T>,
  options: { signal?: AbortSignal; isUnknown?: (error: unknown) => boolean } = {},
): Promise<T> {
  const policy = ctx.consistency;
  const isUnknown = options.isUnknown ?? isNotYetVisible;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!policy || attempt >= policy.retries || options.signal?.aborted || !isUnknown(error)) throw error;
      await sleep(policy.delayMs, options.signal);
    }
  }
}

/**
 * A manifest that lists non-distributable (foreign) layers and is refused with a 5xx, or with
 * `MANIFEST_BLOB_UNKNOWN` for one of them, was most likely refused for those layers: CNCF
 * distribution answers `500 UNKNOWN: unknown error` when a layer's `urls` are not allowed. The
 * error is given again with the layers named and what to do.
 */
function explainRefusedForeignLayers(error: unknown, manifest: Manifest): unknown {
  if (!(error instanceof RegistryError) || !('layers' in manifest)) return error;
  const foreign = manifest.layers.filter(isNonDistributableLayer);
  if (foreign.length === 0) return error;
  const namesForeign = error.errors.some((e) => e.code === 'MANIFEST_BLOB_UNKNOWN' && foreign.some((l) => JSON.stringify(e.detail ?? '').includes(l.digest)));
  if (error.status < 500 && !namesForeign) return error;
  const listed = foreign.slice(0, 3).map((l) => `${l.digest} (${l.mediaType})`).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
  const hint =
    `the manifest lists ${foreign.length} non-distributable (foreign) layer${foreign.length === 1 ? '' : 's'}: ${listed}; ` +
    'the registry probably refuses foreign layers: allow their URLs there (CNCF distribution: validation.manifests.urls.allow), ' +
    'or copy the layers into the registry as ordinary layers';
  return new RegistryError(error.operation, error.status, error.errors, { cause: error, retryAfterMs: error.retryAfterMs, hint });
}

/** A registry error with `hint` added to its message; any other error as it is. */
function withPushedHint(error: unknown, hint: string): unknown {
  if (!(error instanceof RegistryError)) return error;
  return new RegistryError(error.operation, error.status, error.errors, { cause: error, retryAfterMs: error.retryAfterMs, hint });
}

/**
 * A Docker manifest list has no `annotations` field; registries that parse it strictly (Google Artifact
 * Registry, GCR) refuse one carrying them with `MANIFEST_INVALID`. The error then says what to do instead.
 */
function explainRefusedAnnotations(error: unknown, manifest: Manifest): unknown {
  if (!(error instanceof RegistryError) || !error.hasCode('MANIFEST_INVALID')) return error;
  if (manifest.mediaType !== MediaType.DockerManifestList) return error;
  const entries = manifest.manifests as Array<{ annotations?: unknown }>;
  const annotated = (manifest as { annotations?: unknown }).annotations !== undefined || entries.some((m) => m.annotations !== undefined);
  if (!annotated) return error;
  const hint =
    'this registry refuses annotations in a Docker manifest list (Google Artifact Registry does): ' +
    "push an OCI index instead (mediaType 'oci', CLI --type oci), or leave the annotations out";
  return new RegistryError(error.operation, error.status, error.errors, { cause: error, retryAfterMs: error.retryAfterMs, hint });
}

/** A registry's `Docker-Content-Digest` must describe the same bytes (checked in its own algorithm). */
function checkRegistryDigest(operation: string, headerValue: string | undefined, bytes: Buffer, ours: Digest): void {
  if (!headerValue) return;
  if (!isDigest(headerValue)) return;
  const theirs = digestAlgorithm(headerValue) === digestAlgorithm(ours) ? ours : digestOf(bytes, digestAlgorithm(headerValue));
  if (theirs !== headerValue) {
    throw new DigestMismatchError(`${operation}: Docker-Content-Digest from the registry`, { digest: headerValue }, { digest: theirs });
  }
}

/** How {@link deleteTag} removed a tag. */
export type DeleteTagMethod = 'delete-by-tag' | 'overwrite-and-delete';

/** What {@link deleteTag} did. */
export interface DeleteTagResult {
  /** The tag removed. */
  tag: string;
  /**
   * `delete-by-tag`: the registry deleted the tag itself. `overwrite-and-delete`: it does not delete
   * by tag, so a placeholder manifest was pushed to the tag and that placeholder deleted by digest.
   */
  method: DeleteTagMethod;
}

/**
 * Removes one tag, leaving the manifest it pointed at and every other tag of that manifest in
 * place. First `DELETE /v2/<name>/manifests/<tag>`, which the distribution-spec allows; a registry
 * that refuses (400, 404, 405 or 501, as CNCF distribution 2.x does) gets the fallback: the tag's
 * manifest is read, a placeholder manifest unique to this call (an OCI image manifest with an empty
 * config and an annotation holding a random value) is pushed to the tag, the placeholder is deleted
 * by its digest, and the tag is checked to be gone. The original manifest's digest is never
 * deleted. If the placeholder cannot be deleted, the tag is pointed back at its manifest before the
 * error is thrown.
 *
 * @throws {ValidationError} when the reference has a digest or names no tag.
 * @throws {RegistryError} (404) when the tag does not exist.
 */
export async function deleteTag(ctx: RemoteContext, input: ReferenceInput, options: CallOptions = {}): Promise<DeleteTagResult> {
  const ref = toReference(input);
  const tag = ref.tag;
  if (ref.digest !== undefined) {
    throw new ValidationError(`deleteTag: ${label(ref)} has a digest; deleteTag removes a tag only (deleteManifest deletes a manifest by digest)`);
  }
  if (tag === undefined) throw new ValidationError(`deleteTag: ${label(ref)} names no tag`);
  return ctx.locks.run(label(ref), async () => {
    try {
      const res = await ctx.transport.request({
        registry: ref.registry,
        method: 'DELETE',
        path: routes.manifest(ref, tag),
        scopes: [deleteScope(ref)],
        operation: `DELETE tag ${label(ref)}`,
        expect: [200, 202, 204],
        signal: options.signal,
      });
      await discard(res.body);
      return { tag, method: 'delete-by-tag' };
    } catch (error) {
      if (!refusesTagDeletion(error)) throw error;
    }
    await overwriteAndDelete(ctx, ref, options);
    return { tag, method: 'overwrite-and-delete' };
  });
}

/** The answers of a registry that does not delete by tag (or, for 404, of one where the tag is missing: the fallback finds out). */
function refusesTagDeletion(error: unknown): boolean {
  if (!(error instanceof RegistryError)) return false;
  return [400, 404, 405, 501].includes(error.status) || error.hasCode('UNSUPPORTED');
}

/** How long pointing a tag back at its manifest may take after the fallback failed. */
const RESTORE_TIMEOUT_MS = 30_000;

async function overwriteAndDelete(ctx: RemoteContext, ref: Reference, options: CallOptions): Promise<void> {
  const operation = `DELETE tag ${label(ref)}`;
  const original = await getManifest(ctx, ref, options);
  await pushBlob(ctx, ref, EMPTY_JSON, { signal: options.signal });
  const placeholderBytes = placeholderManifest(ref);
  const placeholderDigest = digestOf(placeholderBytes);
  if (placeholderDigest === original.descriptor.digest) {
    throw new ValidationError(`${operation}: the placeholder has the digest of the tag's manifest ${placeholderDigest}; nothing was deleted`);
  }
  try {
    // From the placeholder's PUT on, the tag may no longer point at its manifest: any failure,
    // an abort or a deadline included, points it back.
    await putManifest(ctx, ref, placeholderBytes, { signal: options.signal, referrersFallback: false });
    await deleteManifest(ctx, ref.atDigest(placeholderDigest), options);
  } catch (error) {
    // The restore must not share the caller's signal: after an abort or a deadline that signal
    // has fired, and the tag would be left on the placeholder.
    const restore = { mediaType: original.descriptor.mediaType, referrersFallback: false, signal: AbortSignal.timeout(RESTORE_TIMEOUT_MS) };
    const restored = await putManifest(ctx, ref, original.bytes, restore).then(
      () => true,
      () => false,
    );
    if (restored) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new MultiplatformError(
      `${operation}: the placeholder ${placeholderDigest} pushed to the tag could not be deleted (${reason}), and the tag could not be pointed back at ${original.descriptor.digest}`,
      { cause: error },
    );
  }
  if (await manifestExists(ctx, ref, options)) {
    throw new MultiplatformError(`${operation}: the tag still exists after its placeholder ${placeholderDigest} was deleted`);
  }
}

/** An OCI image manifest no other call can produce: empty config, and a random value and the time in its annotations. */
function placeholderManifest(ref: Reference): Buffer {
  const empty = EMPTY_DESCRIPTOR;
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: empty,
      layers: [empty],
      annotations: {
        'org.opencontainers.image.created': new Date().toISOString(),
        'org.opencontainers.image.description': `placeholder written to delete the tag ${ref.tag ?? ''}; nonce ${randomHex(16)}`,
      },
    }),
  );
}
