/**
 * The promise of `multiplatform/oci`: importing it loads no HTTP client. A separate `node` process
 * loads the built entry by its package name (through the `exports` map), once with `import()` and
 * once with `require()`, and reports which undici files and which networking built-ins got loaded.
 * The main entry, which does load them, is the control that shows the probe sees them.
 *
 * Needs the build (`npx tsup`); fails, and says so, when dist/ is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What a child process reports after loading an entry. */
interface LoadReport {
  /** How many values the entry exports. */
  exported: number;
  /** Files of the undici package in the CommonJS module cache (ESM imports of it land there too). */
  undiciFiles: number;
  /** Networking built-ins Node has loaded. */
  networkBuiltins: string[];
}

const REPORT = `
  const undiciFiles = Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/]undici[\\\\/]/.test(file)).length;
  const networkBuiltins = process.moduleLoadList.filter((name) => /^NativeModule (http|https|http2|tls|undici)$/.test(name));
  console.log(JSON.stringify({ exported: Object.keys(mod).length, undiciFiles, networkBuiltins }));
`;

async function loadInChild(specifier: string, system: 'esm' | 'cjs'): Promise<LoadReport> {
  for (const file of ['oci/index.js', 'oci/index.cjs', 'index.js', 'index.cjs']) {
    if (!existsSync(join(ROOT, 'dist', file))) throw new Error(`dist/${file} does not exist: run the build first (\`npx tsup\`)`);
  }
  const script =
    system === 'esm'
      ? `import { createRequire } from 'node:module';
         const require = createRequire(process.cwd() + '/');
         const mod = await import(${JSON.stringify(specifier)});
         ${REPORT}`
      : `const mod = require(${JSON.stringify(specifier)});
         ${REPORT}`;
  const args = system === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 20_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as LoadReport;
}

describe('multiplatform/oci loads no HTTP client', () => {
  for (const system of ['esm', 'cjs'] as const) {
    it(`through ${system === 'esm' ? 'import()' : 'require()'}`, async () => {
      const report = await loadInChild('multiplatform/oci', system);
      expect(report.exported).toBeGreaterThan(40);
      expect(report.undiciFiles).toBe(0);
      expect(report.networkBuiltins).toEqual([]);
    });

    it(`while the main entry does, which shows the probe sees it (${system})`, async () => {
      const report = await loadInChild('multiplatform', system);
      // undici's parts are bundled into the entry, so no undici file is loaded from node_modules.
      expect(report.networkBuiltins).toContain('NativeModule http');
    });
  }
});
