import { inspect, type InspectOptions } from 'node:util';
import { parseDigest, type Digest } from './digest.js';
import { NAME_MAX_LENGTH, PATH_COMPONENT, TAG, TAG_MAX_LENGTH } from './grammar.js';
import { InvalidDigestError, InvalidReferenceError, ValidationError } from '../errors.js';

/** The registry a reference without a registry part points to. */
export const DOCKER_HUB = 'docker.io';
/** The host Docker Hub's registry API is served from. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** Every name of Docker Hub's registry (lower case); all normalise to {@link DOCKER_HUB}. */
export const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([DOCKER_HUB, 'index.docker.io', DOCKER_HUB_API_HOST]);
/** The host of Docker Hub's token server, the one realm outside the registry's own host trusted with Docker Hub credentials. */
export const DOCKER_HUB_AUTH_HOST = 'auth.docker.io';
const OFFICIAL_IMAGE_NAMESPACE = 'library/';

const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_LITERAL = /^\[([a-fA-F0-9:]+)\]$/;
/** A bare image ID, which Docker refuses as a repository name. */
const IMAGE_ID = /^[a-f0-9]{64}$/;
const NAME_CHARACTERS = /^[A-Za-z0-9._\-/]+$/;

/**
 * A parsed, validated and normalised image reference: `registry/repository[:tag][@digest]`.
 * Create one with {@link parseReference}. Two references that name the same thing (such as
 * `alpine` and `docker.io/library/alpine`) have equal fields and equal {@link Reference.toString}.
 */
export interface Reference {
  /** Normalised registry: `docker.io`, `localhost:5000`, `ghcr.io`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository path within the registry, e.g. `library/alpine` or `org/app`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
  /** `host[:port]` to connect to: `registry-1.docker.io` for Docker Hub, else {@link Reference.registry}. */
  readonly apiHost: string;
  /** What goes in `/v2/<repository>/manifests/<reference>`: the digest if present, else the tag, else `latest`. */
  readonly reference: string;
  /** Canonical full form, e.g. `docker.io/library/alpine:3.19@sha256:…`. */
  toString(): string;
  /** Short form as Docker prints it, e.g. `alpine:3.19`, `org/app@sha256:…`, `ghcr.io/o/a:1`. */
  familiar(): string;
  /** The same repository with another tag and no digest. Throws {@link InvalidReferenceError}. */
  withTag(tag: string): Reference;
  /** The same repository and tag pinned to `digest`. Throws {@link InvalidReferenceError}. */
  withDigest(digest: string): Reference;
  /** `digest` in the same repository, without a tag (unlike {@link Reference.withDigest}). Throws {@link InvalidReferenceError}. */
  atDigest(digest: string): Reference;
}

class ParsedReference implements Reference {
  // Fields are assigned (not declared with initialisers) so that absent parts are not own
  // properties: console.log and deep equality then show only what the reference has.
  declare readonly registry: string;
  declare readonly repository: string;
  declare readonly tag?: string;
  declare readonly digest?: Digest;
  declare readonly apiHost: string;
  declare readonly reference: string;

  constructor(registry: string, repository: string, tag: string | undefined, digest: Digest | undefined) {
    this.registry = registry;
    this.repository = repository;
    if (tag !== undefined) this.tag = tag;
    if (digest !== undefined) this.digest = digest;
    this.apiHost = registryApiHost(registry);
    this.reference = digest ?? tag ?? 'latest';
    Object.freeze(this);
  }

  toString(): string {
    return `${this.registry}/${this.repository}${suffix(this.tag, this.digest)}`;
  }

  familiar(): string {
    let name = `${this.registry}/${this.repository}`;
    const slash = this.repository.indexOf('/');
    // `docker.io/a.b/c` must keep its registry: `a.b/c` would name the registry a.b.
    const firstLooksLikeRegistry = slash >= 0 && looksLikeRegistry(this.repository.slice(0, slash));
    if (this.registry === DOCKER_HUB && !firstLooksLikeRegistry) {
      name = this.repository;
      const rest = name.slice(OFFICIAL_IMAGE_NAMESPACE.length);
      if (name.startsWith(OFFICIAL_IMAGE_NAMESPACE) && !rest.includes('/')) name = rest;
    }
    return name + suffix(this.tag, this.digest);
  }

  withTag(tag: string): Reference {
    const name = `${this.registry}/${this.repository}`;
    const reason = tagProblem(tag);
    if (reason !== undefined) throw new InvalidReferenceError(`${name}:${String(tag)}`, reason);
    return new ParsedReference(this.registry, this.repository, tag, undefined);
  }

  withDigest(digest: string): Reference {
    const name = `${this.registry}/${this.repository}${suffix(this.tag, undefined)}`;
    return new ParsedReference(this.registry, this.repository, this.tag, checkedDigest(digest, `${name}@${String(digest)}`));
  }

  atDigest(digest: string): Reference {
    const name = `${this.registry}/${this.repository}`;
    return new ParsedReference(this.registry, this.repository, undefined, checkedDigest(digest, `${name}@${String(digest)}`));
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `Reference ${inspect({ ...this }, options)}`;
  }
}

function suffix(tag: string | undefined, digest: string | undefined): string {
  return `${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

function checkedDigest(digest: string, input: string): Digest {
  try {
    return parseDigest(digest);
  } catch (error) {
    if (error instanceof InvalidDigestError) throw new InvalidReferenceError(input, `invalid digest: ${error.reason}`);
    throw error;
  }
}

/** A reference as a string (`registry/repo:tag`) or already parsed. */
export type ReferenceInput = string | Reference;

/** The parsed form of a {@link ReferenceInput}. Throws {@link InvalidReferenceError}. */
export function toReference(input: ReferenceInput): Reference {
  return typeof input === 'string' ? parseReference(input) : input;
}

/** Options for {@link parseReference}. */
export interface ParseReferenceOptions {
  /**
   * Registry used when the input names none. Defaults to `docker.io`, where single-component
   * names also get the `library/` namespace. It must itself look like a registry (contain `.`
   * or `:`, be `localhost`, or be a bracketed IPv6 address) so the canonical form parses back.
   */
  defaultRegistry?: string;
}

/**
 * Parses an image reference such as `alpine`, `ghcr.io/org/app:1.2`, `localhost:5000/app@sha256:…`
 * with Docker's rules: the part before the first `/` is a registry only when it contains `.` or
 * `:`, is `localhost`, or is a bracketed IPv6 address; otherwise the image is on Docker Hub, where
 * a single-component name gets the `library/` namespace.
 *
 * @throws {InvalidReferenceError} naming what is wrong with `input`.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  if (typeof input !== 'string') throw new InvalidReferenceError(String(input), 'reference must be a string');
  const defaultRegistry = checkedDefaultRegistry(options.defaultRegistry);
  const fail: (reason: string) => never = (reason) => {
    throw new InvalidReferenceError(input, reason);
  };

  if (input.length === 0) fail('empty reference');
  if (/\s/.test(input)) fail('reference contains whitespace');
  if (input.includes('://')) {
    fail(`a reference has no URL scheme; write ${JSON.stringify(input.slice(input.indexOf('://') + 3))} instead`);
  }
  if (IMAGE_ID.test(input)) fail('a 64-character hexadecimal string is an image ID, not a repository name');

  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digestText = rest.slice(at + 1);
    if (digestText.length === 0) fail("missing digest after '@'");
    digest = checkedDigest(digestText, input);
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && colon > rest.lastIndexOf(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const reason = tagProblem(tag);
    if (reason !== undefined) fail(reason);
  }

  if (rest.length === 0) fail('missing repository name');
  const { registry, path } = splitRegistry(rest, defaultRegistry, fail);

  if (path.length === 0) fail('missing repository name');
  if (!NAME_CHARACTERS.test(path)) fail(`repository name ${JSON.stringify(path)} contains characters outside a-z, 0-9, '.', '_', '-' and '/'`);
  const repositoryReason = repositoryProblem(path);
  if (repositoryReason !== undefined) fail(repositoryReason);

  const repository = registry === DOCKER_HUB && !path.includes('/') ? OFFICIAL_IMAGE_NAMESPACE + path : path;
  const fullName = `${registry}/${repository}`;
  if (fullName.length > NAME_MAX_LENGTH) {
    fail(`name ${JSON.stringify(fullName.slice(0, 40) + '…')} is ${fullName.length} characters; the limit is ${NAME_MAX_LENGTH}`);
  }
  return new ParsedReference(registry, repository, tag, digest);
}

function checkedDefaultRegistry(value: string | undefined): string {
  if (value === undefined) return DOCKER_HUB;
  let registry: string;
  try {
    registry = normalizeRegistry(value);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new ValidationError(`defaultRegistry ${JSON.stringify(value)}: ${error.reason}`);
    throw error;
  }
  if (!looksLikeRegistry(registry)) {
    throw new ValidationError(
      `defaultRegistry ${JSON.stringify(value)} is not recognisable as a registry: it needs a '.' or ':', or must be localhost`,
    );
  }
  return registry;
}

function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component.startsWith('[') || component.toLowerCase() === 'localhost';
}

function splitRegistry(
  name: string,
  defaultRegistry: string,
  fail: (reason: string) => never,
): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? name : name.slice(0, slash);
  if (slash < 0 || !looksLikeRegistry(first)) {
    if (first.startsWith('[')) fail(`registry ${JSON.stringify(first)} must be followed by '/' and a repository`);
    return { registry: defaultRegistry, path: name };
  }
  const problem = registryProblem(first);
  if (problem !== undefined) fail(problem);
  return { registry: normalizeValidRegistry(first), path: name.slice(slash + 1) };
}

/**
 * True for an IPv6 address written with hex digits and colons only (what IPV6_LITERAL lets through).
 * The WHATWG URL parser's IPv6 grammar agrees with `node:net`'s `isIPv6` on such strings (a property
 * test checks it) and needs no import: loading `node:net` was a tenth of `import 'multiplatform/oci'`.
 */
const isIPv6Address = (address: string): boolean => URL.canParse(`http://[${address}]`);

/** Why `host` is not a valid `host[:port]`, or undefined when it is. */
function registryProblem(host: string): string | undefined {
  if (host.length === 0) return 'empty registry';
  let hostname = host;
  let port: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return `registry ${JSON.stringify(host)} has an unclosed '[' (IPv6 addresses are written [::1]:5000)`;
    hostname = host.slice(0, close + 1);
    const after = host.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(':')) return `registry ${JSON.stringify(host)} has characters after the IPv6 address`;
      port = after.slice(1);
    }
    const address = IPV6_LITERAL.exec(hostname)?.[1];
    if (address === undefined || !isIPv6Address(address)) return `registry ${JSON.stringify(host)} is not a valid IPv6 address`;
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) {
      hostname = host.slice(0, colon);
      port = host.slice(colon + 1);
    }
    if (hostname.length === 0) return `registry ${JSON.stringify(host)} has no hostname`;
    const bad = hostname.split('.').find((component) => !DOMAIN_COMPONENT.test(component));
    if (bad !== undefined) {
      return `registry hostname ${JSON.stringify(hostname)} is invalid: labels are letters, digits and inner '-', separated by single dots`;
    }
  }
  if (port !== undefined) {
    const number = Number(port);
    if (!/^[1-9][0-9]{0,4}$/.test(port) || number > 65535) {
      return `invalid port ${JSON.stringify(port)} in registry ${JSON.stringify(host)}: must be a number from 1 to 65535`;
    }
  }
  return undefined;
}

function normalizeValidRegistry(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : lower;
}

/** Why `path` is not a valid repository path, or undefined when it is. */
function repositoryProblem(path: string): string | undefined {
  if (path.length === 0) return 'missing repository name';
  if (/[A-Z]/.test(path)) return `repository name must be lowercase (got ${JSON.stringify(path)})`;
  if (path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
    return `repository name ${JSON.stringify(path)} has an empty path component (leading, trailing or doubled '/')`;
  }
  const bad = path.split('/').find((component) => !PATH_COMPONENT.test(component));
  if (bad !== undefined) {
    return (
      `repository path component ${JSON.stringify(bad)} is invalid: components are lowercase letters and digits, ` +
      `joined by a single '.', a single or double '_', or dashes, and cannot start or end with a separator`
    );
  }
  if (path.length > NAME_MAX_LENGTH) return `repository name is ${path.length} characters; the limit is ${NAME_MAX_LENGTH}`;
  return undefined;
}

function tagProblem(tag: unknown): string | undefined {
  if (typeof tag !== 'string') return 'tag must be a string';
  if (tag.length === 0) return "empty tag after ':'";
  if (tag.length > TAG_MAX_LENGTH) return `tag is ${tag.length} characters; the limit is ${TAG_MAX_LENGTH}`;
  if (!TAG.test(tag)) {
    return `tag ${JSON.stringify(tag)} is invalid: tags are letters, digits, '_', '.' and '-', and cannot start with '.' or '-'`;
  }
  return undefined;
}

/** True for values created by {@link parseReference} (or derived from one). */
export function isReference(x: unknown): x is Reference {
  return x instanceof ParsedReference;
}

/**
 * Validates a repository path such as `library/alpine` (no registry, tag or digest) and returns it.
 * @throws {InvalidReferenceError}
 */
export function validateRepository(name: string): string {
  const reason = typeof name === 'string' ? repositoryProblem(name) : 'repository name must be a string';
  if (reason !== undefined) throw new InvalidReferenceError(String(name), reason);
  return name;
}

/**
 * Validates a tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) and returns it.
 * @throws {InvalidReferenceError}
 */
export function validateTag(tag: string): string {
  const reason = tagProblem(tag);
  if (reason !== undefined) throw new InvalidReferenceError(String(tag), reason);
  return tag;
}

/**
 * Validates a registry `host[:port]` and normalises it: the hostname is lowercased and Docker Hub's
 * aliases (`index.docker.io`, `registry-1.docker.io`) become `docker.io`. It takes no URL scheme or path.
 * @throws {InvalidReferenceError}
 */
export function normalizeRegistry(host: string): string {
  if (typeof host !== 'string') throw new InvalidReferenceError(String(host), 'registry must be a string');
  const reason = host.includes('://') ? 'a registry is host[:port], without a URL scheme' : registryProblem(host);
  if (reason !== undefined) throw new InvalidReferenceError(host, reason);
  return normalizeValidRegistry(host);
}

/**
 * The `host[:port]` that serves the registry API: `registry-1.docker.io` for Docker Hub,
 * else the normalised registry itself.
 * @throws {InvalidReferenceError} when `registry` is not a valid `host[:port]`.
 */
export function registryApiHost(registry: string): string {
  const normalized = normalizeRegistry(registry);
  return normalized === DOCKER_HUB ? DOCKER_HUB_API_HOST : normalized;
}
