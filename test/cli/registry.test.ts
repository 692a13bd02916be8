import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processIo, type CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import { startRegistry } from '../../src/registry/index.js';
import { pushBlob, raw, useTempDir, waitUntil } from '../helpers/registry-helpers.js';

/** The `registry` command in-process: output captured, interrupts from `stop` (or, with `realSignals`, the process). */
function registryCommand(argv: string[], options: { stop?: AbortController; realSignals?: boolean } = {}) {
  const out = { stdout: '', stderr: '' };
  const stop = options.stop ?? new AbortController();
  const io: CliIo = {
    stdout: { write: (chunk) => (out.stdout += String(chunk)) },
    stderr: { write: (chunk) => (out.stderr += chunk) },
    readStdin: async () => '',
    env: {},
    watchInterrupts: options.realSignals ? processIo().watchInterrupts : () => ({ signal: stop.signal, dispose: () => {} }),
  };
  return { out, stop, exit: run(['registry', ...argv], io) };
}

const temp = useTempDir('mp-registry-cli-');

describe('multiplatform registry', () => {
  it('--help prints usage and returns 0', async () => {
    const { out, exit } = registryCommand(['--help']);
    expect(await exit).toBe(0);
    expect(out.stdout).toMatch(/^usage: multiplatform registry/);
    expect(out.stdout).toContain('--dir DIR');
  });

  it.each([[['--bogus']], [['--port', 'abc']], [['--port']], [['--port', '70000']], [['--dir=']]])('%j returns 2 with a message', async (argv) => {
    const { out, exit } = registryCommand(argv);
    expect(await exit).toBe(2);
    expect(out.stderr).toMatch(/^multiplatform: error: /);
    expect(out.stderr).toContain('usage: multiplatform registry');
    expect(out.stdout).toBe('');
  });

  it('suggests the flag meant', async () => {
    const { out, exit } = registryCommand(['--prot', '5000']);
    expect(await exit).toBe(2);
    expect(out.stderr.split('\n')[0]).toBe('multiplatform: error: unknown flag --prot (did you mean --port?)');
  });

  it('serves until stopped, printing the URL; storage in --dir persists', async () => {
    const { out, stop, exit } = registryCommand(['--port', '0', `--dir=${join(temp.path, 'store')}`, '--host', '127.0.0.1', '--verbose']);
    try {
      await waitUntil(() => out.stdout.endsWith('\n'), 'the URL');
      const url = out.stdout.trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(out.stderr).toContain(`listening on ${url}`);
      const digest = await pushBlob(url, 'cli/app', 'from the cli');
      expect(out.stderr).toMatch(/POST \/v2\/cli\/app\/blobs\/uploads\/\?digest=sha256:[0-9a-f]{64} -> 201/);
      stop.abort();
      expect(await exit).toBe(0);
      await expect(raw(url, '/v2/')).rejects.toThrow(/ECONNREFUSED/);

      const again = await startRegistry({ storage: { dir: join(temp.path, 'store') } });
      try {
        expect((await raw(again, `/v2/cli/app/blobs/${digest}`)).text).toBe('from the cli');
      } finally {
        await again.close();
      }
    } finally {
      stop.abort();
      await exit;
    }
  });

  it('stops on SIGINT/SIGTERM and removes its signal handlers', async () => {
    const before = process.listeners('SIGTERM');
    const { out, exit } = registryCommand([], { realSignals: true });
    const added = () => process.listeners('SIGTERM').filter((l) => !before.includes(l));
    let signalled = false;
    try {
      await waitUntil(() => out.stdout.endsWith('\n'), 'the URL');
      expect(added()).toHaveLength(1);
      // Call the handler directly rather than emitting the signal at the test worker.
      signalled = true;
      (added()[0] as (signal: string) => void)('SIGTERM');
      expect(await exit).toBe(0);
      expect(out.stderr).toContain('interrupted by SIGTERM, closing');
      expect(process.listeners('SIGTERM')).toEqual(before);
    } finally {
      // A second interrupt would exit the worker: stop it only if the test did not.
      if (!signalled) for (const listener of added()) (listener as (signal: string) => void)('SIGTERM');
      await exit;
    }
  });

  it('returns 1 when the port is taken', async () => {
    const taken = await startRegistry();
    try {
      const { out, exit } = registryCommand(['--port', String(taken.port)]);
      expect(await exit).toBe(1);
      expect(out.stderr).toContain('EADDRINUSE');
      expect(out.stderr).toMatch(/^multiplatform: error: /);
    } finally {
      await taken.close();
    }
  });
});
