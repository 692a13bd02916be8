/**
 * The distribution-spec grammar of repository names and tags, the one copy the client's reference
 * parser and the embedded registry's URL checks share. (Digests have theirs in `digest.ts`.)
 */

/** `registry/repository` may have at most this many characters; a repository alone never more. */
export const NAME_MAX_LENGTH = 255;
/** A tag has at most this many characters. */
export const TAG_MAX_LENGTH = 128;

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';

/** One `/`-separated component of a repository name: lower-case alphanumerics joined by `.`, `_`, `__` or dashes. */
export const PATH_COMPONENT = new RegExp(`^${COMPONENT}$`);
/** A whole repository name: components joined by `/` (the length limit is checked apart). */
export const REPOSITORY_NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
/** A tag: a word character, then word characters, `.` and `-` (the length limit is checked apart). */
export const TAG = /^\w[\w.-]*$/;

/** True when `name` is a repository name of at most {@link NAME_MAX_LENGTH} characters. */
export function isRepositoryName(name: string): boolean {
  return name.length > 0 && name.length <= NAME_MAX_LENGTH && REPOSITORY_NAME.test(name);
}

/** True when `tag` is a tag of at most {@link TAG_MAX_LENGTH} characters. */
export function isTag(tag: string): boolean {
  return tag.length <= TAG_MAX_LENGTH && TAG.test(tag);
}
