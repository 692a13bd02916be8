import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';

const USER = 'login-user';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const fakeBin = resolve(import.meta.dirname, '../fixtures/docker-config/bin');
let root: string;
let home: string;
let env: Record<string, string | undefined>;
let basic: RunningRegistry;
let token: RunningRegistry;
let n = 0;

/** Runs the CLI in-process and captures what it writes. */
async function cli(argv: string[], stdin = '') {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (chunk) => (out += String(chunk)) },
    stderr: { write: (chunk) => (err += chunk) },
    readStdin: async () => stdin,
    env,
  };
  const code = await run(argv, io);
  return { code, stdout: out, stderr: err };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mp-cli-login-'));
  basic = await startRegistry({ auth: { basic: { username: USER, password: PASSWORD } } });
  token = await startRegistry({ auth: { token: { username: USER, password: PASSWORD } } });
});
afterAll(async () => {
  await Promise.all([basic?.close(), token?.close()]);
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  home = join(root, `home-${n++}`);
  await mkdir(home);
  env = { HOME: home, PATH: `${fakeBin}:${process.env.PATH ?? ''}`, FAKE_HELPER_STORE: join(home, 'helper.json') };
});

const configPath = () => join(home, '.docker', 'config.json');
const readConfig = async () => JSON.parse(await readFile(configPath(), 'utf8')) as Record<string, any>;
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('multiplatform login', () => {
  for (const kind of ['basic', 'token'] as const) {
    it(`checks the credentials with a ${kind}-auth registry, then saves them as docker login does`, async () => {
      const registry = kind === 'basic' ? basic : token;
      const result = await cli(['login', registry.host, '-u', USER, '--password-stdin'], `${PASSWORD}\n`);
      expect(result).toMatchObject({ code: 0, stdout: 'Login Succeeded\n' });
      expect(result.stderr).toContain(`saved unencrypted in ${configPath()}`);
      expect(result.stderr + result.stdout).not.toContain(PASSWORD);
      expect(await readConfig()).toEqual({ auths: { [registry.host]: { auth: b64(`${USER}:${PASSWORD}`) } } });
      expect((await stat(configPath())).mode & 0o777).toBe(0o600);
      // The saved login is what later commands use.
      const inspect = await cli(['inspect', `${registry.host}/nothing/here:1`]);
      expect(inspect.stderr).not.toMatch(/authentication/);
      expect(inspect.stderr).toMatch(/not found|MANIFEST_UNKNOWN|NAME_UNKNOWN/);
    });

    it(`refuses a wrong password of a ${kind}-auth registry with exit 1, naming the registry, leaving config.json byte-identical`, async () => {
      const registry = kind === 'basic' ? basic : token;
      await mkdir(join(home, '.docker'));
      const before = JSON.stringify({ auths: { 'ghcr.io': { auth: b64('a:b') } }, psFormat: 'table' }, null, 4);
      await writeFile(configPath(), before);
      const result = await cli(['login', registry.host, '--username', USER, '--password-stdin'], 'wrong-password-123\n');
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`^multiplatform: error: log in to ${registry.host.replace(/\./g, '\\.')}: authentication to ${registry.host.replace(/\./g, '\\.')} failed`));
      expect(result.stderr).not.toContain('wrong-password-123');
      expect(await readFile(configPath(), 'utf8')).toBe(before);
    });
  }

  it('accepts -p with a warning, and never prints that password', async () => {
    const ok = await cli(['login', basic.host, '-u', USER, '-p', PASSWORD]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('warning: a password on the command line can be read by other users; prefer --password-stdin');
    const bad = await cli(['login', basic.host, '-u', USER, '-pwrong-inline-pw']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toContain('wrong-inline-pw');
  });

  it('stores into the credsStore helper, leaving only an empty auths entry', async () => {
    await mkdir(join(home, '.docker'));
    await writeFile(configPath(), JSON.stringify({ credsStore: 'fake-rw', currentContext: 'default' }));
    const result = await cli(['login', token.host, '-u', USER, '--password-stdin'], PASSWORD);
    expect(result).toMatchObject({ code: 0, stdout: 'Login Succeeded\n' });
    expect(result.stderr).toBe(`multiplatform: credentials for ${token.host} saved with docker-credential-fake-rw\n`);
    expect(await readConfig()).toEqual({ credsStore: 'fake-rw', currentContext: 'default', auths: { [token.host]: {} } });
    expect(JSON.parse(await readFile(env['FAKE_HELPER_STORE']!, 'utf8'))).toEqual({ [token.host]: { ServerURL: token.host, Username: USER, Secret: PASSWORD } });
    // Without --username, login checks what is saved (through the helper) and writes nothing.
    expect(await cli(['login', token.host])).toMatchObject({ code: 0, stdout: 'Login Succeeded\n' });
  });

  it('honours DOCKER_CONFIG and --docker-cfg', async () => {
    env['DOCKER_CONFIG'] = join(home, 'from-env');
    expect((await cli(['login', basic.host, '-u', USER, '--password-stdin'], PASSWORD)).code).toBe(0);
    expect(JSON.parse(await readFile(join(home, 'from-env', 'config.json'), 'utf8')).auths[basic.host]).toBeDefined();
    expect((await cli(['login', basic.host, '-u', USER, '--password-stdin', '--docker-cfg', join(home, 'flag')], PASSWORD)).code).toBe(0);
    expect(JSON.parse(await readFile(join(home, 'flag', 'config.json'), 'utf8')).auths[basic.host]).toBeDefined();
  });

  it('is a usage error (exit 2) without saved credentials or with a password but no user', async () => {
    const none = await cli(['login', basic.host]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no saved credentials for ${basic.host}; give --username with --password-stdin`);
    expect((await cli(['login', basic.host, '--password-stdin'], PASSWORD)).code).toBe(2);
    expect((await cli(['push', 'from-spec', '-u', USER, 'x.yml'])).stderr).toContain('-u is not a flag of push from-spec (did you mean --username?)');
  });
});

describe('multiplatform logout', () => {
  it('removes the saved login, and says so when there is none', async () => {
    await cli(['login', basic.host, '-u', USER, '--password-stdin'], PASSWORD);
    expect(await cli(['logout', basic.host])).toMatchObject({ code: 0, stdout: `Removing login credentials for ${basic.host}\n` });
    expect(await readConfig()).toEqual({ auths: {} });
    expect(await cli(['logout', basic.host])).toMatchObject({ code: 0, stdout: `Not logged in to ${basic.host}\n` });
  });

  it('erases from the helper and notes credentials DOCKER_AUTH_CONFIG still gives', async () => {
    await mkdir(join(home, '.docker'));
    await writeFile(configPath(), JSON.stringify({ credsStore: 'fake-rw' }));
    await cli(['login', token.host, '-u', USER, '--password-stdin'], PASSWORD);
    env['DOCKER_AUTH_CONFIG'] = JSON.stringify({ auths: { [token.host]: { auth: b64(`${USER}:${PASSWORD}`) } } });
    const result = await cli(['logout', token.host]);
    expect(result).toMatchObject({ code: 0, stdout: `Removing login credentials for ${token.host}\n` });
    expect(result.stderr).toContain(`DOCKER_AUTH_CONFIG still holds credentials for ${token.host}`);
    expect(JSON.parse(await readFile(env['FAKE_HELPER_STORE']!, 'utf8'))).toEqual({});
  });
});
