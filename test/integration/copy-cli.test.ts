/**
 * `multiplatform copy` as a real process (`node dist/cli/bin.cjs`, package.json's bin): the plan printed before the
 * transfer, `--quiet`, and Ctrl-C cancelling cleanly (upload sessions cancelled, exit 130).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { digestOf } from '../../src/oci/index.js';
import { startRegistry } from '../../src/registry/index.js';
import { skopeoInspectRaw } from '../helpers/skopeo.js';
import { pushRandomLayerImage } from '../copy/random-layer-image.js';
import { CLI_BIN } from '../helpers/cli-bin.js';

const MAIN = CLI_BIN;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function startCli(args: string[], home: string): Running {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exit = new Promise<number | null>((resolveExit) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveExit(code);
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('multiplatform copy (process)', async () => {
  const source = await startRegistry();
  const target = await startRegistry();
  const client = new RegistryClient({ dockerConfig: false });
  const home = await mkdtemp(join(tmpdir(), 'mp-copy-cli-'));
  afterAll(async () => {
    await client.close();
    await Promise.all([source.close(), target.close()]);
    await rm(home, { recursive: true, force: true });
  });

  /** An image with one layer of `size` random bytes, pushed to the source at `repo:v1`; its manifest. */
  const pushImage = async (repo: string, size: number): Promise<Buffer> => (await pushRandomLayerImage(client, `${source.host}/${repo}`, 'v1', size)).manifest;

  it('prints the plan on stderr and, with --quiet, only the digest on stdout', async () => {
    const repo = unique('quiet');
    const manifest = await pushImage(repo, 1000);
    const plain = startCli(['copy', `${source.host}/${repo}:v1`, `${target.host}/${repo}:v1`, '--progress', 'plain'], home);
    expect(await plain.exit).toBe(0);
    expect(plain.stderr()).toContain(`copy image ${digestOf(manifest)} from ${source.host}/${repo} to ${target.host}/${repo} as v1`);
    expect(plain.stdout()).toBe(`Copied ${digestOf(manifest)} (v1)\n`);

    const quiet = startCli(['copy', `${source.host}/${repo}:v1`, `${target.host}/${repo}:v2`, '-q'], home);
    expect(await quiet.exit).toBe(0);
    expect(quiet.stdout()).toBe(`${digestOf(manifest)}\n`);
    expect(quiet.stderr()).toBe('');
    expect(await skopeoInspectRaw(`docker://${target.host}/${repo}:v2`)).toEqual(manifest);
  });

  it('cancels on Ctrl-C mid-transfer: the upload session is cancelled, no tag is written, exit 130', async () => {
    const repo = unique('cancel');
    await pushImage(repo, 4 * 1024 * 1024);
    source.faults.add({ method: 'GET', path: /\/blobs\/sha256:/, slowBodyBytesPerSecond: 256 * 1024, times: Infinity });
    const uploadsBefore = target.stats.byRoute['POST upload'] ?? 0;
    try {
      const run = startCli(['copy', `${source.host}/${repo}:v1`, `${target.host}/${repo}:v1`, '--progress', 'plain'], home);
      // The plan is out before the transfer starts; then wait for the big blob's session to open.
      await until(() => run.stderr().includes(' to copy ('), 'the plan');
      await until(() => (target.stats.byRoute['POST upload'] ?? 0) >= uploadsBefore + 2, 'the upload sessions to open');
      run.child.kill('SIGINT');
      expect(await run.exit, run.stderr()).toBe(130);
      expect(run.stderr()).toContain('copy cancelled');
      await until(() => (target.stats.byRoute['DELETE upload'] ?? 0) >= 1, 'the upload session to be cancelled');
      expect(await client.manifestExists(`${target.host}/${repo}:v1`)).toBe(false);
    } finally {
      source.faults.clear();
    }
  });
});
