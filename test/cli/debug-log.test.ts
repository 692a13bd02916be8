/**
 * `--debug`, `--verbose` (`-v`) and `--plain-http` against real registries: the embedded one
 * (Basic and token auth, mounted in a server of the test's own that records what clients send)
 * and CNCF distribution (bcrypt Basic, and JWT bearer tokens from a token server).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryHandler, startRegistry, type RegistryHandler, type RunningRegistry } from '../../src/registry/index.js';
import { startDistribution, type DistributionRegistry } from '../helpers/distribution.js';
import { pushBuiltImage } from '../helpers/images.js';
import { runCli } from './in-process.js';

const USER = 'debug-user';
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const env = { HOME: '/nonexistent', PATH: process.env.PATH };
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** An embedded registry in a server that remembers every `Authorization` header it received. */
async function recordingRegistry(auth: 'basic' | 'token'): Promise<{ host: string; seen: string[]; close(): Promise<void> }> {
  const credentials = { username: USER, password: PASSWORD };
  const handler: RegistryHandler = await createRegistryHandler({ auth: auth === 'basic' ? { basic: credentials } : { token: credentials } });
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization) seen.push(req.headers.authorization);
    handler.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
    },
  };
}

function expectNoSecret(output: string, secrets: readonly string[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(output).not.toContain(secret);
}

describe('--debug against the embedded registry', () => {
  for (const auth of ['basic', 'token'] as const) {
    it(`prints every request and answer with headers, and never the password or a ${auth === 'basic' ? 'Basic header' : 'bearer token'}`, async () => {
      const registry = await recordingRegistry(auth);
      try {
        const ref = `${registry.host}/debug/app:1`;
        await pushBuiltImage(ref, { os: 'linux', architecture: 'amd64' }, { [registry.host]: { username: USER, password: PASSWORD } });
        registry.seen.length = 0;

        const result = await runCli(['inspect', '--debug', '--username', USER, '--password-stdin', ref], { stdin: `${PASSWORD}\n`, env });

        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(' * Supports: linux/amd64');
        expect(result.stderr).toMatch(/multiplatform: debug: > GET http:\/\/127\.0\.0\.1:\d+\/v2\/debug\/app\/manifests\/1\n/);
        expect(result.stderr).toMatch(/multiplatform: debug: < 200 \(GET http:\/\/127\.0\.0\.1:\d+\/v2\/debug\/app\/manifests\/1\)\n/);
        expect(result.stderr).toContain('multiplatform: debug: < www-authenticate: ');
        // The challenge is no secret: where to get a token, for which service and scope, stays readable.
        if (auth === 'token') expect(result.stderr).toMatch(/debug: < www-authenticate: Bearer realm="http:\/\/127\.0\.0\.1:\d+\/[^"]+",service="[^"]+",scope="repository:debug\/app:pull"/);
        else expect(result.stderr).toMatch(/debug: < www-authenticate: Basic realm="[^"[]+"/);
        expect(result.stderr).toContain('multiplatform: debug: > authorization: [REDACTED]');
        expect(result.stderr).toContain('multiplatform: debug: < docker-content-digest: sha256:');
        // What the client really sent: none of it may show.
        const sent = registry.seen.flatMap((header) => [header, header.replace(/^\S+\s+/, '')]);
        expectNoSecret(result.stderr + result.stdout, [PASSWORD, b64(`${USER}:${PASSWORD}`), ...sent]);
        if (auth === 'token') expect(registry.seen.some((h) => h.startsWith('Bearer '))).toBe(true);
      } finally {
        await registry.close();
      }
    });
  }
});

describe('--debug against CNCF distribution', () => {
  const registries: Partial<Record<'basic' | 'token', DistributionRegistry>> = {};
  beforeAll(async () => {
    [registries.basic, registries.token] = await Promise.all([startDistribution({ auth: 'basic' }), startDistribution({ auth: 'token' })]);
  });
  afterAll(async () => {
    await Promise.all(Object.values(registries).map((r) => r?.stop()));
  });

  for (const auth of ['basic', 'token'] as const) {
    it(`redacts the ${auth} credentials and tokens of a push`, async () => {
      const registry = registries[auth]!;
      const { username = '', password = '' } = registry;
      const ref = `${registry.host}/debug/source:1`;
      await pushBuiltImage(ref, { os: 'linux', architecture: 'arm64', variant: 'v8' }, { [registry.host]: { username, password } });

      const result = await runCli(
        ['push', 'from-args', '--debug', '--platforms', 'linux/arm64/v8', '--template', ref, '--target', `${registry.host}/debug/list:1`, '--username', username, '--password-stdin'],
        { stdin: password, env },
      );

      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('multiplatform: debug: > PUT http://');
      expect(result.stderr).toContain('multiplatform: debug: > authorization: [REDACTED]');
      expectNoSecret(result.stderr + result.stdout, [password, b64(`${username}:${password}`)]);
      // distribution's token server issues JWTs: none may be printed, whole or in part.
      expect(result.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/);
      if (auth === 'token') expect(result.stderr).toMatch(/debug: > GET http:\/\/127\.0\.0\.1:\d+\/token\?/);
    });
  }
});

describe('--verbose and --plain-http', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ host: '0.0.0.0' });
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('-v says what each request was and how it was answered, without headers', async () => {
    const ref = `127.0.0.1:${registry.port}/verbose/app:1`;
    await pushBuiltImage(ref, { os: 'linux', architecture: 'amd64' });
    for (const flag of ['-v', '--verbose']) {
      const result = await runCli(['digest', flag, ref], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/^multiplatform: HEAD http:\/\/127\.0\.0\.1:\d+\/v2\/verbose\/app\/manifests\/1 -> 200$/m);
      expect(result.stderr).not.toContain('debug:');
    }
    const quiet = await runCli(['digest', ref], { env });
    expect(quiet.stderr).toBe('');
  });

  // A registry reached by an address that is not loopback is HTTPS unless the command says otherwise.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it.runIf(external)('--plain-http reaches a registry on a non-loopback address over HTTP; without it the command fails', async () => {
    const ref = `${external}:${registry.port}/plain/app:1`;
    await pushBuiltImage(`127.0.0.1:${registry.port}/plain/app:1`, { os: 'linux', architecture: 'amd64' });

    const refused = await runCli(['inspect', '--timeout', '10s', ref], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('if it serves plain HTTP, add --plain-http');

    const plain = await runCli(['inspect', '--plain-http', '--debug', ref], { env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(' * Supports: linux/amd64');
    // The HTTPS probe that got no answer is shown too, then the same registry over HTTP.
    expect(plain.stderr).toMatch(new RegExp(`debug: ! GET https://${external!.replace(/\./g, '\\.')}:${registry.port}/v2/ -> probe `));
    expect(plain.stderr).toContain(`debug: > GET http://${external}:${registry.port}/v2/plain/app/manifests/1`);
  });
});
