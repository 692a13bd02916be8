import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { RegistryClient, type RegistryClientOptions } from '../../src/index.js';
import { startRegistry } from '../../src/registry/index.js';
import { sharedRegistries, type RegistryCoordinates, type SharedRegistries } from './registries.js';
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
  /** `distribution` (CNCF distribution 2.8) or `embedded` (multiplatform/registry). */
  kind: 'distribution' | 'embedded';
  username?: string;
  password?: string;
  /** Credentials for skopeo's --creds flags. */
  skopeoCreds?: SkopeoCredentials;
  /** A client with this registry's credentials (Docker's config is never read in tests). */
  client(options?: RegistryClientOptions): RegistryClient;
}

export function targetFromCoordinates(name: string, registry: Omit<RegistryCoordinates, 'url' | 'port'>, kind: RegistryTarget['kind'] = 'distribution'): RegistryTarget {
  const { username, password } = registry;
  const hasCreds = username !== undefined && password !== undefined;
  return {
    name,
    host: registry.host,
    auth: registry.auth,
    kind,
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

/**
 * Starts the embedded registry in the three auth modes in this test file's process, closed after
 * its tests; described with the same coordinates as the shared distribution registries.
 */
export async function startEmbeddedRegistries(): Promise<SharedRegistries> {
  const username = 'tester';
  const password = randomBytes(12).toString('hex');
  const [plain, basic, token] = await Promise.all([
    startRegistry(),
    startRegistry({ auth: { basic: { username, password } } }),
    startRegistry({ auth: { token: { username, password } } }),
  ]);
  afterAll(async () => {
    await Promise.all([plain.close(), basic.close(), token.close()]);
  });
  const coordinates = (r: typeof plain, auth: RegistryCoordinates['auth']): RegistryCoordinates => ({
    url: r.url,
    host: r.host,
    port: r.port,
    auth,
    ...(auth === 'none' ? {} : { username, password }),
  });
  return { plain: coordinates(plain, 'none'), basic: coordinates(basic, 'basic'), token: coordinates(token, 'token') };
}

/** The embedded registry in the same three auth modes. Call at module level (top-level await). */
export async function embeddedTargets(): Promise<RegistryTarget[]> {
  const embedded = await startEmbeddedRegistries();
  return [
    targetFromCoordinates('embedded (no auth)', embedded.plain, 'embedded'),
    targetFromCoordinates('embedded (basic auth)', embedded.basic, 'embedded'),
    targetFromCoordinates('embedded (token auth)', embedded.token, 'embedded'),
  ];
}

/** Every registry an integration body should hold to the same behaviour. */
export async function allTargets(): Promise<RegistryTarget[]> {
  return [...distributionTargets(), ...(await embeddedTargets())];
}
