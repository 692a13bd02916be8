/**
 * Registry credentials: explicit options, Docker's config.json and Docker credential helpers.
 * See docs/credentials.md for the lookup order.
 */
export { CredentialStore } from './store.js';
export type { Credential, CredentialStoreOptions, ResolvedCredential } from './types.js';
export { configKeyMatches, dockerHubAuthKey, dockerHubHost, normaliseRegistryHost } from './hosts.js';
export { saveDockerLogin, removeDockerLogin } from './docker-login.js';
export type { DockerLoginOptions, SaveDockerLoginOptions, DockerLoginResult, RemoveDockerLoginResult } from './docker-login.js';
