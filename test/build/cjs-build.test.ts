/**
 * The published build really works outside vitest: a separate `node` process `require()`s
 * dist/index.cjs (and, in a second case, imports dist/index.js), drives a RegistryClient through an
 * undici MockAgent whose first answer is a 503, and reports what happened. Two requests prove the
 * retry runs inside the CommonJS build.
 *
 * The test command builds first (`npx tsup`); these tests fail, and say so, when dist/ is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ociManifest } from '../helpers/mock-registry.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
const BUILD_HINT = 'run the build first: `npx tsup` (the test command `npm test` does it)';

function requireBuilt(file: string): string {
  const path = join(DIST, file);
  if (!existsSync(path)) throw new Error(`${path} does not exist: ${BUILD_HINT}`);
  return path;
}

/**
 * The body of the child script, shared by the CommonJS and ESM variants: `mod` is the library,
 * `MockAgent` undici's. It prints one JSON line.
 */
const SCENARIO = `
  const bytes = Buffer.from(process.env.MANIFEST_B64, 'base64');
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get('https://registry.test');
  let requests = 0;
  const count = (reply) => () => { requests++; return reply; };
  pool.intercept({ path: '/v2/app/manifests/1.0', method: 'GET' })
    .reply(count({ statusCode: 503, data: '{"errors":[{"code":"UNAVAILABLE"}]}', responseOptions: { headers: { 'content-type': 'application/json' } } }));
  pool.intercept({ path: '/v2/app/manifests/1.0', method: 'GET' })
    .reply(count({ statusCode: 200, data: bytes, responseOptions: { headers: { 'content-type': process.env.MANIFEST_TYPE } } }));
  pool.intercept({ path: '/v2/app/manifests/missing', method: 'GET' })
    .reply(count({ statusCode: 404, data: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', responseOptions: { headers: { 'content-type': 'application/json' } } }));
  const client = new mod.RegistryClient({ dispatcher: agent, dockerConfig: false, env: {}, retry: { minDelayMs: 1, maxDelayMs: 5 } });
  const result = await client.getManifest('registry.test/app:1.0');
  let missing;
  try {
    await client.getManifest('registry.test/app:missing');
  } catch (error) {
    missing = { typed: error instanceof mod.RegistryError && mod.isNotFound(error), status: error.status, codes: error.codes };
  }
  await agent.close();
  console.log(JSON.stringify({ requests, digest: result.descriptor.digest, mediaType: result.manifest.mediaType, missing, version: mod.VERSION }));
`;

interface ChildReport {
  requests: number;
  digest: string;
  mediaType: string;
  missing: { typed: boolean; status: number; codes: string[] };
  version: string;
}

async function runChild(args: string[]): Promise<ChildReport> {
  const manifest = ociManifest('cjs');
  const { stdout } = await run(process.execPath, args, {
    cwd: ROOT,
    timeout: 20_000,
    env: { ...process.env, MANIFEST_B64: manifest.bytes.toString('base64'), MANIFEST_TYPE: manifest.mediaType },
  });
  const lines = stdout.trim().split('\n');
  const report = JSON.parse(lines[lines.length - 1] ?? '') as ChildReport;
  expect(report.digest).toBe(manifest.digest);
  return report;
}

function expectedVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

describe('built package', () => {
  it('has type declarations for both module systems', () => {
    const dts = readFileSync(requireBuilt('index.d.ts'), 'utf8');
    expect(dts).toMatch(/declare class RegistryClient/);
    expect(existsSync(requireBuilt('index.d.cts'))).toBe(true);
  });

  it('requires no runtime dependency from the CommonJS build', () => {
    const cjs = readFileSync(requireBuilt('index.cjs'), 'utf8');
    // undici's agent and request parts are bundled too (src/transport/undici-lite.cjs), its entry point not loaded.
    expect(cjs).not.toMatch(/require\(["'](undici|@sinclair\/typebox)[^"']*["']\)/);
  });

  it('works through require() of dist/index.cjs, retrying after a 503', async () => {
    const cjs = requireBuilt('index.cjs');
    const script = `
      const mod = require(${JSON.stringify(cjs)});
      const { MockAgent } = require('undici');
      (async () => { ${SCENARIO} })().catch((error) => { console.error(error); process.exit(1); });
    `;
    const report = await runChild(['-e', script]);
    expect(report.requests).toBe(3); // 503, 200, then one 404 that is not retried
    expect(report.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(report.missing).toEqual({ typed: true, status: 404, codes: ['MANIFEST_UNKNOWN'] });
    expect(report.version).toBe(expectedVersion());
  });

  it('works through import of dist/index.js', async () => {
    const esm = pathToFileURL(requireBuilt('index.js')).href;
    const script = `
      const mod = await import(${JSON.stringify(esm)});
      const { MockAgent } = await import('undici');
      ${SCENARIO}
    `;
    const report = await runChild(['--input-type=module', '-e', script]);
    expect(report.requests).toBe(3);
    expect(report.missing).toEqual({ typed: true, status: 404, codes: ['MANIFEST_UNKNOWN'] });
    expect(report.version).toBe(expectedVersion());
  });
});

/**
 * The error guards work across the package's entries and module systems: each built entry carries
 * its own copy of the error classes, so `instanceof` fails between them and the guards go by the
 * errors' registered-symbol brand. One node process loads the CommonJS and the ESM builds of the
 * main entry and the CommonJS build of `multiplatform/registry`.
 */
describe('error guards across built entries', () => {
  it('an error of the CommonJS registry entry passes isValidationError of both main builds, and an ESM error the CommonJS guard', async () => {
    const files = { cjsMain: requireBuilt('index.cjs'), cjsRegistry: requireBuilt('registry/index.cjs'), esmMain: pathToFileURL(requireBuilt('index.js')).href };
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/');
      const cjsMain = require(${JSON.stringify(files.cjsMain)});
      const cjsRegistry = require(${JSON.stringify(files.cjsRegistry)});
      const esmMain = await import(${JSON.stringify(files.esmMain)});
      const caught = async (run) => { try { await run(); } catch (error) { return error; } throw new Error('expected a failure'); };

      const fromRegistry = await caught(() => cjsRegistry.startBlobMirror({}));
      const fromEsm = await caught(() => new esmMain.RegistryClient({ username: 'me' }));
      console.log(JSON.stringify({
        registryMessage: fromRegistry.message,
        registryInstanceOfCjsMain: fromRegistry instanceof cjsMain.ValidationError,
        registryPassesCjsGuard: cjsMain.isValidationError(fromRegistry),
        registryPassesEsmGuard: esmMain.isValidationError(fromRegistry),
        registryPassesEsmBaseGuard: esmMain.isMultiplatformError(fromRegistry),
        registryFailsOtherGuard: cjsMain.isNetworkError(fromRegistry),
        esmInstanceOfCjsMain: fromEsm instanceof cjsMain.ValidationError,
        esmPassesCjsGuard: cjsMain.isValidationError(fromEsm),
      }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 20_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
    expect(report).toEqual({
      registryMessage: 'startBlobMirror: expected a registry returned by startRegistry or createRegistryHandler',
      registryInstanceOfCjsMain: false,
      registryPassesCjsGuard: true,
      registryPassesEsmGuard: true,
      registryPassesEsmBaseGuard: true,
      registryFailsOtherGuard: false,
      esmInstanceOfCjsMain: false,
      esmPassesCjsGuard: true,
    });
  });
});
