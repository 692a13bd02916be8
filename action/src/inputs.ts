/**
 * The action's inputs, turned into the options of `RegistryClient.createManifestList`: pure, so that
 * every mistake in a workflow file is reported, in the words of the inputs, before any request.
 */
import {
  isInvalidDigestError,
  isInvalidReferenceError,
  normaliseRegistryHost,
  parsePlatform,
  parseReference,
  sourceReference,
  type CreateManifestListOptions,
  type CreateManifestListResult,
  type Credential,
} from '../../src/index.js';

/** The inputs as the runner hands them over (`INPUT_*`), read as raw text. */
export interface RawInputs {
  tags: string;
  sources: string;
  platforms: string;
  /** One annotation a line: values may hold spaces and commas. */
  annotations: string[];
  registry: string;
  username: string;
  password: string;
  append: boolean;
  dryRun: boolean;
}

/** A mistake in the workflow's `with:` block, named by its input. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Entries of a list input: one or more a line, separated by commas or spaces, as docker's actions accept them. */
export function listInput(text: string): string[] {
  return text.split(/[\s,]+/).filter((item) => item !== '');
}

function tagsOf(raw: RawInputs): string[] {
  const tags = listInput(raw.tags);
  if (tags.length === 0) throw new InputError('input "tags" is required: the references to write the merged index to, e.g. ghcr.io/me/app:1.0');
  for (const tag of tags) {
    const ref = referenceInput(tag, 'tags');
    if (ref.digest !== undefined) throw new InputError(`input "tags": ${tag} names a digest; give a tag to write the index to`);
  }
  return tags;
}

function referenceInput(value: string, input: string) {
  try {
    return parseReference(value);
  } catch (error) {
    if (isInvalidReferenceError(error)) throw new InputError(`input "${input}": ${value} is not an image reference (${error.reason})`);
    throw error;
  }
}

/**
 * The sources, each a reference; a bare digest (`sha256:…`, what a push by digest prints) means that
 * digest in the repository of the first tag, by the library's own rule (`sourceReference`).
 */
function sourcesOf(raw: RawInputs, firstTag: string): string[] {
  const sources = listInput(raw.sources);
  if (sources.length === 0) throw new InputError('input "sources" is required: the images to merge, as references or digests (sha256:…), one a line');
  return sources.map((source) => {
    let resolved: string;
    try {
      resolved = sourceReference(source, firstTag);
    } catch (error) {
      if (isInvalidDigestError(error)) throw new InputError(`input "sources": ${source} is not a digest (${error.reason})`);
      throw error;
    }
    if (resolved === source) referenceInput(source, 'sources');
    return resolved;
  });
}

function platformsOf(raw: RawInputs): string[] {
  const platforms = listInput(raw.platforms);
  for (const platform of platforms) {
    try {
      parsePlatform(platform);
    } catch (error) {
      throw new InputError(`input "platforms": ${(error as Error).message}`);
    }
  }
  return platforms;
}

/** What to merge, where to, and how: every input checked. */
export function mergeOptions(raw: RawInputs): CreateManifestListOptions {
  const tags = tagsOf(raw);
  const platforms = platformsOf(raw);
  return {
    tags,
    sources: sourcesOf(raw, tags[0] as string),
    ...(platforms.length > 0 ? { platforms } : {}),
    ...(raw.annotations.length > 0 ? { annotations: raw.annotations } : {}),
    ...(raw.append ? { append: true } : {}),
    ...(raw.dryRun ? { dryRun: true } : {}),
  };
}

/**
 * The `username`/`password` inputs as client credentials for `registry` (default: the first tag's
 * registry); undefined when neither is given, so that Docker's config (`DOCKER_CONFIG` or
 * `~/.docker/config.json`, where docker/login-action writes) is used.
 */
export function credentialsOf(raw: RawInputs, firstTag: string): Record<string, Credential> | undefined {
  const { username, password } = raw;
  if (username === '' && password === '') {
    if (raw.registry !== '') throw new InputError('input "registry" names where "username" and "password" are used; give them too, or leave all three out to use the Docker config');
    return undefined;
  }
  if (username === '') throw new InputError('input "password" needs "username"');
  if (password === '') throw new InputError('input "username" needs "password"');
  const registry = raw.registry === '' ? parseReference(firstTag).registry : registryInput(raw.registry);
  return { [registry]: { username, password } };
}

function registryInput(value: string): string {
  const host = normaliseRegistryHost(value);
  if (host === '' || /\s/.test(host)) throw new InputError(`input "registry": ${value} is not a registry host such as ghcr.io or registry.example:5000`);
  return host;
}

/**
 * The `metadata` output: the keys `docker buildx build --metadata-file` and
 * docker/build-push-action's `metadata` output use (the CLI's `create --metadata-file` writes the same).
 */
export function metadataOf(result: CreateManifestListResult): Record<string, unknown> {
  const { mediaType, digest, size } = result;
  return {
    'containerimage.descriptor': { mediaType, digest, size },
    'containerimage.digest': digest,
    'image.name': result.tags.join(','),
  };
}
