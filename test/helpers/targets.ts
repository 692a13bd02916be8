import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { RegistryClient, type RegistryClientOptions } from '../../src/index.js';
import { startRegistry } from '../../src/registry/index.js';
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
 * The embedded registry in the same three auth modes, started in this test file's process and
 * closed after its tests. Call at module level: `const targets = [...distributionTargets(), ...(await embeddedTargets())]`.
 */
export async function embeddedTargets(): Promise<RegistryTarget[]> {
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
  return [
    targetFromCoordinates('embedded (no auth)', { host: plain.host, auth: 'none' }, 'embedded'),
    targetFromCoordinates('embedded (basic auth)', { host: basic.host, auth: 'basic', username, password }, 'embedded'),
    targetFromCoordinates('embedded (token auth)', { host: token.host, auth: 'token', username, password }, 'embedded'),
  ];
}

/** Every registry an integration body should hold to the same behaviour. */
export async function allTargets(): Promise<RegistryTarget[]> {
  return [...distributionTargets(), ...(await embeddedTargets())];
}
