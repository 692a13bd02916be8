import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryError, ValidationError, isNotFound } from '../../src/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { rejection } from '../helpers/mock-registry.js';

let registry: RunningRegistry;
let client: RegistryClient;
let log: string[] = [];

beforeAll(async () => {
  registry = await startRegistry({ log: (line: string) => log.push(line) });
  client = new RegistryClient({ dockerConfig: false, retry: false });
});

afterAll(async () => {
  await client?.close();
  await registry?.close();
});

beforeEach(() => {
  registry.faults.clear();
  log = [];
});

/** A repository holding one image under the tags `temp` and `release`. */
async function twoTags(): Promise<{ repo: string; digest: string }> {
  const repo = `${registry.host}/delete-tag/app-${randomBytes(4).toString('hex')}`;
  const image = randomImage({ platform: 'linux/amd64', layerSize: 64 });
  const { digest } = await pushImage(client, `${repo}:release`, image);
  await client.putManifest(`${repo}:temp`, image.manifest.bytes);
  log = [];
  return { repo, digest };
}

const path = (repo: string, reference: string) => `/v2/${repo.slice(registry.host.length + 1)}/manifests/${reference}`;

/** The digests deleted by digest, as the registry's request log shows them. */
const deletedDigests = () => log.flatMap((line) => /^DELETE \/v2\/\S+\/manifests\/(sha256:[0-9a-f]{64}) -> 20\d/.exec(line)?.[1] ?? []);

async function expectOnlyTempGone(repo: string, digest: string): Promise<void> {
  expect(await client.listTags(repo)).toEqual(['release']);
  expect((await client.headManifest(`${repo}:release`)).digest).toBe(digest);
  expect(await client.manifestExists(`${repo}@${digest}`)).toBe(true);
  expect(await client.manifestExists(`${repo}:temp`)).toBe(false);
}

describe('deleteTag', () => {
  it('deletes the tag by tag where the registry allows it, leaving the manifest and its other tags', async () => {
    const { repo, digest } = await twoTags();
    expect(await client.deleteTag(`${repo}:temp`)).toEqual({ tag: 'temp', method: 'delete-by-tag' });
    await expectOnlyTempGone(repo, digest);
    expect(deletedDigests()).toEqual([]);
  });

  it.each([
    [400, 'DIGEST_INVALID'],
    [405, 'UNSUPPORTED'],
    [404, 'MANIFEST_UNKNOWN'],
  ])('falls back to overwrite-and-delete when DELETE by tag is answered %i %s, and never deletes the original digest', async (status, code) => {
    const { repo, digest } = await twoTags();
    registry.faults.add({ method: 'DELETE', path: path(repo, 'temp'), status, body: JSON.stringify({ errors: [{ code, message: 'no' }] }) });
    expect(await client.deleteTag(`${repo}:temp`)).toEqual({ tag: 'temp', method: 'overwrite-and-delete' });
    await expectOnlyTempGone(repo, digest);
    const [placeholder, ...others] = deletedDigests();
    expect(others).toEqual([]);
    expect(placeholder).not.toBe(digest);
    expect(await client.manifestExists(`${repo}@${placeholder}`)).toBe(false);
  });

  it('points the tag back at its manifest when the fallback is cut short by the call deadline', async () => {
    const { repo, digest } = await twoTags();
    registry.faults.add({ method: 'DELETE', path: path(repo, 'temp'), status: 405 });
    // The placeholder's DELETE answers only after the call's deadline has passed.
    registry.faults.add({ method: 'DELETE', path: /\/manifests\/sha256:[0-9a-f]{64}$/, delayMs: 1500 });
    const failure = await client.deleteTag(`${repo}:temp`, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'TimeoutError' });
    expect((await client.headManifest(`${repo}:temp`)).digest).toBe(digest);
    expect((await client.headManifest(`${repo}:release`)).digest).toBe(digest);
  });

  it('pushes a different placeholder each time, so two fallbacks never collide', async () => {
    const { repo } = await twoTags();
    await client.putManifest(`${repo}:other`, (await client.getManifest(`${repo}:release`)).bytes);
    for (const tag of ['temp', 'other']) registry.faults.add({ method: 'DELETE', path: path(repo, tag), status: 405 });
    await client.deleteTag(`${repo}:temp`);
    await client.deleteTag(`${repo}:other`);
    const placeholders = deletedDigests();
    expect(placeholders).toHaveLength(2);
    expect(new Set(placeholders).size).toBe(2);
  });

  it('points the tag back at its manifest when the placeholder cannot be deleted, and throws the registry error', async () => {
    const { repo, digest } = await twoTags();
    registry.faults.add({ method: 'DELETE', path: path(repo, 'temp'), status: 405 });
    registry.faults.add({ method: 'DELETE', path: /\/manifests\/sha256:/, status: 403 });
    const error = await rejection(client.deleteTag(`${repo}:temp`));
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(403);
    expect((await client.headManifest(`${repo}:temp`)).digest).toBe(digest);
    expect((await client.headManifest(`${repo}:release`)).digest).toBe(digest);
  });

  it('throws other refusals of the DELETE by tag as they are, changing nothing', async () => {
    const { repo, digest } = await twoTags();
    registry.faults.add({ method: 'DELETE', path: path(repo, 'temp'), status: 403 });
    const error = await rejection(client.deleteTag(`${repo}:temp`));
    expect((error as RegistryError).status).toBe(403);
    expect(await client.listTags(repo)).toEqual(['release', 'temp']);
    expect((await client.headManifest(`${repo}:temp`)).digest).toBe(digest);
  });

  it('reports a missing tag as not found, also through the fallback, and writes nothing', async () => {
    const { repo } = await twoTags();
    expect(isNotFound(await rejection(client.deleteTag(`${repo}:missing`)))).toBe(true);
    registry.faults.add({ method: 'DELETE', path: path(repo, 'missing'), status: 400, body: JSON.stringify({ errors: [{ code: 'DIGEST_INVALID' }] }) });
    expect(isNotFound(await rejection(client.deleteTag(`${repo}:missing`)))).toBe(true);
    expect(await client.listTags(repo)).toEqual(['release', 'temp']);
    expect(log.filter((line) => line.startsWith('PUT '))).toEqual([]);
  });

  it('refuses a digest reference, naming deleteManifest, and a reference without a tag, before any request', async () => {
    const { repo, digest } = await twoTags();
    for (const ref of [`${repo}@${digest}`, `${repo}:temp@${digest}`]) {
      const error = await rejection(client.deleteTag(ref));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain('deleteManifest');
    }
    expect(await rejection(client.deleteTag(repo))).toBeInstanceOf(ValidationError);
    expect(await rejection(client.deleteTag(42 as unknown as string))).toBeInstanceOf(ValidationError);
    expect(await rejection(client.deleteTag(`${repo}:temp`, 'x' as unknown as undefined))).toBeInstanceOf(ValidationError);
    expect(log).toEqual([]);
  });
});
