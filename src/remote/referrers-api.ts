/**
 * Whether a registry has the referrers API (`GET /v2/<name>/referrers/<digest>`), decided by asking
 * it and remembered per client, registry and repository. An `OCI-Subject` header on a manifest PUT
 * is not enough: some registries send it without serving the API, and then nothing would list the
 * referrer. listing (referrers.ts) and the fallback tag update after a PUT (manifests.ts) both ask here.
 */
import type { RemoteContext } from './context.js';
import { pullScope, routes } from './routes.js';
import type { Digest } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import type { Reference } from '../oci/reference.js';
import { OciIndexSchema, matches, parseJson, type OciIndex } from '../oci/schemas.js';
import { RegistryError, SchemaError } from '../errors.js';
import { followPages } from './pagination.js';

/** What one referrers request told: the API's answer, or that the registry has no such API. */
export type ReferrersAnswer = { supported: true; index: OciIndex } | { supported: false };

/** Support known so far, by client context and then `registry/repository`; a probe under way is shared. */
const known = new WeakMap<RemoteContext, Map<string, Promise<boolean>>>();

function cacheOf(ctx: RemoteContext): Map<string, Promise<boolean>> {
  let cache = known.get(ctx);
  if (cache === undefined) {
    cache = new Map();
    known.set(ctx, cache);
  }
  return cache;
}

const keyOf = (ref: Reference): string => `${ref.registry}/${ref.repository}`;

/**
 * Sends `GET /v2/<name>/referrers/<subject>` and classifies the answer: an OCI index (status 200)
 * means the API exists; 404 (whatever its body) or 400, or a 200 whose body is not an OCI index (a
 * web page, a catch-all route), means it does not. Every other failure is thrown and decides
 * nothing. The verdict is remembered for `ref`'s repository.
 */
export async function requestReferrers(
  ctx: RemoteContext,
  ref: Reference,
  subject: Digest,
  options: { artifactType?: string; signal?: AbortSignal } = {},
): Promise<ReferrersAnswer> {
  const answer = sendReferrersRequest(ctx, ref, subject, options);
  const cache = cacheOf(ctx);
  const key = keyOf(ref);
  // The newest request decides; one that fails decides nothing and is forgotten.
  const verdict = answer.then((a) => a.supported);
  cache.set(key, verdict);
  verdict.catch(() => {
    if (cache.get(key) === verdict) cache.delete(key);
  });
  return answer;
}

/** Pages of one referrers answer followed at most: far more referrers than any subject has in practice. */
const MAX_REFERRER_PAGES = 1000;

/**
 * Sends the referrers request and follows its `Link: <…>; rel="next"` pages (the distribution spec lets a
 * registry split the answer), merging their manifests into the first page's index. Only the first page
 * decides whether the API exists; a later page that is not an OCI index is an error.
 */
async function sendReferrersRequest(ctx: RemoteContext, ref: Reference, subject: Digest, options: { artifactType?: string; signal?: AbortSignal }): Promise<ReferrersAnswer> {
  const operation = `GET referrers of ${ref.registry}/${ref.repository}@${subject}`;
  let answer: ReferrersAnswer = { supported: false };
  const request = {
    registry: ref.registry,
    path: routes.referrers(ref, subject),
    query: { artifactType: options.artifactType },
    headers: { accept: MediaType.OciIndex },
    scopes: [pullScope(ref)],
    operation,
    pageLimit: ctx.maxManifestBytes,
    maxPages: MAX_REFERRER_PAGES,
    signal: options.signal,
  };
  try {
    await followPages(ctx, request, (bytes, what) => {
      const index = referrersIndex(bytes, what);
      if (!answer.supported) {
        if (index === undefined) return false;
        answer = { supported: true, index };
        return true;
      }
      if (index === undefined) throw new SchemaError(what, ['a page of the referrers answer is not an OCI image index']);
      answer.index.manifests.push(...index.manifests);
      return true;
    });
  } catch (error) {
    if (!answer.supported && error instanceof RegistryError && (error.status === 404 || error.status === 400)) return { supported: false };
    throw error;
  }
  return answer;
}

/** The body as an OCI index, or undefined when it is none (a web page, a catch-all route's answer). */
function referrersIndex(bytes: Buffer, what: string): OciIndex | undefined {
  let body: unknown;
  try {
    body = parseJson(bytes, what);
  } catch {
    return undefined;
  }
  return matches(OciIndexSchema, body) && body.mediaType === MediaType.OciIndex ? body : undefined;
}

/**
 * True when the registry serves the referrers API for `ref`'s repository: remembered from an
 * earlier answer, else found out with one referrers request for `subject` (concurrent callers
 * share it).
 */
export async function hasReferrersApi(ctx: RemoteContext, ref: Reference, subject: Digest, options: { signal?: AbortSignal } = {}): Promise<boolean> {
  const remembered = cacheOf(ctx).get(keyOf(ref));
  if (remembered !== undefined) {
    try {
      return await remembered;
    } catch {
      // That probe failed; this caller asks again.
    }
  }
  return (await requestReferrers(ctx, ref, subject, options)).supported;
}

/** The remembered verdict for `ref`'s repository, if one has been reached (never sends anything). */
export async function knownReferrersApi(ctx: RemoteContext, ref: Reference): Promise<boolean | undefined> {
  const remembered = cacheOf(ctx).get(keyOf(ref));
  return remembered === undefined ? undefined : remembered.catch(() => undefined);
}
