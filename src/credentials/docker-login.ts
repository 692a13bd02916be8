/**
 * What `docker login` and `docker logout` do to Docker's configuration: credentials go to the
 * configured credential helper (`credHelpers`, else `credsStore`) or, without one, into `auths`
 * as base64 `auth`. Every other key of config.json is kept as it was.
 */
import { CredentialsError, ValidationError, rememberSecret } from '../errors.js';
import { readConfigFileText, writeConfigFileText, type ConfigFileText } from './config-file-write.js';
import { locateDockerConfig, parseDockerConfig, type DockerConfigFile } from './docker-config.js';
import { eraseWithCredentialHelper, helperSetting, storeWithCredentialHelper, type HelperRun } from './helper.js';
import { bestMatch, configKeyMatches, helperServerUrl, normaliseRegistryHost } from './hosts.js';

const DEFAULT_HELPER_TIMEOUT_MS = 30_000;

/** Where a login is kept, and for which registry. */
export interface DockerLoginOptions {
  /** The registry as `docker login` takes it: `ghcr.io`, `localhost:5000`, `https://ghcr.io`, `docker.io`. */
  registry: string;
  /** A Docker config directory or config.json path; default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  dockerConfig?: string;
  /** Environment for `DOCKER_CONFIG`, `HOME` and `PATH`, and to run helpers with (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Timeout for a credential helper, in milliseconds (default 30 000). */
  helperTimeoutMs?: number;
}

/** Options of {@link saveDockerLogin}. */
export interface SaveDockerLoginOptions extends DockerLoginOptions {
  username: string;
  /** Password or token; never written anywhere but the helper or config.json. */
  password: string;
}

/** Where a login was saved or removed. */
export interface DockerLoginResult {
  /** The registry as references name it (`docker.io`, `ghcr.io`). */
  registry: string;
  /** The config.json `auths` key and the helper's server URL: `https://index.docker.io/v1/` for Docker Hub, else the host. */
  key: string;
  /** The config.json that was read (and written, when it changed). */
  configPath: string;
  /** The credential helper that holds (or held) the credentials, e.g. `pass`; absent when they are in config.json. */
  helper?: string;
}

/** What {@link removeDockerLogin} found to remove. */
export interface RemoveDockerLoginResult extends DockerLoginResult {
  /** False when neither the helper nor config.json held anything for the registry. */
  removed: boolean;
}

interface LoadedConfig {
  file: ConfigFileText;
  /** The whole document, every key in its order. */
  document: Record<string, unknown>;
  settings: DockerConfigFile;
}

/**
 * Saves credentials the way `docker login` does: into the credential helper configured for the
 * registry, leaving an empty `auths` entry as Docker does, or else as `auths[key].auth`. The
 * file is rewritten atomically with its other keys kept; a new file is created with mode 0600.
 * Verify the credentials first (`RegistryClient.checkLogin`): nothing here talks to the registry.
 * @throws {ValidationError} for a missing or malformed option; {@link CredentialsError} when
 *   config.json is malformed or cannot be written, or the helper fails (then nothing is written).
 */
export async function saveDockerLogin(options: SaveDockerLoginOptions): Promise<DockerLoginResult> {
  const checked = checkOptions('saveDockerLogin', options);
  const { username, password } = options;
  if (typeof username !== 'string' || username === '' || username.includes(':')) {
    throw new ValidationError('saveDockerLogin: username must be a non-empty string without ":"');
  }
  if (typeof password !== 'string' || password === '') throw new ValidationError('saveDockerLogin: password must be a non-empty string');
  rememberSecret(password);

  const config = await loadForRewrite(checked);
  const result = locate(checked, config);
  const auths = authsOf(config);
  if (result.helper) {
    await storeWithCredentialHelper(helperRun(checked, config, result.helper), username, password);
    auths[result.key] = {};
  } else {
    auths[result.key] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
  }
  config.document['auths'] = auths;
  await writeConfigFileText(config.file, JSON.stringify(config.document, null, '\t'));
  return result;
}

/**
 * Removes a registry's credentials the way `docker logout` does: erases them from the configured
 * helper, and drops every `auths` entry whose key names the registry (`ghcr.io`, `https://ghcr.io`, …).
 * The file is only rewritten when something was dropped.
 * @throws {ValidationError} for a malformed option; {@link CredentialsError} when config.json is
 *   malformed or cannot be written, or the helper fails.
 */
export async function removeDockerLogin(options: DockerLoginOptions): Promise<RemoveDockerLoginResult> {
  const checked = checkOptions('removeDockerLogin', options);
  const config = await loadForRewrite(checked);
  const result = locate(checked, config);
  const erased = result.helper ? await eraseWithCredentialHelper(helperRun(checked, config, result.helper)) : false;
  const auths = authsOf(config);
  const dropped = Object.keys(auths).filter((key) => configKeyMatches(key, result.registry));
  if (dropped.length > 0) {
    for (const key of dropped) delete auths[key];
    config.document['auths'] = auths;
    await writeConfigFileText(config.file, JSON.stringify(config.document, null, '\t'));
  }
  return { ...result, removed: erased || dropped.some((key) => hadCredentials(config, key)) };
}

interface CheckedOptions {
  method: string;
  registry: string;
  dockerConfig: string | undefined;
  env: Record<string, string | undefined>;
  helperTimeoutMs: number;
}

function checkOptions(method: string, options: DockerLoginOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) throw new ValidationError(`${method}: options must be an object with a registry`);
  const { registry, dockerConfig, env, helperTimeoutMs } = options;
  const host = typeof registry === 'string' ? normaliseRegistryHost(registry) : '';
  if (host === '' || /[\s@]/.test(host)) {
    throw new ValidationError(`${method}: registry must be a host such as "ghcr.io" or "localhost:5000", got ${JSON.stringify(registry)}`);
  }
  if (dockerConfig !== undefined && (typeof dockerConfig !== 'string' || dockerConfig === '')) {
    throw new ValidationError(`${method}: dockerConfig must be a path to a Docker config directory or config.json`);
  }
  if (env !== undefined && (typeof env !== 'object' || env === null)) throw new ValidationError(`${method}: env must be an object`);
  if (helperTimeoutMs !== undefined && !(Number.isFinite(helperTimeoutMs) && helperTimeoutMs > 0)) {
    throw new ValidationError(`${method}: helperTimeoutMs must be a positive number of milliseconds, got ${String(helperTimeoutMs)}`);
  }
  return { method, registry: host, dockerConfig, env: env ?? process.env, helperTimeoutMs: helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS };
}

async function loadForRewrite(options: CheckedOptions): Promise<LoadedConfig> {
  const path = await locateDockerConfig(options.dockerConfig, options.env);
  if (path === undefined) {
    throw new CredentialsError(`${options.method}: no place for Docker's config.json: set DOCKER_CONFIG or HOME, or pass dockerConfig`);
  }
  const file = await readConfigFileText(path);
  // Checked as the reader checks it, so a file that cannot be understood is never overwritten.
  const settings = parseDockerConfig(file.text ?? '', path);
  const body = (file.text ?? '').replace(/^\uFEFF/, '');
  const document = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
  return { file, document, settings };
}

function locate(options: CheckedOptions, config: LoadedConfig): DockerLoginResult {
  const key = helperServerUrl(options.registry);
  const helperEntry = bestMatch(config.settings.credHelpers, options.registry);
  // An empty credHelpers value means "no helper for this registry", as in Docker.
  const helper = helperEntry ? helperEntry.helper : config.settings.credsStore;
  return { registry: options.registry, key, configPath: config.file.path, ...(helper ? { helper } : {}) };
}

function helperRun(options: CheckedOptions, config: LoadedConfig, helper: string): HelperRun {
  const configuredIn = helperSetting(bestMatch(config.settings.credHelpers, options.registry), config.file.path);
  return { helper, serverUrl: helperServerUrl(options.registry), registry: options.registry, configuredIn, env: options.env, timeoutMs: options.helperTimeoutMs };
}

/** The `auths` object of the document (a copy, so the document changes only when it is assigned). */
function authsOf(config: LoadedConfig): Record<string, unknown> {
  const auths = config.document['auths'];
  return typeof auths === 'object' && auths !== null ? { ...(auths as Record<string, unknown>) } : {};
}

function hadCredentials(config: LoadedConfig, key: string): boolean {
  const entry = config.settings.auths.find((e) => e.key === key);
  return Boolean(entry && (entry.password || entry.identityToken || entry.registryToken));
}
