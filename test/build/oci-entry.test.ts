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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';

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
  const networkBuiltins = process.moduleLoadList.filter((name) => /^NativeModule (net|http|https|http2|tls|undici)$/.test(name));
  console.log(JSON.stringify({ exported: Object.keys(mod).length, undiciFiles, networkBuiltins }));
`;

/**
 * Asks the embedded registry (plain HTTP on loopback) for the tags of a repository it does not have:
 * the client needs its HTTP stack for that, and the registry's 404 shows the request went out.
 */
function listTagsOn(host: string): string {
  return `
    const client = new mod.RegistryClient({ dockerConfig: false });
    const answer = await client.listTags(${JSON.stringify(`${host}/probe`)}).catch((error) => error);
    await client.close();
    if (answer?.status !== 404) throw new Error('expected the registry to answer 404, got ' + answer);
  `;
}

async function loadInChild(specifier: string, system: 'esm' | 'cjs', then = ''): Promise<LoadReport> {
  for (const file of ['oci/index.js', 'oci/index.cjs', 'index.js', 'index.cjs']) {
    if (!existsSync(join(ROOT, 'dist', file))) throw new Error(`dist/${file} does not exist: run the build first (\`npx tsup\`)`);
  }
  const script =
    system === 'esm'
      ? `import { createRequire } from 'node:module';
         const require = createRequire(process.cwd() + '/');
         const mod = await import(${JSON.stringify(specifier)});
         ${then}
         ${REPORT}`
      : `(async () => {
           const mod = require(${JSON.stringify(specifier)});
           ${then}
           ${REPORT}
         })();`;
  const args = system === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 20_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as LoadReport;
}

describe('multiplatform/oci loads no HTTP client', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    await registry.close();
  });

  for (const system of ['esm', 'cjs'] as const) {
    it(`through ${system === 'esm' ? 'import()' : 'require()'}`, async () => {
      const report = await loadInChild('multiplatform/oci', system);
      expect(report.exported).toBeGreaterThan(40);
      expect(report.undiciFiles).toBe(0);
      expect(report.networkBuiltins).toEqual([]);
    });

    it(`nor does the main entry until a request is sent, when the probe sees it (${system})`, async () => {
      const imported = await loadInChild('multiplatform', system);
      expect(imported.networkBuiltins).toEqual([]);
      const requested = await loadInChild('multiplatform', system, listTagsOn(registry.host));
      // undici's parts are bundled into dist, so no undici file is loaded from node_modules.
      expect(requested.undiciFiles).toBe(0);
      expect(requested.networkBuiltins).toContain('NativeModule net');
      // HTTP/2 (and TLS with it) waits for a connection that needs it; this one is plain HTTP. And
      // undici itself needs no node:http (the client gives its pools a header limit of their own).
      expect(requested.networkBuiltins).not.toContain('NativeModule http2');
      expect(requested.networkBuiltins).not.toContain('NativeModule tls');
      expect(requested.networkBuiltins).not.toContain('NativeModule http');
    });
  }
});
