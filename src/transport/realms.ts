/**
 * Which token realms may receive a user's registry credentials. A realm comes from the registry's
 * `WWW-Authenticate` challenge, so a registry (or whoever answers for it) picks where the client
 * sends the password: only a few destinations are trusted with it.
 */
import { DOCKER_HUB_ALIASES, DOCKER_HUB_AUTH_HOST } from '../oci/reference.js';
import { hostnameOf } from './address.js';

/**
 * A user's registry credentials go to a token realm on the registry's own host, to Docker Hub's
 * token server for Docker Hub, or to a host the user listed in `trustedTokenRealms`. Any other
 * realm gets an anonymous token request. (A "same parent domain" rule would leak credentials
 * across tenants of shared suffixes such as `github.io` or `co.uk`.)
 *
 * @param target the registry as references name it (`registry`) and the origin that answered (`origin`).
 * @param trusted lower-case realm hosts (`host` or `host:port`) the user trusts.
 */
export function realmMayReceiveCredentials(target: { registry: string; origin: string }, realm: string, trusted: ReadonlySet<string> = new Set()): boolean {
  const realmUrl = new URL(realm);
  const realmHost = realmUrl.hostname.toLowerCase();
  const registryHost = new URL(target.origin).hostname.toLowerCase();
  const configuredHost = hostnameOf(target.registry).toLowerCase();
  if (realmHost === registryHost || realmHost === configuredHost) return true;
  if (realmHost === DOCKER_HUB_AUTH_HOST && (DOCKER_HUB_ALIASES.has(registryHost) || DOCKER_HUB_ALIASES.has(configuredHost))) return true;
  return trusted.has(realmHost) || trusted.has(realmUrl.host.toLowerCase());
}
