/**
 * The built command keeps a V8 code cache of undici's parts under `$XDG_CACHE_HOME/multiplatform`
 * (src/cli/code-cache.ts). Runs `multiplatform ls` as a real process against the embedded registry:
 * the first run writes the cache, the next one uses it without writing, a damaged cache is replaced,
 * and a cache directory that cannot be made costs nothing but the cache.
 *
 * Needs the build (`npx tsup`); fails, and says so, when dist/ is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'mp-code-cache-'));

let registry: RunningRegistry;
beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error('dist/cli/main.js does not exist: run the build first (`npx tsup`)');
  registry = await startRegistry({ host: '127.0.0.1' });
  const client = new RegistryClient({ dockerConfig: false });
  try {
    await pushImage(client, `${registry.host}/cached:v1`, randomImage({ platform: 'linux/amd64' }));
  } finally {
    await client.close();
  }
});
afterAll(async () => {
  await registry?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** `multiplatform ls` with `cacheHome` as XDG_CACHE_HOME; it must list the one tag. */
async function listTags(cacheHome: string): Promise<void> {
  const { stdout, stderr } = await run(process.execPath, [MAIN, 'ls', `${registry.host}/cached`], {
    env: { PATH: process.env.PATH, HOME: scratch, XDG_CACHE_HOME: cacheHome },
    timeout: 20_000,
  });
  expect({ stdout, stderr }).toEqual({ stdout: 'v1\n', stderr: '' });
}

function cacheFiles(cacheHome: string): string[] {
  const dir = join(cacheHome, 'multiplatform');
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

describe('the code cache of the built command', () => {
  it('is written by the first run, then used as it is', async () => {
    const home = join(scratch, 'fresh');
    await listTags(home);
    const [cache, ...others] = cacheFiles(home);
    expect(others).toEqual([]);
    expect(cache).toMatch(new RegExp(`undici-parts\\.cjs-[^/]*-${process.version}-${process.arch}-[0-9a-f]{16}\\.v8cache$`));
    const written = statSync(cache as string);
    expect(written.size).toBeGreaterThan(10_000);
    await listTags(home);
    expect(statSync(cache as string).mtimeMs).toBe(written.mtimeMs);
  });

  it('replaces a damaged cache, and the command works meanwhile', async () => {
    const home = join(scratch, 'damaged');
    await listTags(home);
    const [cache] = cacheFiles(home);
    writeFileSync(cache as string, 'not a code cache');
    await listTags(home);
    expect(readFileSync(cache as string).length).toBeGreaterThan(10_000);
  });

  it('is skipped, not fatal, when its directory cannot be made', async () => {
    const notADirectory = join(scratch, 'a-file');
    writeFileSync(notADirectory, '');
    await listTags(notADirectory);
    expect(readdirSync(scratch).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
