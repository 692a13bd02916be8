import { ValidationError } from '../errors.js';
import { parseHtpasswd } from './auth/htpasswd.js';
import type { Accounts } from './auth/credentials.js';
import type { RegistryOptions } from './types.js';
import type { OAuth2ExchangeSettings } from './auth/oauth2-exchange.js';
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './upload-sessions.js';
import { resolveProfile, type ProfileSettings, type RegistryProfile } from './faults/profiles/index.js';

/** {@link RegistryOptions} checked, with defaults applied. */
export interface ResolvedOptions {
  port: number;
  host: string;
  dir: string | undefined;
  auth:
    | { kind: 'none' }
    | { kind: 'basic'; accounts: Accounts }
    | { kind: 'token'; credentials?: Accounts; service: string; lifetimeSeconds: number; oauth2Exchange?: OAuth2ExchangeSettings };
  maxManifestBytes: number;
  /** Most manifests per referrers answer; `Infinity` when unpaged. */
  referrersPageSize: number;
  maxUploadRequestBytes: number;
  uploadLimits: UploadLimits;
  log: (line: string) => void;
  profile?: { profile: RegistryProfile; settings: ProfileSettings };
}

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_TOKEN_SERVICE = 'multiplatform';
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;

/** Validates options, throwing {@link ValidationError} naming `caller` and the bad option. */
export function resolveOptions(options: RegistryOptions = {}, caller = 'startRegistry'): ResolvedOptions {
  const invalid = (message: string): never => {
    throw new ValidationError(`${caller}: ${message}`);
  };
  const { port = 0, host = '127.0.0.1', storage = 'memory', maxManifestBytes = DEFAULT_MAX_MANIFEST_BYTES, log } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) invalid(`port must be an integer from 0 to 65535, got ${String(port)}`);
  if (typeof host !== 'string' || host === '') invalid('host must be a non-empty string');
  let dir: string | undefined;
  if (storage !== 'memory') {
    if (typeof storage !== 'object' || storage === null || typeof storage.dir !== 'string' || storage.dir === '') {
      invalid("storage must be 'memory' or { dir: string }");
    }
    dir = storage.dir;
  }
  if (!Number.isSafeInteger(maxManifestBytes) || maxManifestBytes <= 0) {
    invalid(`maxManifestBytes must be a positive integer, got ${String(maxManifestBytes)}`);
  }
  const { referrersPageSize = Number.POSITIVE_INFINITY } = options;
  if (!(referrersPageSize === Number.POSITIVE_INFINITY || (Number.isSafeInteger(referrersPageSize) && referrersPageSize > 0))) {
    invalid(`referrersPageSize must be a positive integer, got ${String(referrersPageSize)}`);
  }
  const profile = options.profile === undefined ? undefined : resolveProfile(options.profile, caller);
  const { maxUploadRequestBytes = profile?.profile.maxUploadRequestBytes ?? Number.POSITIVE_INFINITY } = options;
  if (!(maxUploadRequestBytes === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxUploadRequestBytes) && maxUploadRequestBytes > 0))) {
    invalid(`maxUploadRequestBytes must be a positive integer, got ${String(maxUploadRequestBytes)}`);
  }
  if (log !== undefined && typeof log !== 'function') invalid('log must be a function');
  const uploadLimits = resolveUploadLimits(options.uploadSessions, invalid);
  const auth = resolveAuth(options.auth, invalid);
  const schemes = profile?.profile.authSchemes;
  if (schemes && auth.kind !== 'none' && !schemes.includes(auth.kind)) {
    invalid(`the ${profile.profile.name} profile answers ${schemes.join(' or ')} authentication only, not auth.${auth.kind}`);
  }
  const resolved: ResolvedOptions = { port, host, dir, auth, maxManifestBytes, referrersPageSize, maxUploadRequestBytes, uploadLimits, log: log ?? (() => {}) };
  return profile ? { ...resolved, profile } : resolved;
}

function resolveUploadLimits(limits: RegistryOptions['uploadSessions'], invalid: (message: string) => never): UploadLimits {
  if (limits === undefined) return DEFAULT_UPLOAD_LIMITS;
  if (typeof limits !== 'object' || limits === null) return invalid('uploadSessions must be an object');
  const {
    perRepository = DEFAULT_UPLOAD_LIMITS.perRepository,
    total = DEFAULT_UPLOAD_LIMITS.total,
    idleSeconds = DEFAULT_UPLOAD_LIMITS.idleMs / 1000,
  } = limits;
  if (!Number.isSafeInteger(perRepository) || perRepository <= 0) {
    invalid(`uploadSessions.perRepository must be a positive integer, got ${String(perRepository)}`);
  }
  if (!Number.isSafeInteger(total) || total <= 0) invalid(`uploadSessions.total must be a positive integer, got ${String(total)}`);
  if (typeof idleSeconds !== 'number' || !Number.isFinite(idleSeconds) || idleSeconds <= 0) {
    invalid(`uploadSessions.idleSeconds must be a positive number, got ${String(idleSeconds)}`);
  }
  return { perRepository, total, idleMs: idleSeconds * 1000 };
}

function resolveAuth(auth: RegistryOptions['auth'], invalid: (message: string) => never): ResolvedOptions['auth'] {
  if (auth === undefined) return { kind: 'none' };
  if (typeof auth !== 'object' || auth === null) return invalid('auth must be { basic: ... } or { token: ... }');
  if ('basic' in auth) {
    const basic: Record<string, unknown> = auth.basic ?? {};
    if (basic.htpasswd !== undefined) return { kind: 'basic', accounts: htpasswdAccounts(basic, 'auth.basic', invalid) };
    const { username, password } = basic;
    if (typeof username !== 'string' || username === '' || username.includes(':') || typeof password !== 'string') {
      invalid('auth.basic needs a username (non-empty, without ":") and a password, or htpasswd');
    }
    return { kind: 'basic', accounts: { username: username as string, password: password as string } };
  }
  if ('token' in auth) {
    const { username, password, service = DEFAULT_TOKEN_SERVICE, lifetimeSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS } = auth.token ?? {};
    const { oauth2Exchange } = auth.token ?? {};
    if (oauth2Exchange !== undefined && typeof oauth2Exchange?.acceptAccessToken !== 'function') {
      invalid('auth.token.oauth2Exchange needs an acceptAccessToken function');
    }
    const exchange = oauth2Exchange ? { oauth2Exchange } : {};
    if (auth.token?.htpasswd !== undefined) {
      const accounts = htpasswdAccounts(auth.token, 'auth.token', invalid);
      checkTokenSettings(service, lifetimeSeconds, invalid);
      return { kind: 'token', credentials: accounts, service, lifetimeSeconds, ...exchange };
    }
    if ((username === undefined) !== (password === undefined)) invalid('auth.token needs both username and password, or neither');
    if (username !== undefined && (typeof username !== 'string' || username === '' || username.includes(':'))) {
      invalid('auth.token.username must be a non-empty string without ":"');
    }
    if (password !== undefined && typeof password !== 'string') invalid('auth.token.password must be a string');
    checkTokenSettings(service, lifetimeSeconds, invalid);
    const credentials = username !== undefined && password !== undefined ? { username, password } : undefined;
    return {
      kind: 'token',
      ...(credentials ? { credentials } : {}),
      service,
      lifetimeSeconds,
      ...exchange,
    };
  }
  return invalid('auth must be { basic: { username, password } } or { token: { ... } }');
}

function checkTokenSettings(service: unknown, lifetimeSeconds: unknown, invalid: (message: string) => never): void {
  if (typeof service !== 'string' || service === '' || /["\\]/.test(service)) invalid('auth.token.service must be a non-empty string without quotes');
  if (typeof lifetimeSeconds !== 'number' || !Number.isFinite(lifetimeSeconds) || lifetimeSeconds <= 0) invalid('auth.token.lifetimeSeconds must be a positive number');
}

/** The accounts of `htpasswd` text, which excludes `username` and `password` beside it. */
function htpasswdAccounts(settings: Record<string, unknown>, where: string, invalid: (message: string) => never): Accounts {
  if (typeof settings.htpasswd !== 'string') return invalid(`${where}.htpasswd must be the text of an htpasswd file`);
  if (settings.username !== undefined || settings.password !== undefined) invalid(`${where} takes htpasswd or username and password, not both`);
  try {
    return parseHtpasswd(settings.htpasswd, `${where}.htpasswd`);
  } catch (error) {
    return invalid((error as Error).message);
  }
}
