/**
 * Registry credentials: explicit options, Docker's config.json and Docker credential helpers.
 * See docs/credentials.md for the lookup order.
 */
export { CredentialStore } from './credentials/store.js';
export type { Credential, CredentialStoreOptions, ResolvedCredential } from './credentials/types.js';
export { configKeyMatches, dockerHubAuthKey, dockerHubHost, normaliseRegistryHost } from './credentials/hosts.js';
