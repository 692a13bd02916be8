import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/index.js';

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/**
 * The CLI built as tsup builds it, into a directory with no node_modules above it: a command that
 * needed undici or yaml would fail to load there, so these prove the light paths stay light.
 */
let outDir: string;
let main: string;

async function runBuilt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [main, ...args], { env: { PATH: process.env.PATH, HOME: outDir } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'mp-cli-build-'));
  const tsup = join(root, 'node_modules', '.bin', 'tsup');
  await execFileAsync(tsup, ['--no-config', 'src/cli/main.ts', '--format', 'esm', '--target', 'node20', '--out-dir', join(outDir, 'cli'), '--silent'], {
    cwd: root,
  });
  main = join(outDir, 'cli', 'main.js');
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('the built CLI', () => {
  it('loads neither undici nor yaml for --version, --help and usage errors', async () => {
    expect(await runBuilt(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const help = await runBuilt(['push', 'from-spec', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: multiplatform push from-spec FILE\.yml/);
    const usage = await runBuilt(['inspect', '--nope', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^multiplatform: error: unknown flag --nope\n/);
    expect(usage.stdout).toBe('');
  });

  it('loads the library only when a command needs it (here it cannot, so the command fails with 1)', async () => {
    const result = await runBuilt(['inspect', '127.0.0.1:9/app:1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/multiplatform: error: .*(undici|Cannot find package)/);
  });

  it('keeps the entry chunk free of library imports', async () => {
    const entry = await readFile(main, 'utf8');
    expect(entry).not.toMatch(/from ["']undici["']/);
    expect(entry).not.toMatch(/from ["']yaml["']/);
  });
});

describe('the bin package.json names', () => {
  const bin = resolve(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { multiplatform: string } }).bin.multiplatform);
  const mainFile = join(root, 'dist', 'cli', 'main.js');
  const runFile = async (file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [file, ...args], { env: { PATH: process.env.PATH, HOME: tmpdir() } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failure = error as { code: number; stdout: string; stderr: string };
      return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
    }
  };

  it('answers --version by itself: a copy with no main.js beside it still prints the version, and fails for anything else', async () => {
    if (!existsSync(bin)) throw new Error(`${bin} does not exist: run the build first (\`npx tsup\`)`);
    const alone = await mkdtemp(join(tmpdir(), 'mp-bin-alone-'));
    try {
      await copyFile(bin, join(alone, basename(bin)));
      expect(await runFile(join(alone, basename(bin)), ['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
      const help = await runFile(join(alone, basename(bin)), ['--help']);
      expect(help.code).not.toBe(0);
      expect(help.stderr).toMatch(/main\.js/);
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  });

  it('hands every other command line to the command: same output and exit code as main.js', async () => {
    for (const args of [['--help'], ['push', '--version'], ['inspect', '--nope', 'x'], ['push', 'from-spec', join(tmpdir(), 'mp-no-such-spec.yml')]]) {
      const direct = await runFile(mainFile, args);
      const throughBin = await runFile(bin, args);
      expect(throughBin, args.join(' ')).toEqual(direct);
      expect(direct.stdout + direct.stderr, args.join(' ')).not.toBe('');
    }
  });
});
