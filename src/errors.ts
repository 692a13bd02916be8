/**
 * The error hierarchy of `multiplatform`. Every error thrown by the library is a
 * {@link MultiplatformError}; messages name the operation and the reference and never
 * carry a password, token or `Authorization` header (see {@link redact}).
 */

/** One entry of the distribution-spec `errors` array returned by a registry. */
export interface RegistryErrorDetail {
  /** The spec's error code, such as `MANIFEST_UNKNOWN` or `DENIED`. */
  code: string;
  message?: string;
  detail?: unknown;
}

/**
 * Where an error lists the kinds it is (its class and every base class up to
 * {@link MultiplatformError}). A registered symbol, so a guard recognises an error made by another
 * copy of this library: the ESM and CommonJS builds, the `multiplatform/registry` entry, a worker.
 */
const KINDS = Symbol.for('multiplatform.error.kinds');

/** Base class of every error this library throws. */
export class MultiplatformError extends Error {
  /** The kind a guard looks for; each subclass states its own, so bundlers renaming classes cannot change it. */
  static readonly kind: string = 'MultiplatformError';
  /** What was being done when it failed, e.g. `GET manifest 127.0.0.1:5000/app:1.0` (on errors that have one). */
  declare readonly operation?: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(redact(message), options);
    redactCauses(options?.cause);
    this.name = (new.target as { kind?: string }).kind ?? 'MultiplatformError';
  }

  /** @deprecated The former name of {@link MultiplatformError.operation}. */
  get what(): string | undefined {
    return this.operation;
  }

  /** The kinds this error is, most specific first, e.g. `['MissingChildrenError', 'ValidationError', 'MultiplatformError']`. */
  get [KINDS](): string[] {
    const kinds: string[] = [];
    for (let c = this.constructor as { kind?: string } | null; c && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'kind') && typeof c.kind === 'string') kinds.push(c.kind);
    }
    return kinds;
  }
}

/** True when `e` is an instance of `cls` made by this copy of the library, or carries its kind (made by another copy). */
function isKind(e: unknown, cls: { kind: string; prototype: object }): boolean {
  if (e instanceof (cls as unknown as abstract new () => object)) return true;
  if (typeof e !== 'object' || e === null) return false;
  const kinds: unknown = (e as { [KINDS]?: unknown })[KINDS];
  return Array.isArray(kinds) && kinds.includes(cls.kind);
}

/** A reference string (`registry/repo:tag@digest`) that does not follow the distribution grammar. */
export class InvalidReferenceError extends MultiplatformError {
  static override readonly kind: string = 'InvalidReferenceError';
  constructor(
    /** The offending input. */
    readonly input: string,
    /** Why it was rejected. */
    readonly reason: string,
  ) {
    super(`invalid reference ${JSON.stringify(input)}: ${reason}`);
  }
}

/** A digest string that is malformed or uses an unsupported algorithm. */
export class InvalidDigestError extends MultiplatformError {
  static override readonly kind: string = 'InvalidDigestError';
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`invalid digest ${JSON.stringify(input)}: ${reason}`);
  }
}

/** Content whose digest or size differs from what was expected. Nothing read is trusted. */
export class DigestMismatchError extends MultiplatformError {
  static override readonly kind: string = 'DigestMismatchError';
  constructor(
    /** What was being read or written, e.g. `GET blob 127.0.0.1:5000/app@sha256:…`. */
    override readonly operation: string,
    readonly expected: { digest?: string; size?: number },
    readonly actual: { digest?: string; size?: number },
  ) {
    const parts: string[] = [];
    if (expected.digest !== undefined && actual.digest !== undefined && expected.digest !== actual.digest) {
      parts.push(`expected digest ${expected.digest}, got ${actual.digest}`);
    }
    if (expected.size !== undefined && actual.size !== undefined && expected.size !== actual.size) {
      parts.push(`expected ${expected.size} bytes, got ${actual.size}`);
    }
    super(`${operation}: content does not match its descriptor (${parts.join('; ') || 'mismatch'})`);
  }
}

/** A document that failed schema validation, or that contradicts itself (e.g. both `manifests` and `layers`). */
export class SchemaError extends MultiplatformError {
  static override readonly kind: string = 'SchemaError';
  constructor(
    /** What was being parsed or checked. */
    override readonly operation: string,
    readonly problems: string[],
  ) {
    super(`${operation}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
  }
}

/** A manifest media type this library cannot handle, such as Docker schema1. */
export class UnsupportedMediaTypeError extends MultiplatformError {
  static override readonly kind: string = 'UnsupportedMediaTypeError';
  constructor(
    /** What was being read or written. */
    override readonly operation: string,
    readonly mediaType: string,
    hint = '',
  ) {
    super(`${operation}: unsupported media type ${JSON.stringify(mediaType)}${hint ? ` (${hint})` : ''}`);
  }
}

/** A response body larger than the configured cap. */
export class SizeLimitError extends MultiplatformError {
  static override readonly kind: string = 'SizeLimitError';
  constructor(
    /** What was being read. */
    override readonly operation: string,
    readonly limit: number,
  ) {
    super(`${operation}: response exceeds the ${limit}-byte limit`);
  }
}

/** An HTTP error answered by the registry, with the spec's error codes when the body carried them. */
export class RegistryError extends MultiplatformError {
  static override readonly kind: string = 'RegistryError';
  /** The spec's error codes in the body, in order (e.g. `['MANIFEST_UNKNOWN']`). */
  readonly codes: string[];
  /** The body's `errors` entries, with every string in them (codes, messages, details) redacted. */
  readonly errors: RegistryErrorDetail[];
  constructor(
    /** What was being done, e.g. `GET manifest 127.0.0.1:5000/app:1.0`. */
    override readonly operation: string,
    readonly status: number,
    errors: RegistryErrorDetail[] = [],
    options?: { cause?: unknown; retryAfterMs?: number; hint?: string; rateLimit?: RegistryRateLimit },
  ) {
    const redacted = redactValue(errors) as RegistryErrorDetail[];
    const summary = redacted.length ? redacted.map(describeErrorEntry).join('; ') : `HTTP ${status}`;
    super(`${operation} failed with HTTP ${status}: ${summary}${options?.hint ? ` (${options.hint})` : ''}`, options);
    this.errors = redacted;
    this.codes = redacted.map((e) => e.code);
    this.retryAfterMs = options?.retryAfterMs;
    this.rateLimit = options?.rateLimit;
    this.hint = options?.hint;
  }
  /** The wait the registry asked for with `Retry-After` (or, as GHCR does, in the message of a 429), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The pull quota the registry reported (`ratelimit-limit`/`ratelimit-remaining`, as Docker Hub sends). */
  readonly rateLimit: RegistryRateLimit | undefined;
  /** What this library adds to the registry's words: what it means or what to do (also at the end of the message). */
  readonly hint: string | undefined;
  /** True when the registry reported `code` (e.g. `BLOB_UNKNOWN`). */
  hasCode(code: string): boolean {
    return this.codes.includes(code);
  }
}

const MAX_DETAIL_CHARS = 300;

/** `CODE: message [detail]`; the detail shown only when it says something (not `{}`, `[]`, `""` or `null`). */
function describeErrorEntry(entry: RegistryErrorDetail): string {
  const head = entry.message ? `${entry.code}: ${entry.message}` : entry.code;
  const detail = detailText(entry.detail);
  return detail ? `${head} [detail: ${detail}]` : head;
}

function detailText(detail: unknown): string | undefined {
  if (detail === undefined || detail === null) return undefined;
  let text: string | undefined;
  try {
    text = typeof detail === 'string' ? detail : JSON.stringify(detail);
  } catch {
    return undefined;
  }
  if (text === undefined || text === '' || text === '{}' || text === '[]' || text === '""') return undefined;
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
}

/** A registry's request quota, from `ratelimit-limit: 100;w=21600` and `ratelimit-remaining: 76;w=21600`. */
export interface RegistryRateLimit {
  /** Requests allowed per window. */
  limit: number;
  /** Requests left in the current window, when the registry said. */
  remaining?: number;
  /** Length of the window in seconds, when the registry said (`w=`). */
  windowSeconds?: number;
}

/** Where credentials for a registry came from. */
export type CredentialSource =
  | 'anonymous'
  | 'options'
  | 'docker-config'
  | 'credential-helper'
  | 'identity-token'
  | 'cloud';

/** Authentication failed: wrong credentials, a token server that refused, or a repeated challenge. */
export class AuthError extends MultiplatformError {
  static override readonly kind: string = 'AuthError';
  constructor(
    override readonly operation: string,
    readonly registry: string,
    /** Which credential source was used (never the secret itself). */
    readonly source: CredentialSource,
    reason: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(`${operation}: authentication to ${registry} failed using ${describeSource(source)}: ${reason}`, options);
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

function describeSource(source: CredentialSource): string {
  switch (source) {
    case 'anonymous':
      return 'no credentials (anonymous)';
    case 'options':
      return 'credentials passed in options';
    case 'docker-config':
      return 'credentials from Docker config.json';
    case 'credential-helper':
      return 'a Docker credential helper';
    case 'identity-token':
      return 'an identity token';
    case 'cloud':
      return "credentials from the cloud's identity (AWS, Google Cloud or Azure SDK)";
  }
}

/** Reading Docker's config.json or running a credential helper failed. */
export class CredentialsError extends MultiplatformError {
  static override readonly kind: string = 'CredentialsError';
}

/** The registry could not be reached (DNS, refused connection, reset, TLS), after any retries. */
export class NetworkError extends MultiplatformError {
  static override readonly kind: string = 'NetworkError';
  /** The system or undici error code, such as `ECONNREFUSED` or `UND_ERR_SOCKET`. */
  readonly code: string | undefined;
  constructor(
    override readonly operation: string,
    reason: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(`${operation}: ${reason}`, options);
    this.code = options?.code;
  }
}

/** The operation was cancelled through its `AbortSignal`, or a timeout expired. */
export class AbortError extends MultiplatformError {
  static override readonly kind: string = 'AbortError';
}

/**
 * An operation ran past its deadline (the client's or the call's `timeoutMs`): an {@link AbortError},
 * since the operation was cancelled the same way, with the step that was running and the deadline.
 */
export class TimeoutError extends AbortError {
  static override readonly kind: string = 'TimeoutError';
  constructor(
    /** The step that was running, e.g. `GET manifest 127.0.0.1:5000/app:1.0`, or the call itself. */
    override readonly operation: string,
    /** The deadline, in milliseconds. */
    readonly timeoutMs: number,
    /** The client call the deadline belongs to, e.g. `getManifest 127.0.0.1:5000/app:1.0`. */
    readonly call: string = operation,
  ) {
    super(`${operation}: the ${formatDeadline(timeoutMs)} deadline${call === operation ? '' : ` of ${call}`} passed (timeoutMs)`);
  }
}

function formatDeadline(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** A request the client refuses to make for safety (https→http downgrade, plain HTTP to a secure registry, too many redirects). */
export class UnsafeRequestError extends MultiplatformError {
  static override readonly kind: string = 'UnsafeRequestError';
}

/** Invalid input to a library call that is not a reference or digest (spec, option, platform). */
export class ValidationError extends MultiplatformError {
  static override readonly kind: string = 'ValidationError';
}

/**
 * Some children of a manifest-list spec do not exist (HTTP 404, `MANIFEST_UNKNOWN`,
 * `NAME_UNKNOWN`). Thrown before anything is written, listing every missing reference; with
 * `ignoreMissing` only when all of them are missing. A {@link ValidationError}, so callers that
 * treat bad input alike need no extra case.
 */
export class MissingChildrenError extends ValidationError {
  static override readonly kind: string = 'MissingChildrenError';
  constructor(
    /** Every missing child reference, as the spec wrote it, in spec order. */
    readonly missing: string[],
    /** How many children the spec has. */
    readonly total: number,
  ) {
    const list = missing.join(', ');
    let message: string;
    if (total === 1) message = `the child image was not found: ${list}`;
    else if (missing.length === total) message = `none of the ${total} child images was found: ${list}`;
    else message = `${missing.length} of ${total} child images ${missing.length === 1 ? 'was' : 'were'} not found: ${list} (pass ignoreMissing to push the list without them)`;
    super(message);
  }
}

/**
 * A copy whose target names a digest (`registry/repo@sha256:…`) other than the digest of the manifest
 * the copy would write there. Thrown before anything is written. A {@link ValidationError}.
 */
export class TargetDigestMismatchError extends ValidationError {
  static override readonly kind: string = 'TargetDigestMismatchError';
  constructor(
    /** The target as the caller named it, digest included. */
    readonly target: string,
    /** The digest the target names. */
    readonly expected: string,
    /** The digest of the manifest the copy would write (the source's, or its rewrite with `platforms`/`unwrap`). */
    readonly actual: string,
  ) {
    super(`target ${target}: names digest ${expected}, but the manifest to copy has digest ${actual}; name the source's digest in the target, or none`);
  }
}

export const isMultiplatformError = (e: unknown): e is MultiplatformError => isKind(e, MultiplatformError);
export const isInvalidReferenceError = (e: unknown): e is InvalidReferenceError => isKind(e, InvalidReferenceError);
export const isInvalidDigestError = (e: unknown): e is InvalidDigestError => isKind(e, InvalidDigestError);
export const isDigestMismatchError = (e: unknown): e is DigestMismatchError => isKind(e, DigestMismatchError);
export const isSchemaError = (e: unknown): e is SchemaError => isKind(e, SchemaError);
export const isRegistryError = (e: unknown): e is RegistryError => isKind(e, RegistryError);
export const isAuthError = (e: unknown): e is AuthError => isKind(e, AuthError);
export const isNetworkError = (e: unknown): e is NetworkError => isKind(e, NetworkError);
export const isAbortError = (e: unknown): e is AbortError => isKind(e, AbortError);
export const isTimeoutError = (e: unknown): e is TimeoutError => isKind(e, TimeoutError);
export const isValidationError = (e: unknown): e is ValidationError => isKind(e, ValidationError);
export const isMissingChildrenError = (e: unknown): e is MissingChildrenError => isKind(e, MissingChildrenError);
export const isTargetDigestMismatchError = (e: unknown): e is TargetDigestMismatchError => isKind(e, TargetDigestMismatchError);

/** True when the registry answered with status 404 or one of the `*_UNKNOWN` codes. */
export function isNotFound(e: unknown): e is RegistryError {
  return (
    isRegistryError(e) &&
    (e.status === 404 || e.codes.some((c) => c === 'MANIFEST_UNKNOWN' || c === 'BLOB_UNKNOWN' || c === 'NAME_UNKNOWN'))
  );
}

/**
 * True for the answers a registry gives about content it has not made visible yet: 404,
 * `MANIFEST_BLOB_UNKNOWN`, `BLOB_UNKNOWN` or `MANIFEST_UNKNOWN`. What
 * `RegistryClient.withConsistencyRetry` retries by default.
 */
export function isNotYetVisible(e: unknown): e is RegistryError {
  return isRegistryError(e) && (e.status === 404 || ['MANIFEST_BLOB_UNKNOWN', 'BLOB_UNKNOWN', 'MANIFEST_UNKNOWN'].some((code) => e.hasCode(code)));
}

const REDACTIONS: Array<[RegExp, string]> = [
  // Authorization header values. Prose such as "Basic auth" survives: a credential has a digit or
  // symbol, mixed case, or at least 16 letters. A challenge's auth-params (`Bearer realm="…",service=…`)
  // are no credential: a value starting with one of the challenge parameter names of RFC 6750 / 7617 and
  // the registry token spec is left for the rules below (which still remove secrets from the realm's query).
  [
    /\b([Bb]earer|[Bb]asic|BEARER|BASIC)\s+(?!(?:realm|service|scope|error|error_description|error_uri|charset)=)(?:(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{4,}|(?=[a-z]*[A-Z])[A-Za-z]{4,}|[A-Za-z]{16,})/g,
    '$1 [REDACTED]',
  ],
  // userinfo in URLs
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, '$1[REDACTED]@'],
  // JWT-looking strings
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[REDACTED]'],
  // secrets in query strings and form bodies
  [
    /([?&](?:password|refresh_token|access_token|token|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|sig|se|sv|sp|Expires|GoogleAccessId|X-Goog-Signature|X-Goog-Credential|verify|Key-Pair-Id|Policy)=)[^&\s"']*/gi,
    '$1[REDACTED]',
  ],
  // JSON fields that carry secrets
  [/("(?:password|token|access_token|refresh_token|identitytoken|auth|secret)"\s*:\s*")[^"]*"/gi, '$1[REDACTED]"'],
];

/** Configured credentials, with the forms they are searched for: few, and never forgotten. */
const knownCredentials = new Map<string, string[]>();
/** Tokens a long-running process keeps receiving: the oldest are forgotten past the cap. */
const knownTokens = new Map<string, string[]>();
const MAX_KNOWN_TOKENS = 1024;

/**
 * The forms a secret takes in text: as it is, escaped inside a JSON string (a `"`, `\` or control
 * character changes it there) and percent-encoded in a URL or form body. Longest first, so that a
 * form containing another is replaced whole.
 */
function secretForms(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Registers a secret so that {@link redact} removes it from any text, whatever form it appears in.
 * Credentials (passwords, identity tokens) are kept for the life of the process; short-lived
 * tokens (`kind: 'token'`) are capped, the oldest forgotten first. Secrets shorter than 4
 * characters are not tracked.
 * @internal
 */
export function rememberSecret(secret: string | undefined, kind: 'credential' | 'token' = 'credential'): void {
  if (!secret || secret.length < 4) return;
  if (kind === 'credential') {
    if (!knownCredentials.has(secret)) knownCredentials.set(secret, secretForms(secret));
    return;
  }
  if (knownTokens.size >= MAX_KNOWN_TOKENS && !knownTokens.has(secret)) {
    const oldest = knownTokens.keys().next().value;
    if (oldest !== undefined) knownTokens.delete(oldest);
  }
  knownTokens.set(secret, secretForms(secret));
}

/** Removes credentials, tokens, URL userinfo and signed query parameters from text meant for people. */
export function redact(text: string): string {
  let out = text;
  for (const secrets of [knownCredentials, knownTokens]) {
    for (const forms of secrets.values()) {
      for (const form of forms) if (out.includes(form)) out = out.split(form).join('[REDACTED]');
    }
  }
  for (const [pattern, replacement] of REDACTIONS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_REDACT_DEPTH = 32;

/**
 * A copy of a structured value (such as a registry error's `detail`) with {@link redact} applied to
 * every string in it, keys included. Redacting the value rather than its JSON text matters: a
 * secret with a `"` or `\\` in it no longer matches once serialised. Past 32 levels, or on a cycle,
 * the rest is replaced by a placeholder.
 */
export function redactValue(value: unknown): unknown {
  const walk = (v: unknown, depth: number, seen: Set<object>): unknown => {
    if (typeof v === 'string') return redact(v);
    if (typeof v !== 'object' || v === null) return v;
    if (depth >= MAX_REDACT_DEPTH || seen.has(v)) return '[REDACTED: too deep]';
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1, seen));
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) out[redact(key)] = walk(item, depth + 1, seen);
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0, new Set());
}

/**
 * Redacts, in place, the message and stack of an error's causes (what undici, a socket or a parser
 * threw), so that printing the whole chain (`console.error`, `util.inspect`) shows no secret either.
 */
function redactCauses(cause: unknown): void {
  for (let c = cause, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    if (isKind(c, MultiplatformError)) return;
    try {
      const message = redact(c.message);
      if (message !== c.message) c.message = message;
      if (c.stack !== undefined) {
        const stack = redact(c.stack);
        if (stack !== c.stack) c.stack = stack;
      }
    } catch {
      // A frozen error keeps its text; it is still only reachable through this error's cause.
    }
  }
}
