/**
 * The cloud SDKs are optional peers: the built library (ESM and CommonJS) loads none of them on
 * `import 'multiplatform'`, nor for a registry of no cloud; a cloud registry's lookup imports its
 * SDK, and when that SDK is not installed the error says what to install. Runs `node` on dist/ with
 * a module resolve hook that records (and, for the "not installed" case, refuses) SDK imports.
 *
 * The test command builds first (`npx tsup`); these tests fail, and say so, when dist/ is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const HOOK = fileURLToPath(new URL('./fixtures/register-sdk-load-hook.mjs', import.meta.url));

function built(file: string): string {
  const path = join(ROOT, 'dist', file);
  if (!existsSync(path)) throw new Error(`${path} does not exist: run the build first: \`npx tsup\` (the test command \`npm test\` does it)`);
  return path;
}

const HOSTS = {
  ecr: '123456789012.dkr.ecr.eu-central-1.amazonaws.com',
  gcp: 'us-docker.pkg.dev',
  acr: 'contoso.azurecr.io',
};

/**
 * The child: loads the library, makes a client, resolves credentials for a registry of no cloud, prints
 * `loaded-before-cloud <n>` (how many SDK imports the hook had seen), then resolves the given cloud
 * hosts and prints each error message as JSON.
 */
const SCENARIO = `
  const client = new mod.RegistryClient();
  const store = new mod.CredentialStore({ dockerConfig: false, env: {} });
  await store.resolve('ghcr.io');
  const { readFileSync } = await import('node:fs');
  const imported = readFileSync(process.env.SDK_LOAD_LOG, 'utf8').split('\\n').filter(Boolean);
  // CommonJS requires do not pass the resolve hook in every Node version: look in require's cache too.
  const required = typeof require === 'undefined' ? [] : Object.keys(require.cache).filter((path) => /client-ecr|google-auth-library|@azure[\\\\/]identity/.test(path));
  console.log('loaded-before-cloud ' + (imported.length + required.length));
  for (const host of JSON.parse(process.env.CLOUD_HOSTS)) {
    const error = await store.resolve(host).then(() => undefined, (e) => e);
    console.log(JSON.stringify({ host, kind: error?.name, message: error?.message }));
  }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-optional-sdks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runScenario(entry: 'esm' | 'cjs', hosts: string[]): Promise<{ before: number; errors: Array<{ host: string; kind?: string; message?: string }>; loaded: string[] }> {
  const log = join(dir, `${entry}-${hosts.length}.log`);
  await writeFile(log, '');
  const load = entry === 'esm' ? `const mod = await import(${JSON.stringify(pathToFileURL(built('index.js')).href)});` : `const mod = require(${JSON.stringify(built('index.cjs'))});`;
  const script = entry === 'esm' ? `${load}\n${SCENARIO}` : `(async () => { ${load}\n${SCENARIO} })().catch((e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ['--import', pathToFileURL(HOOK).href, ...(entry === 'esm' ? ['--input-type=module'] : []), '-e', script], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, SDK_LOAD_LOG: log, SDK_BLOCK: '1', CLOUD_HOSTS: JSON.stringify(hosts) },
    timeout: 60_000,
  });
  const lines = stdout.trim().split('\n');
  const before = Number(/^loaded-before-cloud (\d+)$/.exec(lines[0] ?? '')?.[1]);
  const errors = lines.slice(1).map((line) => JSON.parse(line) as { host: string; kind?: string; message?: string });
  const loaded = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return { before, errors, loaded };
}

describe.each(['esm', 'cjs'] as const)('the built library (%s)', (entry) => {
  it('loads no cloud SDK on import, for a client or for a registry of no cloud; imports a cloud registry\'s SDK only for it, and names the package to install when it is absent', async () => {
    const { before, errors, loaded } = await runScenario(entry, [HOSTS.ecr, HOSTS.gcp, HOSTS.acr]);
    expect(before).toBe(0);
    expect(loaded).toEqual(['@aws-sdk/client-ecr', 'google-auth-library', '@azure/identity']);
    expect(errors).toEqual([
      {
        host: HOSTS.ecr,
        kind: 'CredentialsError',
        message: expect.stringContaining('to log in to ECR without docker-credential-ecr-login, install @aws-sdk/client-ecr (npm install @aws-sdk/client-ecr)'),
      },
      {
        host: HOSTS.gcp,
        kind: 'CredentialsError',
        message: expect.stringContaining('to log in to Artifact Registry without docker-credential-gcr, install google-auth-library (npm install google-auth-library)'),
      },
      {
        host: HOSTS.acr,
        kind: 'CredentialsError',
        message: expect.stringContaining('to log in to ACR without docker-credential-acr-env, install @azure/identity (npm install @azure/identity)'),
      },
    ]);
  });
});
