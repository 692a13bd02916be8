/**
 * Several tags in one manifest push (distribution-spec v1.1, "Pushing Manifests"): a PUT by digest
 * may carry `?tag=<tag>` once per tag, and a registry that applied them answers an `OCI-Tag` header
 * per accepted tag, as a comma-separated list, over one or several header lines (RFC 9110 §5).
 */

/** The query parameter that names one more tag on a manifest PUT by digest. */
export const TAG_PARAMETER = 'tag';

/** The response header that lists the tags a registry applied from {@link TAG_PARAMETER}. */
export const OCI_TAG_HEADER = 'OCI-Tag';

/** The value of one `OCI-Tag` header listing `tags`. */
export function formatOciTag(tags: readonly string[]): string {
  return tags.join(', ');
}

/**
 * Every tag the `OCI-Tag` header lines list, in order, duplicates removed. A tag cannot contain a
 * comma or a space, so splitting each line on commas is the whole of the list syntax.
 */
export function parseOciTag(values: readonly string[]): string[] {
  const tags = values.flatMap((value) => value.split(',')).map((tag) => tag.trim());
  return [...new Set(tags.filter((tag) => tag !== ''))];
}
