import { inject } from 'vitest';
import type { RegistryAuth } from './distribution.js';
import type { TokenServerStats } from './token-server.js';

/** What integration tests learn about one shared test registry (plain data: it crosses process boundaries). */
export interface RegistryCoordinates {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  auth: RegistryAuth;
  username?: string;
  password?: string;
  /** Token mode: the token endpoint (the challenge's realm). */
  tokenUrl?: string;
  /** Token mode: `GET` returns the token server's {@link TokenServerStats}. */
  tokenStatsUrl?: string;
  /** Token mode: the service name the registry expects in tokens. */
  service?: string;
}

/** The registries started once by the integration project's global setup. */
export interface SharedRegistries {
  /** No auth, filesystem storage. */
  plain: RegistryCoordinates;
  /** htpasswd (bcrypt) Basic auth. */
  basic: RegistryCoordinates;
  /** Bearer tokens from a local token server. */
  token: RegistryCoordinates;
}

declare module 'vitest' {
  interface ProvidedContext {
    registries: SharedRegistries;
  }
}

/** The shared registries; only inside integration tests. */
export function sharedRegistries(): SharedRegistries {
  return inject('registries');
}

/** Current counters of a token-mode registry's token server, read over HTTP. */
export async function readTokenStats(registry: RegistryCoordinates): Promise<TokenServerStats> {
  if (!registry.tokenStatsUrl) throw new Error(`registry ${registry.host} has no token server`);
  const response = await fetch(registry.tokenStatsUrl);
  if (!response.ok) throw new Error(`GET ${registry.tokenStatsUrl} answered ${response.status}`);
  return (await response.json()) as TokenServerStats;
}
