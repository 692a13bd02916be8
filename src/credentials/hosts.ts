/**
 * How registry names and Docker config.json keys are compared. Docker keys its `auths`
 * map by whatever was typed at `docker login` (`https://ghcr.io`, `ghcr.io/v1/`, …), so
 * keys are reduced to a bare host before they are compared.
 */
import { DOCKER_HUB, DOCKER_HUB_ALIASES } from '../oci/reference.js';

/** The key Docker uses for Docker Hub in config.json `auths` and when asking a credential helper. */
export const dockerHubAuthKey = 'https://index.docker.io/v1/';

/** The host name references use for Docker Hub. */
export const dockerHubHost = DOCKER_HUB;

/**
 * Reduces a registry name or config key to a lower-case `host[:port]`: drops an
 * `http://` or `https://` prefix and everything from the first `/`.
 */
export function hostOfConfigKey(key: string): string {
  let rest = key.trim();
  const scheme = /^https?:\/\//i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.slice(0, slash);
  return rest.toLowerCase();
}

/**
 * The registry host as references spell it: Docker Hub's aliases (`index.docker.io`,
 * `registry-1.docker.io`, `https://index.docker.io/v1/`) all become `docker.io`.
 */
export function normaliseRegistryHost(name: string): string {
  const host = hostOfConfigKey(name);
  return DOCKER_HUB_ALIASES.has(host) ? dockerHubHost : host;
}

/**
 * True when a Docker config.json key (an `auths` or `credHelpers` key such as
 * `https://index.docker.io/v1/`, `ghcr.io` or `http://localhost:5000/v2/`) names `registry`.
 * Pure; compares hosts case-insensitively and keeps ports significant.
 */
export function configKeyMatches(key: string, registry: string): boolean {
  const keyHost = normaliseRegistryHost(key);
  return keyHost !== '' && keyHost === normaliseRegistryHost(registry);
}

/**
 * True when `key` is the spelling Docker itself writes for `registry`, so that it wins
 * over other spellings of the same host.
 */
export function isCanonicalConfigKey(key: string, registry: string): boolean {
  const host = normaliseRegistryHost(registry);
  const trimmed = key.trim().toLowerCase();
  return host === dockerHubHost ? trimmed === dockerHubAuthKey : trimmed === host;
}

/** What a credential helper is asked for: Docker Hub's legacy key for Hub, the bare host otherwise. */
export function helperServerUrl(registry: string): string {
  const host = normaliseRegistryHost(registry);
  return host === dockerHubHost ? dockerHubAuthKey : host;
}

/** The entry for `host`: Docker's own spelling of the key first, then the first other spelling in file order. */
export function bestMatch<T extends { key: string }>(entries: T[], host: string): T | undefined {
  return entries.find((e) => isCanonicalConfigKey(e.key, host)) ?? entries.find((e) => configKeyMatches(e.key, host));
}
