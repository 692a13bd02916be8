/**
 * Load test against the real token-auth distribution registry of the integration project: many
 * concurrent `pushManifestList` calls from one client, each with its own repository and children.
 * Everything written is read back and checked, and the token server's counters show that the
 * client's token cache holds under concurrency. The figures are printed (and copied into
 * docs/reliability.md).
 */
import { randomBytes } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { isImageIndex } from '../../src/oci/manifest.js';
import { buildImage, type BuiltImage } from '../helpers/images.js';
import { readTokenStats, sharedRegistries } from '../helpers/registries.js';

const LISTS = 32;
const CHILDREN = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
] as const;

/** An undici Agent that counts the HTTP requests it is given (every request of the client, token requests included). */
class CountingAgent extends Agent {
  requests = 0;
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.requests++;
    return super.dispatch(options, handler);
  }
}

const agent = new CountingAgent({ connections: 64 });
afterAll(async () => {
  await agent.close();
});

it(`pushes ${LISTS} manifest lists concurrently (each with its own 2 children) with one client, all read back, tokens cached`, async () => {
  const registry = sharedRegistries().token;
  expect(registry.username).toBeDefined();
  const client = new RegistryClient({
    dockerConfig: false,
    env: {},
    dispatcher: agent,
    credentials: { [registry.host]: { username: registry.username!, password: registry.password! } },
    retry: { minDelayMs: 1, maxDelayMs: 20 },
  });
  const run = randomBytes(4).toString('hex');
  const jobs = Array.from({ length: LISTS }, (_, i) => {
    const repo = `load/${run}-${i}`;
    const children: BuiltImage[] = CHILDREN.map((platform) => buildImage({ ...platform, content: `load ${run} list ${i} ${platform.architecture}\n` }));
    return { repo, children };
  });
  const before = await readTokenStats(registry);

  const started = performance.now();
  const results = await Promise.all(
    jobs.map(async ({ repo, children }) => {
      const name = `${registry.host}/${repo}`;
      for (const child of children) {
        for (const blob of [child.config, ...child.layers]) await client.pushBlob(name, blob.bytes, { mediaType: blob.mediaType });
        await client.putManifest(`${name}@${child.manifest.digest}`, child.manifest.bytes);
      }
      return client.pushManifestList({
        image: `${name}:list`,
        manifests: children.map((child) => ({ image: `${name}@${child.manifest.digest}` })),
      });
    }),
  );
  const pushMs = performance.now() - started;
  const pushRequests = agent.requests;
  const pushTokenRequests = client.tokenRequests;

  const readStarted = performance.now();
  await Promise.all(
    jobs.map(async ({ repo, children }, i) => {
      const result = results[i]!;
      const name = `${registry.host}/${repo}`;
      const list = await client.getManifest(`${name}:list`);
      expect(list.bytes.equals(result.bytes)).toBe(true);
      expect(list.descriptor.digest).toBe(result.digest);
      expect(isImageIndex(list.manifest)).toBe(true);
      if (!isImageIndex(list.manifest)) return;
      expect(list.manifest.manifests.map((m) => m.digest)).toEqual(children.map((c) => c.manifest.digest));
      expect(list.manifest.manifests.map((m) => m.platform)).toEqual(CHILDREN.map((p) => expect.objectContaining(p)));
      for (const child of children) {
        const read = await client.getManifest(`${name}@${child.manifest.digest}`);
        expect(read.bytes.equals(child.manifest.bytes)).toBe(true);
        expect(await client.blobExists(name, child.config.digest)).toBe(true);
      }
    }),
  );
  const readMs = performance.now() - readStarted;

  const after = await readTokenStats(registry);
  const tokenServerRequests = after.requests - before.requests;
  const perRepository = jobs.map(({ repo }) => (after.byRepository[repo] ?? 0) - (before.byRepository[repo] ?? 0));

  console.log(
    [
      `load test: ${LISTS} concurrent pushManifestList calls (2 children each) against distribution with token auth`,
      `  push (children + lists): ${pushMs.toFixed(0)} ms, ${pushRequests} HTTP requests, ${pushTokenRequests} token requests`,
      `  read back (lists, children, config HEADs): ${readMs.toFixed(0)} ms, ${agent.requests - pushRequests} HTTP requests`,
      `  token server: ${tokenServerRequests} requests in all; per repository: max ${Math.max(...perRepository)}, min ${Math.min(...perRepository)}`,
    ].join('\n'),
  );

  expect(results.every((r) => !r.dryRun && r.tags.length >= 1)).toBe(true);
  // The cache: one push token per repository serves every request of that repository, the reads included.
  for (const count of perRepository) expect(count).toBe(1);
  // Counted by repository: the token server is shared with the test files running beside this one.
  expect(perRepository.reduce((sum, count) => sum + count, 0)).toBe(LISTS);
  expect(client.tokenRequests).toBe(LISTS);
  await client.close();
});
