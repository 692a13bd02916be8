/**
 * Referrers (distribution-spec "Listing Referrers" and "Pushing Manifests with Subject"): reading
 * them through the referrers API or the `<alg>-<hex>` fallback tag, and keeping that tag up to date
 * on registries that have no referrers API.
 */
import { pullScope, repositoryPath, type CallOptions, type RemoteContext } from './context.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { parseDigest, readCapped, type Digest } from '../oci/digest.js';
import { RegistryError, SchemaError, isNotYetVisible } from '../errors.js';
import { isImageManifest, type Manifest, type OciImageIndex } from '../oci/manifest.js';
import { getManifest, headManifest, putManifest } from './manifests.js';
import { MediaType } from '../oci/media-types.js';
import type { Reference } from '../oci/reference.js';
import { OciIndexSchema, parseJson, validate, type Descriptor } from '../oci/schemas.js';
import { referrersTag } from '../oci/referrers.js';

export { referrersTag };

/** Options of {@link listReferrers}. */
export interface ReferrersOptions extends CallOptions {
  /** Only referrers whose `artifactType` is this. */
  artifactType?: string;
}

/**
 * The manifests that refer to `subject` through their `subject` field. Asks the referrers API
 * (`GET /v2/<name>/referrers/<digest>`); a registry without it (404 or 400) is read through the
 * fallback tag `<alg>-<hex>`, and no such tag means no referrers. The answer is an index read with
 * the manifest size cap; `artifactType` is filtered here when the registry did not filter.
 */
export async function listReferrers(ctx: RemoteContext, input: ReferenceInput, options: ReferrersOptions = {}): Promise<Descriptor[]> {
  const ref = toReference(input);
  const subject = ref.digest ?? parseDigest((await headManifest(ctx, ref, options)).digest);
  const operation = `GET referrers of ${ref.registry}/${ref.repository}@${subject}`;
  const wanted = (list: Descriptor[]) => (options.artifactType === undefined ? list : list.filter((d) => d.artifactType === options.artifactType));
  let res;
  try {
    res = await ctx.transport.request({
      registry: ref.registry,
      method: 'GET',
      path: `${repositoryPath(ref)}/referrers/${subject}`,
      query: { artifactType: options.artifactType },
      headers: { accept: MediaType.OciIndex },
      scopes: [pullScope(ref)],
      operation,
      expect: [200],
      signal: options.signal,
    });
  } catch (error) {
    if (!(error instanceof RegistryError && (error.status === 404 || error.status === 400))) throw error;
    const index = await readFallbackIndex(ctx, ref.withTag(referrersTag(subject)), options);
    return wanted(index?.manifests ?? []);
  }
  const bytes = await readCapped(res.body, ctx.maxManifestBytes, operation);
  const index = validate(OciIndexSchema, parseJson(bytes, operation), operation);
  return wanted(index.manifests);
}

/**
 * After `manifest` was pushed to `pushedTo` and the registry did not answer `OCI-Subject` (it has
 * no referrers API), adds the manifest to the index at its subject's fallback tag in the same
 * repository: reads the index (none yet: starts an empty one), appends a descriptor unless one with
 * the same digest is listed already, and pushes it back.
 *
 * This is read-modify-write, as the distribution-spec describes it: two clients updating the same
 * tag at the same moment can lose one entry, and only a registry with the referrers API avoids
 * that. Within one client, updates of the same tag run one after the other.
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
  return oneAtATime(ctx, tagRef.toString(), async () => {
    const index = (await readFallbackIndex(ctx, tagRef, options, `; ${pushed.digest} was pushed, but not listed there`)) ?? emptyIndex();
    if (index.manifests.some((entry) => entry.digest === pushed.digest)) return false;
    const updated: OciImageIndex = { ...index, manifests: [...index.manifests, referrerDescriptor(manifest, pushed)] };
    await putManifest(ctx, tagRef, Buffer.from(JSON.stringify(updated)), { signal: options.signal, referrersFallback: false });
    return true;
  });
}

/** The entry a referrers index holds for a manifest: its descriptor, artifact type and annotations. */
export function referrerDescriptor(manifest: Manifest, pushed: Descriptor): Descriptor {
  const entry: Descriptor = { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size };
  const artifactType = ('artifactType' in manifest ? manifest.artifactType : undefined) || (isImageManifest(manifest) ? manifest.config.mediaType : undefined);
  if (artifactType) entry.artifactType = artifactType;
  const annotations = 'annotations' in manifest ? manifest.annotations : undefined;
  if (annotations && Object.keys(annotations).length > 0) entry.annotations = { ...annotations };
  return entry;
}

/** True for a parsed manifest that names a `subject` (only OCI manifests and indexes can). */
export function hasSubject(manifest: Manifest): manifest is Manifest & { subject: Descriptor } {
  return 'subject' in manifest && manifest.subject !== undefined;
}

function emptyIndex(): OciImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
}

/** The index at a fallback tag, or undefined when there is no such tag (or repository). */
async function readFallbackIndex(ctx: RemoteContext, tagRef: Reference, options: CallOptions, consequence = ''): Promise<OciImageIndex | undefined> {
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

const tails = new WeakMap<RemoteContext, Map<string, Promise<void>>>();

/** Runs `section` after every earlier section this client started for `key` has settled. */
async function oneAtATime<T>(ctx: RemoteContext, key: string, section: () => Promise<T>): Promise<T> {
  let byKey = tails.get(ctx);
  if (!byKey) {
    byKey = new Map();
    tails.set(ctx, byKey);
  }
  const current = (byKey.get(key) ?? Promise.resolve()).then(section);
  const tail = current.then(
    () => undefined,
    () => undefined,
  );
  byKey.set(key, tail);
  try {
    return await current;
  } finally {
    if (byKey.get(key) === tail) byKey.delete(key);
  }
}
