import type { CallOptions, RemoteContext } from '../remote/context.js';
import { InvalidReferenceError, RegistryError, ValidationError } from '../errors.js';
import { getManifest, putManifest, putManifestWithTags, type PutManifestOptions } from '../remote/manifests.js';
import { listTags, type ListOptions } from '../remote/listing.js';
import { toReference, validateTag, type Reference, type ReferenceInput } from '../oci/reference.js';
import type { Digest } from '../oci/digest.js';
import type { TagResult } from './types.js';

/** Options of {@link RegistryClient.listTags}. */
export interface ListTagsOptions extends ListOptions {
  /** Keep only the tags this pattern matches (anywhere in the tag: anchor it with `^…$`) or this predicate accepts. */
  filter?: RegExp | ((tag: string) => boolean);
}

/**
 * Points more tags of the same repository at the manifest `input` names, without re-uploading
 * anything. Every tag is checked before any request; then one GET of the manifest's bytes, and one
 * PUT of those exact bytes by digest with every tag as a `?tag=` parameter (distribution-spec v1.1).
 * A registry that applies them lists them in `OCI-Tag`, and that single PUT is all; each tag it does
 * not confirm (CNCF distribution 2.x ignores the parameter) is then PUT by tag, in order.
 */
export async function tag(ctx: RemoteContext, input: ReferenceInput, tags: readonly string[], options: CallOptions = {}): Promise<TagResult> {
  const ref = toReference(input);
  if (tags.length === 0) throw new ValidationError('tag: give at least one new tag');
  for (const name of tags) checkTag(name);
  const wanted = [...new Set(tags)];
  const { bytes, descriptor } = await getManifest(ctx, ref, { signal: options.signal });
  const digest = descriptor.digest as Digest;
  // The referrers of a manifest with a subject were recorded when it was first pushed.
  const putOptions = { signal: options.signal, referrersFallback: false };
  const applied = new Set(await putWithTagParameters(ctx, ref.atDigest(digest), bytes, wanted, putOptions));
  const unconfirmed = wanted.filter((name) => !applied.has(name));
  for (const name of unconfirmed) await putManifest(ctx, ref.withTag(name), bytes, putOptions);
  return {
    digest,
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    tags: wanted.map((name) => ref.withTag(name).toString()),
    method: unconfirmed.length === 0 ? 'tag-parameters' : 'put-per-tag',
    manifestPuts: 1 + unconfirmed.length,
  };
}

/**
 * The tags the registry applied from one PUT by digest with `?tag=` parameters. A URL or header set
 * too long for the registry (414, 431, both named by the spec) means none were: the caller writes them one by one.
 */
async function putWithTagParameters(ctx: RemoteContext, ref: Reference, bytes: Uint8Array, tags: readonly string[], options: PutManifestOptions): Promise<string[]> {
  try {
    return (await putManifestWithTags(ctx, ref, bytes, tags, options)).applied;
  } catch (error) {
    if (error instanceof RegistryError && (error.status === 414 || error.status === 431)) return [];
    throw error;
  }
}

function checkTag(name: unknown): void {
  try {
    validateTag(name as string);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new ValidationError(`tag: ${JSON.stringify(name)} is not a valid tag: ${error.reason}`);
    throw error;
  }
}

/** Every tag of a repository (following pagination), kept only where `options.filter` accepts it. */
export async function listTagsMatching(ctx: RemoteContext, repo: ReferenceInput, options: ListTagsOptions = {}): Promise<string[]> {
  const { filter, ...listOptions } = options;
  const tags = await listTags(ctx, repo, listOptions);
  if (filter === undefined) return tags;
  if (typeof filter === 'function') return tags.filter((name) => filter(name));
  // A copy without `g` and `y`, whose lastIndex would make test() depend on the previous call.
  const pattern = new RegExp(filter.source, filter.flags.replace(/[gy]/g, ''));
  return tags.filter((name) => pattern.test(name));
}
