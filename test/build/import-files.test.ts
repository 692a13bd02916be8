/**
 * What importing the built package loads, file by file. A separate `node` process imports an entry
 * by its package name with a module hook (bench/lib/trace-loads.mjs, `module.register`) that records
 * every URL the ESM loader loads; for `require()`, the CommonJS module cache is listed. Resolving
 * and reading hundreds of files of undici and TypeBox from node_modules was most of the import's
 * cost, so the entries carry what they use and load nothing from node_modules.
 *
 * Needs the build (`npx tsup`); fails, and says so, when dist/ is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../helpers/cli-bin.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TRACE = join(ROOT, 'bench', 'lib', 'trace-loads.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'mp-import-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The URLs an ESM `import` of `specifier` loads, in order, as `dist/…`, `node:…` or the full URL of anything else. */
async function esmLoads(specifier: string): Promise<string[]> {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js does not exist: run the build first (`npx tsup`)');
  const out = join(scratch, `${specifier.replace(/\W/g, '_')}.txt`);
  await run(process.execPath, ['--import', TRACE, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], {
    cwd: ROOT,
    env: { ...process.env, MP_BENCH_LOADS: out },
    timeout: 20_000,
  });
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((url) => (url.startsWith(`file://${ROOT}dist/`) ? url.slice(`file://${ROOT}`.length) : url));
}

/** The files in the CommonJS module cache after `require(specifier)`. */
async function cjsLoads(specifier: string): Promise<string[]> {
  const script = `require(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(require.cache)));`;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: ROOT, timeout: 20_000 });
  return (JSON.parse(stdout) as string[]).map((file) => (file.startsWith(ROOT) ? file.slice(ROOT.length) : file));
}

const NETWORK = /^node:(http|https|http2|tls)$/;

/**
 * The built-ins Node loaded during an import of `specifier` (`process.moduleLoadList`, which also
 * sees a `require` inside bundled CommonJS code and `process.getBuiltinModule`, unlike the ESM trace).
 */
async function builtinsLoadedBy(specifier: string, system: 'esm' | 'cjs'): Promise<string[]> {
  const list = `process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule [^/]+$/.test(m)).map((m) => m.slice('NativeModule '.length))`;
  const load = system === 'esm' ? `await import(${JSON.stringify(specifier)})` : `require(${JSON.stringify(specifier)})`;
  // The list is taken before anything is printed: stdout, a pipe here, loads node:net when first used.
  const script = `const before = new Set(process.moduleLoadList); ${load}; const loaded = ${list}; console.log(JSON.stringify(loaded));`;
  const args = system === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 20_000 });
  return JSON.parse(stdout) as string[];
}

/** Built-ins only a request, a TLS connection, a credential helper, a compressed body or a random name needs: loaded at their first use. */
const LOADED_AT_FIRST_USE = ['http', 'https', 'http2', 'tls', 'net', 'child_process', 'dgram', 'diagnostics_channel', 'zlib', 'crypto'];

describe('the files an import of the built package loads', () => {
  it('multiplatform (ESM): its own dist files and Node built-ins, nothing from node_modules, nothing of the other entries', async () => {
    const loads = await esmLoads('multiplatform');
    expect(loads[0]).toBe('dist/index.js');
    const foreign = loads.filter((url) => !url.startsWith('node:') && !/^dist\/(index|chunk-[\w-]+)\.js$/.test(url));
    expect(foreign).toEqual([]);
    expect(loads.filter((url) => url.startsWith('dist/')).length).toBeLessThanOrEqual(5);
  });

  it('multiplatform/oci (ESM): no network built-in and no file the main entry alone needs', async () => {
    const loads = await esmLoads('multiplatform/oci');
    expect(loads[0]).toBe('dist/oci/index.js');
    expect(loads.filter((url) => !url.startsWith('node:') && !/^dist\/(oci\/index|chunk-[\w-]+)\.js$/.test(url))).toEqual([]);
    expect(loads.filter((url) => NETWORK.test(url))).toEqual([]);
    // The chunks it shares with the main entry carry no HTTP client code.
    for (const chunk of loads.filter((url) => url.startsWith('dist/chunk-'))) {
      expect(readFileSync(join(ROOT, chunk), 'utf8'), chunk).not.toMatch(/llhttp|undici\/lib|from ["']undici["']/);
    }
  });

  it('multiplatform/oci (ESM): no TypeBox (the schema checks are generated), and node:crypto and node:net are not loaded up front', async () => {
    const loads = await esmLoads('multiplatform/oci');
    expect(loads.filter((url) => /^node:(crypto|net)$/.test(url))).toEqual([]);
    for (const file of loads.filter((url) => url.startsWith('dist/'))) {
      expect(readFileSync(join(ROOT, file), 'utf8'), file).not.toMatch(/sinclair|TypeCompiler|typebox/i);
    }
  });

  for (const system of ['esm', 'cjs'] as const) {
    it(`multiplatform (${system}): no network, TLS or child-process built-in at import`, async () => {
      const builtins = await builtinsLoadedBy('multiplatform', system);
      expect(builtins).toContain('stream'); // the probe sees built-ins
      expect(builtins.filter((name) => LOADED_AT_FIRST_USE.includes(name))).toEqual([]);
    });
  }

  it('multiplatform/oci (ESM): no node:crypto, even for the empty descriptor', async () => {
    expect(await builtinsLoadedBy('multiplatform/oci', 'esm')).not.toContain('crypto');
  });

  for (const system of ['esm', 'cjs'] as const) {
    it(`multiplatform/oci (${system}): no node:stream until VerifyingStream is used; it then is a Transform, statics included`, async () => {
      expect(await builtinsLoadedBy('multiplatform/oci', system)).not.toContain('stream');
      const load = system === 'esm' ? `const oci = await import('multiplatform/oci');` : `const oci = require('multiplatform/oci');`;
      const script = `${load}
        const staticBeforeAnyInstance = typeof oci.VerifyingStream.from;
        const { Transform, Readable, Writable, pipeline } = process.getBuiltinModule('node:stream');
        const data = Buffer.from('verified bytes');
        const results = [];
        for (const expected of [{ digest: oci.digestOf(data), size: data.length }, { digest: oci.digestOf(Buffer.from('other')), size: data.length }]) {
          const stream = new oci.VerifyingStream(expected, 'a test blob');
          const out = [];
          const error = await new Promise((resolve) => pipeline(Readable.from([data]), stream, new Writable({ write(chunk, _e, callback) { out.push(chunk); callback(); } }), resolve));
          results.push({ transform: stream instanceof Transform, own: stream instanceof oci.VerifyingStream, seen: stream.bytesSeen, out: Buffer.concat(out).toString(), error: error ? error.name : null });
        }
        console.log(JSON.stringify({ staticBeforeAnyInstance, results }));`;
      const args = system === 'esm' ? ['--input-type=module', '-e', script] : ['-e', `(async () => { ${script} })()`];
      const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 20_000 });
      expect(JSON.parse(stdout)).toEqual({
        staticBeforeAnyInstance: 'function', // Transform's statics are there before the first instance
        results: [
          { transform: true, own: true, seen: 14, out: 'verified bytes', error: null },
          { transform: true, own: true, seen: 14, out: 'verified bytes', error: 'DigestMismatchError' },
        ],
      });
    });
  }

  it('the command: --version loads neither node:v8 nor node:module (set up only for a command that does work)', async () => {
    const preload = join(scratch, 'report-builtins.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule [^/]+$/.test(m)).map((m) => m.slice(13)))));`,
    );
    const builtinsOf = async (args: string[]): Promise<string[]> => {
      const { stderr } = await run(process.execPath, ['-r', preload, CLI_BIN, ...args], { cwd: ROOT, timeout: 20_000 }).catch(
        (failure: { stderr: string }) => failure,
      );
      return JSON.parse(stderr.slice(stderr.lastIndexOf('['))) as string[];
    };
    const version = await builtinsOf(['--version']);
    expect(version).toContain('stream'); // the probe sees built-ins (stdout, a pipe here, is a stream)
    // (node:net is the pipe's, so it is not asked about here.)
    expect(version.filter((name) => ['v8', 'module', 'http', 'https', 'http2', 'tls', 'child_process', 'dgram'].includes(name))).toEqual([]);
    // A command that does work (here it fails at once: the spec file does not exist) sets up the runtime.
    expect(await builtinsOf(['push', 'from-spec', join(scratch, 'missing.yml')])).toContain('v8');
  });

  it('multiplatform and multiplatform/oci (CommonJS): one file each', async () => {
    expect(await cjsLoads('multiplatform')).toEqual(['dist/index.cjs']);
    expect(await cjsLoads('multiplatform/oci')).toEqual(['dist/oci/index.cjs']);
  });
});
