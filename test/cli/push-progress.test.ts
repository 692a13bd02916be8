// `push` shows the same progress display as `copy` while it brings children into the target repository.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { pushBuiltImage, type BuiltImage } from '../helpers/images.js';
import { runCli } from './in-process.js';

let home: string;
let source: RunningRegistry;
let target: RunningRegistry;
let amd64: BuiltImage;
let arm64: BuiltImage;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mp-cli-progress-'));
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  amd64 = await pushBuiltImage(`${source.host}/app:amd64`, { os: 'linux', architecture: 'amd64', content: 'progress-amd64' });
  arm64 = await pushBuiltImage(`${source.host}/app:arm64`, { os: 'linux', architecture: 'arm64', content: 'progress-arm64' });
});

afterAll(async () => {
  await Promise.all([source?.close(), target?.close()]);
  await rm(home, { recursive: true, force: true });
});

const push = (targetRef: string, ...flags: string[]) =>
  runCli(
    ['push', 'from-args', '--platforms', 'linux/amd64,linux/arm64', '--template', `${source.host}/app:ARCH`, '--target', targetRef, ...flags],
    { env: { HOME: home, PATH: process.env.PATH } },
  );

describe('push progress', () => {
  it('without a terminal, writes a line when each copied blob starts and ends, and the totals', async () => {
    const result = await push(`${target.host}/app:1.0`);
    expect(result.code, result.stderr).toBe(0);
    const layers = [amd64, arm64].flatMap((image) => image.layers.map((layer) => layer.digest.slice(7, 19)));
    for (const short of layers) {
      expect(result.stderr).toMatch(new RegExp(`copy sha256:${short}\\S* \\(.*\\) to .*: started`));
      expect(result.stderr).toMatch(new RegExp(`copy sha256:${short}\\S* \\(.*\\): done in`));
    }
    expect(result.stderr).toMatch(/blobs/);
  });

  it('prints no progress with --quiet or --json', async () => {
    const quiet = await push(`${target.host}/quiet:1.0`, '--quiet');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/copy sha256:/);
    expect(quiet.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
