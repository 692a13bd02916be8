import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/index.js';

const root = resolve(import.meta.dirname, '../..');
const SCRIPT = resolve(root, 'scripts/install-check.sh');
/** npm installs from the registry (or its cache): minutes on a busy machine. */
const TIMEOUT_MS = 15 * 60_000;

/** Runs scripts/install-check.sh in its own process group, killed as a whole on timeout. */
function installCheck(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [SCRIPT], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, TIMEOUT_MS - 10_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

describe('installing the package (scripts/install-check.sh on a fresh clone of HEAD)', () => {
  it(
    'works from a git URL, from an npm pack tarball and from a local path: ESM, CJS, types and the bin',
    async () => {
      const result = await installCheck();
      expect(result.stderr.split('\n').filter((line) => /failed|error/i.test(line))).toEqual([]);
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines.map((line) => line.replace(/, \d+ s\)$/, ')'))).toEqual(
        ['git', 'tarball', 'path'].map((mode) => `ok ${mode}: esm cjs types bin (${VERSION})`),
      );
    },
    TIMEOUT_MS,
  );
});
