import { parseDigest, type Digest } from '../oci/digest.js';
import { ApiError } from './api-error.js';

const NAME_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME_PATTERN = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Repository names longer than this are refused, so that `host/name` stays within the 255 characters clients allow. */
export const MAX_NAME_LENGTH = 255;

/** True when `name` follows the distribution-spec repository name grammar. */
export function isRepositoryName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}

/** Returns `name` when it is a valid repository name, else throws a 400 `NAME_INVALID`. */
export function checkRepositoryName(name: string): string {
  if (!isRepositoryName(name)) {
    throw ApiError.of(400, 'NAME_INVALID', `invalid repository name ${JSON.stringify(name.slice(0, 300))}`, {
      name: name.slice(0, 300),
      grammar: NAME_PATTERN.source,
      maxLength: MAX_NAME_LENGTH,
    });
  }
  return name;
}

/** True when `tag` follows the tag grammar (at most 128 characters). */
export function isTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/** Returns `tag` when valid, else throws a 400 `TAG_INVALID`. */
export function checkTag(tag: string): string {
  if (!isTag(tag)) {
    throw ApiError.of(400, 'TAG_INVALID', `invalid tag ${JSON.stringify(tag.slice(0, 200))}`, {
      tag: tag.slice(0, 200),
      grammar: TAG_PATTERN.source,
    });
  }
  return tag;
}

/** Validates a digest taken from a URL; a bad one is a 400 `DIGEST_INVALID` naming `what`. */
export function checkDigest(value: string | null | undefined, what: string): Digest {
  if (value === null || value === undefined || value === '') {
    throw ApiError.of(400, 'DIGEST_INVALID', `${what} is missing`);
  }
  try {
    return parseDigest(value);
  } catch (e) {
    throw ApiError.of(400, 'DIGEST_INVALID', `${what}: ${(e as Error).message}`);
  }
}

/** The `<reference>` part of a manifest URL. */
export type ManifestReference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

/** A reference with a `:` is a digest, anything else must be a tag. */
export function parseManifestReference(reference: string): ManifestReference {
  if (reference.includes(':')) return { kind: 'digest', digest: checkDigest(reference, 'manifest digest') };
  return { kind: 'tag', tag: checkTag(reference) };
}
