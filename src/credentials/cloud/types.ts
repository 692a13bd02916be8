import type { CloudRegistry } from './hosts.js';

/** What a cloud provider found: registry credentials and until when they hold. */
export interface CloudCredential {
  username: string;
  password?: string;
  /** A registry refresh token (ACR), exchanged at the registry's token server as Docker's `identitytoken`. */
  identityToken?: string;
  /** Epoch milliseconds after which the credentials must be fetched again. */
  expiresAt: number;
}

/** Answer to a form POST: the status and the body text. */
export interface FormAnswer {
  status: number;
  body: string;
}

/**
 * POSTs a form to a path on a registry, reaching it as the client reaches registries (scheme,
 * proxy, TLS settings); used for ACR's token exchange.
 */
export type RegistryFormPost = (registry: string, path: string, form: URLSearchParams, operation: string) => Promise<FormAnswer>;

/** Fetches credentials for one cloud registry. */
export type CloudProvider<R extends CloudRegistry = CloudRegistry> = (registry: R, context: CloudContext) => Promise<CloudCredential>;

/** What providers may use besides the SDK. */
export interface CloudContext {
  /** The registry name as references spell it (`host[:port]`), for messages and requests. */
  registry: string;
  postForm: RegistryFormPost;
  /** Aborted when the lookup has taken too long; passed to the SDK calls that take one. */
  signal: AbortSignal;
}
