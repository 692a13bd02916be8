/**
 * {@link CredentialStore}: finds the credentials for a registry the way Docker tools do —
 * explicit options first, then Docker's config.json (`credHelpers`, `credsStore`, `auths`), then,
 * for a cloud registry, the cloud's own identity.
 */
import { ValidationError, rememberSecret } from '../errors.js';
import { loadDockerConfig, locateDockerConfig, parseDockerConfig, type DockerAuthEntry, type DockerConfigFile } from './docker-config.js';
import { helperSetting, runCredentialHelper } from './helper.js';
import { cloudCredential, cloudRegistryOf, type RegistryFormPost } from './cloud/index.js';
import { bestMatch, helperServerUrl, normaliseRegistryHost } from './hosts.js';
import type { Credential, CredentialStoreOptions, ResolvedCredential } from './types.js';

const DEFAULT_HELPER_TIMEOUT_MS = 30_000;
/** The environment variable that holds a whole config.json. */
const DOCKER_AUTH_CONFIG = 'DOCKER_AUTH_CONFIG';
const CREDENTIAL_FIELDS = ['username', 'password', 'identityToken', 'registryToken'] as const;
/** Cloud credentials are fetched again this long before they expire. */
const CLOUD_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Resolves registry credentials, in this order: the `credentials` option; then Docker's
 * config.json: `credHelpers[host]`, else `credsStore`, and when the helper has nothing,
 * the `auths` entry; then `DOCKER_AUTH_CONFIG`; then, for an Amazon ECR, Google Artifact
 * Registry / Container Registry or Azure Container Registry host, that cloud's SDK (unless
 * `cloudCredentials` is false). Every secret found is registered with `rememberSecret` so that no
 * error message shows it.
 */
export class CredentialStore {
  readonly #explicit: Map<string, Credential>;
  readonly #dockerConfigOption: string | false | undefined;
  readonly #env: Record<string, string | undefined>;
  readonly #helperTimeoutMs: number;
  readonly #cloudCredentials: boolean;
  readonly #postForm: RegistryFormPost | undefined;
  readonly #onCloudFailure: ((registry: string, error: Error) => void) | undefined;
  readonly #cloudFailures = new Map<string, Error>();
  readonly #results = new Map<string, Promise<ResolvedCredential | undefined>>();
  /** When a cached cloud credential stops being served (epoch ms), by host. */
  readonly #expiry = new Map<string, number>();
  #config: Promise<DockerConfigFile | undefined> | undefined;

  /** @throws ValidationError when an option is malformed (the message names the key, never the secret). */
  constructor(options: CredentialStoreOptions = {}) {
    this.#explicit = normaliseExplicitCredentials(options.credentials);
    const { dockerConfig, helperTimeoutMs, cloudCredentials, postForm, onCloudFailure } = options;
    if (onCloudFailure !== undefined && typeof onCloudFailure !== 'function') throw new ValidationError('onCloudFailure must be a function');
    this.#onCloudFailure = onCloudFailure;
    if (cloudCredentials !== undefined && typeof cloudCredentials !== 'boolean') {
      throw new ValidationError('cloudCredentials must be true or false');
    }
    if (postForm !== undefined && typeof postForm !== 'function') throw new ValidationError('postForm must be a function');
    this.#cloudCredentials = cloudCredentials ?? true;
    this.#postForm = postForm;
    if (dockerConfig !== undefined && dockerConfig !== false && (typeof dockerConfig !== 'string' || dockerConfig === '')) {
      throw new ValidationError('dockerConfig must be a path to a Docker config directory or config.json, or false');
    }
    if (helperTimeoutMs !== undefined && !(Number.isFinite(helperTimeoutMs) && helperTimeoutMs > 0)) {
      throw new ValidationError(`helperTimeoutMs must be a positive number of milliseconds, got ${String(helperTimeoutMs)}`);
    }
    this.#dockerConfigOption = dockerConfig;
    this.#env = options.env ?? process.env;
    this.#helperTimeoutMs = helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
  }

  /**
   * Credentials for a registry (host as in references: `'docker.io'` for Docker Hub;
   * aliases such as `index.docker.io` are accepted), or undefined for anonymous access.
   * Results, including "none", are cached per registry for the life of the store;
   * failures are not, so a later call tries again.
   * @throws ValidationError for an empty registry name; CredentialsError for a malformed
   * config.json or a credential helper that is missing, fails or hangs.
   */
  resolve(registry: string): Promise<ResolvedCredential | undefined> {
    const host = typeof registry === 'string' ? normaliseRegistryHost(registry) : '';
    if (host === '' || /\s/.test(host)) {
      return Promise.reject(
        new ValidationError(`registry must be a host such as "ghcr.io" or "localhost:5000", got ${JSON.stringify(registry)}`),
      );
    }
    const expiresAt = this.#expiry.get(host);
    if (expiresAt !== undefined && Date.now() >= expiresAt) {
      this.#expiry.delete(host);
      this.#results.delete(host);
    }
    const cached = this.#results.get(host);
    if (cached) return cached;
    const result = this.#lookUp(host);
    this.#results.set(host, result);
    result.catch(() => this.#results.delete(host));
    return result;
  }

  /** Why the cloud's identity gave nothing for `registry`, when it was asked (with `onCloudFailure`) and failed. */
  cloudFailure(registry: string): Error | undefined {
    return this.#cloudFailures.get(normaliseRegistryHost(registry));
  }

  async #lookUp(host: string): Promise<ResolvedCredential | undefined> {
    const explicit = this.#explicit.get(host);
    if (explicit) return Object.freeze({ ...explicit, source: 'options' as const });

    const fromDocker = this.#dockerConfigOption === false ? undefined : await this.#lookUpInDockerConfig(host);
    return fromDocker ?? (this.#cloudCredentials ? this.#lookUpInCloud(host) : undefined);
  }

  async #lookUpInDockerConfig(host: string): Promise<ResolvedCredential | undefined> {
    const config = await this.#loadConfig();
    const fromFile = config ? await this.#lookUpInConfig(config, host) : undefined;
    return fromFile ?? this.#lookUpInEnvironment(host);
  }

  /** The cloud's own identity, for a cloud registry host that nothing else had credentials for. */
  async #lookUpInCloud(host: string): Promise<ResolvedCredential | undefined> {
    const found = await cloudCredential(host, { postForm: this.#postForm, timeoutMs: this.#helperTimeoutMs }).catch((error: unknown) => {
      // Google's and Azure's registries also serve public images to anonymous callers: with
      // `onCloudFailure`, a failed (or impossible) cloud lookup is reported there and the request goes
      // on anonymously. ECR has no anonymous access, so its failure stays the answer.
      if (this.#onCloudFailure === undefined || cloudRegistryOf(host)?.cloud === 'ecr') throw error;
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#cloudFailures.set(host, failure);
      this.#onCloudFailure(host, failure);
      return undefined;
    });
    if (!found) return undefined;
    const { expiresAt, ...credential } = found;
    this.#expiry.set(host, expiresAt - Math.min(CLOUD_REFRESH_MARGIN_MS, (expiresAt - Date.now()) / 2));
    return Object.freeze({ ...credential, source: 'cloud' as const });
  }

  /**
   * `DOCKER_AUTH_CONFIG` (a whole config.json in the environment, as GitLab CI provides) comes
   * after config.json, so that a `login` made in the job wins over the variable. Only its
   * `auths` are used: a helper named by an environment variable is never run.
   */
  #lookUpInEnvironment(host: string): ResolvedCredential | undefined {
    const text = this.#env[DOCKER_AUTH_CONFIG];
    if (text === undefined || text.trim() === '') return undefined;
    const config = parseDockerConfig(text, `$${DOCKER_AUTH_CONFIG}`);
    return this.#authsEntry(config, host);
  }

  async #lookUpInConfig(config: DockerConfigFile, host: string): Promise<ResolvedCredential | undefined> {
    const helperEntry = bestMatch(config.credHelpers, host);
    const helper = helperEntry ? helperEntry.helper : config.credsStore;
    if (helper) {
      const configuredIn = helperSetting(helperEntry, config.path);
      const answer = await runCredentialHelper({
        helper,
        serverUrl: helperServerUrl(host),
        registry: host,
        configuredIn,
        env: this.#env,
        timeoutMs: this.#helperTimeoutMs,
      });
      if (answer) return Object.freeze({ ...answer, source: 'credential-helper' as const, helper, configPath: config.path });
    }

    return this.#authsEntry(config, host);
  }

  #authsEntry(config: DockerConfigFile, host: string): ResolvedCredential | undefined {
    const entry = bestMatch(config.auths.filter(hasSecret), host);
    if (!entry) return undefined;
    const { key: _key, ...credential } = entry;
    return Object.freeze({ ...credential, source: 'docker-config' as const, configPath: config.path });
  }

  #loadConfig(): Promise<DockerConfigFile | undefined> {
    if (!this.#config) {
      const loading = locateDockerConfig(this.#dockerConfigOption, this.#env).then((path) =>
        path === undefined ? undefined : loadDockerConfig(path),
      );
      loading.catch(() => {
        if (this.#config === loading) this.#config = undefined;
      });
      this.#config = loading;
    }
    return this.#config;
  }
}

function hasSecret(entry: DockerAuthEntry): boolean {
  return Boolean(entry.password || entry.identityToken || entry.registryToken);
}

function normaliseExplicitCredentials(credentials: Record<string, Credential> | undefined): Map<string, Credential> {
  const byHost = new Map<string, Credential>();
  const keyOf = new Map<string, string>();
  if (credentials === undefined) return byHost;
  if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials)) {
    throw new ValidationError('credentials must be an object keyed by registry host, e.g. { "ghcr.io": { username, password } }');
  }
  for (const [key, value] of Object.entries(credentials)) {
    const where = `credentials[${JSON.stringify(key)}]`;
    const host = normaliseRegistryHost(key);
    if (host === '') throw new ValidationError(`${where}: the key must be a registry host such as "ghcr.io"`);
    const earlier = keyOf.get(host);
    if (earlier !== undefined) {
      throw new ValidationError(`${where}: ${JSON.stringify(earlier)} and ${JSON.stringify(key)} both name ${host}; keep one`);
    }
    byHost.set(host, checkCredential(value, where));
    keyOf.set(host, key);
  }
  return byHost;
}

function checkCredential(value: unknown, where: string): Credential {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`${where} must be an object such as { username, password }`);
  }
  const record = value as Record<string, unknown>;
  const credential: Credential = {};
  for (const field of CREDENTIAL_FIELDS) {
    const fieldValue = record[field];
    if (fieldValue === undefined) continue;
    if (typeof fieldValue !== 'string') throw new ValidationError(`${where}.${field} must be a string`);
    if (fieldValue !== '') credential[field] = fieldValue;
  }
  rememberSecret(credential.password);
  rememberSecret(credential.identityToken);
  rememberSecret(credential.registryToken);
  if (!credential.password && !credential.identityToken && !credential.registryToken) {
    throw new ValidationError(`${where} has no password, identityToken or registryToken`);
  }
  if (credential.password && !credential.username) {
    throw new ValidationError(`${where} has a password but no username`);
  }
  return credential;
}
