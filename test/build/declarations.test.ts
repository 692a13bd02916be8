/**
 * Nothing internal in the published types: `npm pack` the built package into a temporary folder,
 * unpack it, and read the declarations of `multiplatform` and `multiplatform/oci` (both module
 * systems, and the shared declaration chunks they import). The client's context, its type and the
 * internal flags of the blob operations must not appear in them.
 *
 * Needs the build (`npx tsup`); fails, and says so, when dist/ is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY_DECLARATIONS = ['dist/index.d.ts', 'dist/index.d.cts', 'dist/oci/index.d.ts', 'dist/oci/index.d.cts'];
const INTERNAL_NAMES = [/\bClientContext\b/, /\bRemoteContext\b/, /\bcontext\b/i, /\bknownAbsent\b/, /\bforPush\b/, /\bcontextOf\b/];

let work: string;
let unpacked: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/index.d.ts'))) throw new Error('dist/ is missing: run the build first (`npx tsup`)');
  work = await mkdtemp(join(tmpdir(), 'multiplatform-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, timeout: 60_000 });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  await run('tar', ['-xzf', join(work, packed?.filename ?? ''), '-C', work]);
  unpacked = join(work, 'package');
  // npm pack alone is allowed 60 s; the project's 10 s hook default is too short for it on a busy machine.
}, 90_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A declaration file and every local declaration file it imports from, transitively. */
function withImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const match of readFileSync(file, 'utf8').matchAll(/from ['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), (match[1] ?? '').replace(/\.(c?)js$/, '.d.$1ts'));
    if (existsSync(target)) withImports(target, seen);
  }
  return seen;
}

describe('published declarations', () => {
  it('include the entry points of multiplatform and multiplatform/oci for both module systems', () => {
    for (const file of ENTRY_DECLARATIONS) expect(existsSync(join(unpacked, file)), file).toBe(true);
    expect(readFileSync(join(unpacked, 'dist/index.d.ts'), 'utf8')).toMatch(/declare class RegistryClient/);
  });

  it('name nothing internal: no client context, no knownAbsent or forPush flags', () => {
    const files = new Set(ENTRY_DECLARATIONS.flatMap((entry) => [...withImports(join(unpacked, entry))]));
    expect(files.size).toBeGreaterThan(ENTRY_DECLARATIONS.length - 1);
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const name of INTERNAL_NAMES) if (name.test(text)) found.push(`${file.slice(unpacked.length + 1)}: ${name.source}`);
    }
    expect(found).toEqual([]);
  });
});
