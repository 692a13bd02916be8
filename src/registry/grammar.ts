import { isDigest, parseDigest, type Digest } from '../oci/digest.js';
import { isRepositoryName, isTag, NAME_MAX_LENGTH, REPOSITORY_NAME, TAG, TAG_MAX_LENGTH } from '../oci/grammar.js';
import { ApiError } from './api-error.js';

/** Returns `name` when it is a valid repository name, else throws a 400 `NAME_INVALID`. */
export function checkRepositoryName(name: string): string {
  if (!isRepositoryName(name)) {
    throw ApiError.of(400, 'NAME_INVALID', `invalid repository name ${JSON.stringify(name.slice(0, 300))}`, {
      name: name.slice(0, 300),
      grammar: REPOSITORY_NAME.source,
      maxLength: NAME_MAX_LENGTH,
    });
  }
  return name;
}

/** Returns `tag` when valid, else throws a 400 `TAG_INVALID`. */
export function checkTag(tag: string): string {
  if (!isTag(tag)) {
    throw ApiError.of(400, 'TAG_INVALID', `invalid tag ${JSON.stringify(tag.slice(0, 200))}`, {
      tag: tag.slice(0, 200),
      grammar: TAG.source,
      maxLength: TAG_MAX_LENGTH,
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

/**
 * A reference as a read (GET/HEAD) looks it up: `undefined` when it is neither a valid tag nor a supported digest.
 * Reads answer such a reference with 404 rather than 400: it can name no manifest, and the spec's only
 * failure status for reading a manifest (end-3) is 404.
 */
export function lookupManifestReference(reference: string): ManifestReference | undefined {
  if (isDigest(reference)) return { kind: 'digest', digest: reference };
  if (isTag(reference)) return { kind: 'tag', tag: reference };
  return undefined;
}
