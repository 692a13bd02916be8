// Shared by the test/integration/profiles/*.test.ts files: clients that clean up after themselves,
// unique repository names, and images pushed with a plain client.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { RegistryClient, type RegistryClientOptions } from '../../../src/client.js';
import { startRegistry, type RegistryOptions, type RunningRegistry } from '../../../src/registry/index.js';
import { buildImage, type BuiltImage } from '../../helpers/images.js';

const clients: RegistryClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A client without Docker config or environment, closed after the test; quick retries unless told otherwise. */
export function profileClient(options: RegistryClientOptions = {}): RegistryClient {
  const client = new RegistryClient({ dockerConfig: false, env: {}, retry: { minDelayMs: 1, maxDelayMs: 20 }, ...options });
  clients.push(client);
  return client;
}

export const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Builds a one-layer image for `architecture` and pushes its blobs and manifest to `ref` with `client`. */
export async function pushTestImage(client: RegistryClient, ref: string, architecture: string, seed = ref): Promise<BuiltImage> {
  const image = buildImage({ os: 'linux', architecture, content: `${seed} ${architecture}\n` });
  for (const blob of [image.config, ...image.layers]) await client.pushBlob(ref, blob.bytes);
  await client.putManifest(ref, image.manifest.bytes);
  return image;
}

/** An embedded registry started before the file's tests and closed after them (its fields are read when a test runs). */
export function useRegistry(options: RegistryOptions): RunningRegistry {
  let started: RunningRegistry | undefined;
  beforeAll(async () => {
    started = await startRegistry(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  const current = (): RunningRegistry => {
    if (!started) throw new Error('the registry is not started yet');
    return started;
  };
  return {
    get url() {
      return current().url;
    },
    get host() {
      return current().host;
    },
    get port() {
      return current().port;
    },
    get faults() {
      return current().faults;
    },
    get stats() {
      return current().stats;
    },
    close: () => current().close(),
  };
}
