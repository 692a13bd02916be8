import type { CredentialSource } from '../errors.js';
import type { CloudName, RegistryFormPost } from './cloud/index.js';

/** Credentials for one registry, as a user passes them in code. */
export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (Docker's `identitytoken`), exchanged at the registry's token server. */
  identityToken?: string;
  /** A ready bearer token to send as-is. */
  registryToken?: string;
}

/** Credentials found for a registry, with where they came from (never logged with the secret). */
export interface ResolvedCredential extends Credential {
  /**
   * `'options'` for the `credentials` option, `'docker-config'` for a config.json `auths`
   * entry, `'credential-helper'` for a helper's answer. An identity token keeps the source
   * it was found in; check `identityToken` to see whether one was found.
   */
  source: CredentialSource;
  /** Name of the helper (`pass` for `docker-credential-pass`), when source is `'credential-helper'`. */
  helper?: string;
  /** The config.json path, when the credentials (or the helper's name) came from a file. */
  configPath?: string;
  /** Which cloud's identity gave the credentials (`'ecr'`, `'gcp'`, `'acr'`), when source is `'cloud'`. */
  cloud?: CloudName;
}

/** Where {@link CredentialStore} looks for credentials. */
export interface CredentialStoreOptions {
  /** Explicit credentials by registry host (`'docker.io'`, `'ghcr.io'`, `'localhost:5000'`); looked up first. */
  credentials?: Record<string, Credential>;
  /**
   * Path of a Docker config *directory* or a config.json file, or `false` to ignore Docker's
   * config entirely. Default: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
   */
  dockerConfig?: string | false;
  /** Environment to read `DOCKER_CONFIG`/`HOME`/`PATH` from and to run helpers with (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Timeout for running a credential helper, and for a cloud SDK's credential lookup, in milliseconds (default 30 000). */
  helperTimeoutMs?: number;
  /**
   * For an ECR, Artifact Registry / Container Registry or ACR host with no other credentials, ask
   * that cloud's SDK (an optional peer dependency) for them. Default `true`; `false` turns it off.
   */
  cloudCredentials?: boolean;
  /**
   * How ACR's token exchange reaches the registry. {@link RegistryClient} passes its own transport;
   * the default is HTTPS with Node's `fetch`.
   */
  postForm?: RegistryFormPost;
  /**
   * Told when a Google or Azure registry's cloud lookup fails (SDK not installed, no identity, refused); the
   * request then goes on anonymously, since those registries also serve public images. Without it, the
   * failure is thrown. An ECR lookup failure is always thrown (ECR has no anonymous access).
   */
  onCloudFailure?: (registry: string, error: Error) => void;
}
