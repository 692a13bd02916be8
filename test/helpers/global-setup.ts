import type { TestProject } from 'vitest/node';
import { startDistribution, type DistributionOptions, type DistributionRegistry } from './distribution.js';
import type { RegistryCoordinates, SharedRegistries } from './registries.js';

/** Plain data about a running registry, for `provide`. */
export function coordinatesOf(registry: DistributionRegistry): RegistryCoordinates {
  const coordinates: RegistryCoordinates = { url: registry.url, host: registry.host, port: registry.port, auth: registry.auth };
  if (registry.username !== undefined) coordinates.username = registry.username;
  if (registry.password !== undefined) coordinates.password = registry.password;
  if (registry.tokenServer) {
    coordinates.tokenUrl = registry.tokenServer.realm;
    coordinates.tokenStatsUrl = registry.tokenServer.statsUrl;
    coordinates.service = registry.tokenServer.service;
  }
  return coordinates;
}

/**
 * vitest globalSetup of the integration project: starts a plain, a Basic-auth and a token-auth
 * registry in parallel, provides their coordinates as `registries`, and stops them afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted: Record<keyof SharedRegistries, DistributionOptions> = {
    plain: { auth: 'none', storage: 'filesystem' },
    basic: { auth: 'basic' },
    token: { auth: 'token' },
  };
  const names = Object.keys(wanted) as Array<keyof SharedRegistries>;
  const results = await Promise.allSettled(names.map((name) => startDistribution(wanted[name])));
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const teardown = async (): Promise<void> => {
    await Promise.allSettled(started.map((registry) => registry.stop()));
  };

  const failures = results.flatMap((result, index) => (result.status === 'rejected' ? [`${names[index]}: ${String(result.reason)}`] : []));
  if (failures.length > 0) {
    await teardown();
    throw new Error(`could not start the test registries:\n${failures.join('\n')}`);
  }

  const byName = Object.fromEntries(
    names.map((name, index) => [name, coordinatesOf((results[index] as PromiseFulfilledResult<DistributionRegistry>).value)]),
  ) as unknown as SharedRegistries;
  project.provide('registries', byName);
  return teardown;
}
