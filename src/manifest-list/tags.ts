import type { CallOptions, RemoteContext } from '../remote/context.js';
import { InvalidReferenceError, ValidationError } from '../errors.js';
import { getManifest, putManifest } from '../remote/manifests.js';
import { listTags, type ListOptions } from '../remote/listing.js';
import { toReference, validateTag, type ReferenceInput } from '../oci/reference.js';
import type { Digest } from '../oci/digest.js';
import type { TagResult } from './types.js';

/** Options of {@link RegistryClient.listTags}. */
export interface ListTagsOptions extends ListOptions {
  /** Keep only the tags this pattern matches (anywhere in the tag: anchor it with `^…$`) or this predicate accepts. */
  filter?: RegExp | ((tag: string) => boolean);
}

/**
 * Points more tags of the same repository at the manifest `input` names, without re-uploading
 * anything: one GET of the manifest's bytes, then one PUT of those exact bytes per tag, in order.
 * (Registries that accept `?tag=` on a PUT by digest could take several tags at once; distribution
 * and most services do not, so one PUT per tag is always sent.) Every tag is checked before the GET.
 */
export async function tag(ctx: RemoteContext, input: ReferenceInput, tags: readonly string[], options: CallOptions = {}): Promise<TagResult> {
  const ref = toReference(input);
  if (tags.length === 0) throw new ValidationError('tag: give at least one new tag');
  for (const name of tags) checkTag(name);
  const { bytes, descriptor } = await getManifest(ctx, ref, { signal: options.signal });
  const written: string[] = [];
  for (const name of new Set(tags)) {
    const destination = ref.withTag(name);
    // The referrers of a manifest with a subject were recorded when it was first pushed.
    await putManifest(ctx, destination, bytes, { signal: options.signal, referrersFallback: false });
    written.push(destination.toString());
  }
  return { digest: descriptor.digest as Digest, mediaType: descriptor.mediaType, size: descriptor.size, tags: written };
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
