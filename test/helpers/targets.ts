import { RegistryClient, type RegistryClientOptions } from '../../src/index.js';
import { sharedRegistries, type RegistryCoordinates } from './registries.js';
import type { SkopeoCredentials } from './skopeo.js';

/**
 * A registry an integration test body runs against. Every test body that takes a target runs
 * once per target, so the real distribution registry in each auth mode (and the embedded one)
 * are held to the same behaviour.
 */
export interface RegistryTarget {
  name: string;
  /** `127.0.0.1:PORT` */
  host: string;
  auth: 'none' | 'basic' | 'token';
  username?: string;
  password?: string;
  /** Credentials for skopeo's --creds flags. */
  skopeoCreds?: SkopeoCredentials;
  /** A client with this registry's credentials (Docker's config is never read in tests). */
  client(options?: RegistryClientOptions): RegistryClient;
}

export function targetFromCoordinates(name: string, registry: RegistryCoordinates): RegistryTarget {
  const { username, password } = registry;
  const hasCreds = username !== undefined && password !== undefined;
  return {
    name,
    host: registry.host,
    auth: registry.auth,
    username,
    password,
    skopeoCreds: hasCreds ? { username, password } : undefined,
    client: (options = {}) =>
      new RegistryClient({
        dockerConfig: false,
        retry: { minDelayMs: 20, maxDelayMs: 200 },
        ...options,
        credentials: { ...(hasCreds ? { [registry.host]: { username, password } } : {}), ...(options.credentials ?? {}) },
      }),
  };
}

/** The real distribution registries started by the integration project's global setup. */
export function distributionTargets(): RegistryTarget[] {
  const shared = sharedRegistries();
  return [
    targetFromCoordinates('distribution (no auth)', shared.plain),
    targetFromCoordinates('distribution (basic auth)', shared.basic),
    targetFromCoordinates('distribution (token auth)', shared.token),
  ];
}
