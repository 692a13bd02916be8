import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRegistryCommand, startRegistry } from '../../src/registry/index.js';
import { pushBlob, raw } from '../helpers/registry-helpers.js';

function capture() {
  const out = { text: '' };
  return { out, stream: { write: (t: string) => ((out.text += t), true) } };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-registry-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runRegistryCommand', () => {
  it('--help prints usage and returns 0', async () => {
    const stdout = capture();
    expect(await runRegistryCommand(['--help'], { stdout: stdout.stream })).toBe(0);
    expect(stdout.out.text).toMatch(/^Usage: multiplatform registry/);
    expect(stdout.out.text).toContain('--dir DIR');
  });

  it.each([[['--bogus']], [['--port', 'abc']], [['--port']], [['--port', '70000']], [['--dir=']]])('%j returns 2 with a message', async (argv) => {
    const stderr = capture();
    expect(await runRegistryCommand(argv, { stderr: stderr.stream })).toBe(2);
    expect(stderr.out.text).toMatch(/^multiplatform registry: /);
  });

  it('serves until stopped, printing the URL; storage in --dir persists', async () => {
    const stdout = capture();
    const stderr = capture();
    const stop = new AbortController();
    const running = runRegistryCommand(['--port', '0', `--dir=${join(dir, 'store')}`, '--host', '127.0.0.1', '--verbose'], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      signal: stop.signal,
    });
    await until(() => stdout.out.text.endsWith('\n'), 'the URL');
    const url = stdout.out.text.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stderr.out.text).toContain(`listening on ${url}`);
    const digest = await pushBlob(url, 'cli/app', 'from the cli');
    expect(stderr.out.text).toMatch(/POST \/v2\/cli\/app\/blobs\/uploads\/\?digest=sha256:[0-9a-f]{64} -> 201/);
    stop.abort();
    expect(await running).toBe(0);
    await expect(raw(url, '/v2/')).rejects.toThrow(/ECONNREFUSED/);

    const again = await startRegistry({ storage: { dir: join(dir, 'store') } });
    try {
      expect((await raw(again, `/v2/cli/app/blobs/${digest}`)).text).toBe('from the cli');
    } finally {
      await again.close();
    }
  });

  it('stops on SIGINT/SIGTERM and removes its signal handlers', async () => {
    const before = process.listeners('SIGTERM');
    const stdout = capture();
    const running = runRegistryCommand([], { stdout: stdout.stream, stderr: capture().stream });
    await until(() => stdout.out.text.endsWith('\n'), 'the URL');
    const added = process.listeners('SIGTERM').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    // Call the handler directly rather than emitting the signal at the test worker.
    (added[0] as (signal: string) => void)('SIGTERM');
    expect(await running).toBe(0);
    expect(process.listeners('SIGTERM')).toEqual(before);
  });

  it('returns 1 when the port is taken', async () => {
    const taken = await startRegistry();
    try {
      const stderr = capture();
      expect(await runRegistryCommand(['--port', String(taken.port)], { stderr: stderr.stream })).toBe(1);
      expect(stderr.out.text).toContain('EADDRINUSE');
    } finally {
      await taken.close();
    }
  });
});
