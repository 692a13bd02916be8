/**
 * Ctrl-C in a real process: the built CLI, mid-request against a registry that holds the answer
 * back (the embedded registry's `delayMs` fault), exits 130 with "interrupted" and leaves nothing
 * half-written: no metadata file, no index at the target.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { pushBuiltImage } from '../helpers/images.js';
import { spawnManaged, type ManagedProcess } from '../helpers/processes.js';
import { eventually, raw, useTempDir } from '../helpers/registry-helpers.js';
import { CLI_BIN } from '../helpers/cli-bin.js';

const main = CLI_BIN;
const temp = useTempDir('mp-cli-interrupt-');
let registry: RunningRegistry;
let child: ManagedProcess | undefined;

beforeAll(async () => {
  registry = await startRegistry();
});
afterEach(async () => {
  await child?.stop();
  child = undefined;
  registry.faults.clear();
});
afterAll(async () => {
  await registry?.close();
});

describe('Ctrl-C', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} mid-request exits ${code} with "interrupted", writing no metadata file and no index`, async () => {
      expect(existsSync(main), `${main} is missing: build first (npx tsup)`).toBe(true);
      const repo = `interrupt/${signal.toLowerCase()}`;
      await pushBuiltImage(`${registry.host}/${repo}:src`, { os: 'linux', architecture: 'amd64' });
      registry.faults.add({ path: `/v2/${repo}/manifests/src`, delayMs: 60_000, times: 1 });
      const metadata = join(temp.path, `${signal}.json`);

      child = spawnManaged(process.execPath, [main, 'create', '--metadata-file', metadata, '-t', `${registry.host}/${repo}:new`, `${registry.host}/${repo}:src`], {
        env: { HOME: temp.path, PATH: process.env.PATH },
      });
      // The delay is applied once the request has arrived: only then is the command mid-request.
      await eventually(async () => expect(registry.faults.pending()).toBe(0), 15_000);
      process.kill(child.pid, signal);
      await child.exited;

      expect(child.exitStatus(), child.output()).toEqual({ code, signal: null });
      expect(child.output()).toContain('multiplatform: interrupted\n');
      expect(child.output()).not.toContain('error:');
      expect(await readdir(temp.path)).not.toContain(`${signal}.json`);
      expect((await readdir(temp.path)).filter((name) => name.startsWith(signal))).toEqual([]);
      expect((await raw(registry, `/v2/${repo}/manifests/new`, { method: 'HEAD' })).status).toBe(404);
    });
  }
});
