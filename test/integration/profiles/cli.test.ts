/** `multiplatform registry --profile NAME`: the command starts the embedded registry with a behaviour profile. */
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.js';
import { run } from '../../../src/cli/run.js';
import { raw, waitUntil } from '../../helpers/registry-helpers.js';

function registryCommand(argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const stop = new AbortController();
  const io: CliIo = {
    stdout: { write: (chunk) => (out.stdout += String(chunk)) },
    stderr: { write: (chunk) => (out.stderr += chunk) },
    readStdin: async () => '',
    env: {},
    watchInterrupts: () => ({ signal: stop.signal, dispose: () => {} }),
  };
  return { out, stop, exit: run(['registry', ...argv], io) };
}

describe('multiplatform registry --profile', () => {
  it('refuses an unknown profile, naming the known ones', async () => {
    const { out, exit } = registryCommand(['--profile', 'gitlab']);
    expect(await exit).toBe(2);
    expect(out.stderr.split('\n')[0]).toBe(
      'multiplatform: error: --profile must be one of ecr, ghcr, dockerhub, gar, acr, quay, harbor, artifactory, got "gitlab"',
    );
  });

  it('--profile ghcr serves a registry with GHCR quirks (no referrers API)', async () => {
    const { out, stop, exit } = registryCommand(['--port', '0', '--profile', 'ghcr']);
    try {
      await waitUntil(() => out.stdout.endsWith('\n'), 'the URL');
      const url = out.stdout.trim();
      const referrers = await raw(url, `/v2/app/referrers/sha256:${'0'.repeat(64)}`);
      expect(referrers.status).toBe(404);
    } finally {
      stop.abort();
      expect(await exit).toBe(0);
    }
  });
});
