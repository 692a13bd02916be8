import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore, CredentialsError, ValidationError, removeDockerLogin, saveDockerLogin } from '../../src/index.js';

const fakeBin = resolve(import.meta.dirname, '../fixtures/docker-config/bin');
let root: string;
let dir: string;
let env: Record<string, string | undefined>;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mp-login-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = join(root, `case-${n++}`);
  await mkdir(dir);
  env = { DOCKER_CONFIG: join(dir, 'docker'), PATH: `${fakeBin}:${process.env.PATH ?? ''}`, FAKE_HELPER_STORE: join(dir, 'helper.json'), FAKE_HELPER_LOG: join(dir, 'helper.log') };
});
afterEach(() => {
  env = {};
});

const configPath = () => join(dir, 'docker', 'config.json');
const readConfig = async () => JSON.parse(await readFile(configPath(), 'utf8')) as Record<string, any>;
const b64 = (text: string) => Buffer.from(text).toString('base64');
async function writeConfig(document: unknown): Promise<string> {
  await mkdir(join(dir, 'docker'), { recursive: true });
  const text = JSON.stringify(document, null, 2);
  await writeFile(configPath(), text, { mode: 0o640 });
  return text;
}

describe('saveDockerLogin', () => {
  it('creates a private config.json with the credentials as base64 auth, which the store then finds', async () => {
    const result = await saveDockerLogin({ registry: 'https://Registry.Example.com/v2/', username: 'me', password: 'p:w', env });
    expect(result).toEqual({ registry: 'registry.example.com', key: 'registry.example.com', configPath: configPath() });
    expect(await readConfig()).toEqual({ auths: { 'registry.example.com': { auth: b64('me:p:w') } } });
    expect((await stat(configPath())).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'docker'))).mode & 0o777).toBe(0o700);
    const found = await new CredentialStore({ env }).resolve('registry.example.com');
    expect(found).toMatchObject({ username: 'me', password: 'p:w', source: 'docker-config' });
  });

  it('keeps every other key and entry, and the mode of an existing file', async () => {
    const before = {
      psFormat: 'table {{.ID}}',
      auths: { 'ghcr.io': { auth: b64('a:b') }, 'localhost:5000': { auth: b64('old:old') } },
      credHelpers: { 'gcr.io': 'gcloud' },
      proxies: { default: { httpProxy: 'http://proxy:3128' } },
    };
    await writeConfig(before);
    await saveDockerLogin({ registry: 'localhost:5000', username: 'new', password: 'secret', env });
    const after = await readConfig();
    expect(after).toEqual({ ...before, auths: { 'ghcr.io': { auth: b64('a:b') }, 'localhost:5000': { auth: b64('new:secret') } } });
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect((await stat(configPath())).mode & 0o777).toBe(0o640);
    expect((await readdir(join(dir, 'docker'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it("keys Docker Hub by https://index.docker.io/v1/, whatever spelling is given", async () => {
    for (const registry of ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/']) {
      const result = await saveDockerLogin({ registry, username: 'me', password: 'tok', env });
      expect(result.key).toBe('https://index.docker.io/v1/');
    }
    expect(Object.keys((await readConfig()).auths)).toEqual(['https://index.docker.io/v1/']);
  });

  it('hands the password to the configured credsStore helper and leaves an empty auths entry, as Docker does', async () => {
    await writeConfig({ credsStore: 'fake-rw', auths: {} });
    const result = await saveDockerLogin({ registry: 'docker.io', username: 'me', password: 'hub-token', env });
    expect(result.helper).toBe('fake-rw');
    expect(await readConfig()).toEqual({ credsStore: 'fake-rw', auths: { 'https://index.docker.io/v1/': {} } });
    expect(await readFile(configPath(), 'utf8')).not.toContain('hub-token');
    expect(JSON.parse(await readFile(env['FAKE_HELPER_STORE']!, 'utf8'))).toEqual({
      'https://index.docker.io/v1/': { ServerURL: 'https://index.docker.io/v1/', Username: 'me', Secret: 'hub-token' },
    });
    const found = await new CredentialStore({ env }).resolve('docker.io');
    expect(found).toMatchObject({ username: 'me', password: 'hub-token', source: 'credential-helper', helper: 'fake-rw' });
  });

  it('uses credHelpers for its registry before credsStore, and an empty credHelpers value means auths', async () => {
    await writeConfig({ credsStore: 'nonexistent', credHelpers: { 'ghcr.io': 'fake-rw', 'quay.io': '' } });
    expect((await saveDockerLogin({ registry: 'ghcr.io', username: 'me', password: 'x1', env })).helper).toBe('fake-rw');
    expect((await saveDockerLogin({ registry: 'quay.io', username: 'me', password: 'x2', env })).helper).toBeUndefined();
    expect((await readConfig()).auths).toEqual({ 'ghcr.io': {}, 'quay.io': { auth: b64('me:x2') } });
  });

  it('writes nothing when the helper fails, and names the helper but never the password', async () => {
    const text = await writeConfig({ credsStore: 'fake-rw' });
    const error = await saveDockerLogin({ registry: 'ghcr.io', username: 'me', password: 'never-shown', env: { ...env, FAKE_HELPER_FAIL: 'store' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(/docker-credential-fake-rw .*for ghcr\.io failed: it exited with code 1/);
    expect((error as Error).message).not.toContain('never-shown');
    expect(await readFile(configPath(), 'utf8')).toBe(text);
  });

  it('refuses to overwrite a config.json it cannot read, leaving it byte-identical', async () => {
    await mkdir(join(dir, 'docker'));
    await writeFile(configPath(), '{"auths": {"ghcr.io": {"auth": "abc"}}, oops}');
    await expect(saveDockerLogin({ registry: 'ghcr.io', username: 'me', password: 'pw', env })).rejects.toThrow(/is not valid JSON: .* at line 1, column 41/);
    expect(await readFile(configPath(), 'utf8')).toBe('{"auths": {"ghcr.io": {"auth": "abc"}}, oops}');
  });

  it('writes through a symlinked config.json, which stays a symlink', async () => {
    const real = join(dir, 'real-config.json');
    await writeFile(real, '{"auths":{}}');
    await mkdir(join(dir, 'docker'));
    await symlink(real, configPath());
    await saveDockerLogin({ registry: 'ghcr.io', username: 'me', password: 'pw', env });
    expect((await lstat(configPath())).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(real, 'utf8'))).toEqual({ auths: { 'ghcr.io': { auth: b64('me:pw') } } });
  });

  it('checks its arguments', async () => {
    await expect(saveDockerLogin({ registry: '', username: 'me', password: 'pw', env })).rejects.toThrow(ValidationError);
    await expect(saveDockerLogin({ registry: 'ghcr.io', username: 'a:b', password: 'pw', env })).rejects.toThrow(/username/);
    await expect(saveDockerLogin({ registry: 'ghcr.io', username: 'me', password: '', env })).rejects.toThrow(/password/);
    await expect(saveDockerLogin(undefined as never)).rejects.toThrow(ValidationError);
  });
});

describe('removeDockerLogin', () => {
  it('drops every auths key naming the registry and keeps the rest', async () => {
    await writeConfig({ auths: { 'ghcr.io': { auth: b64('a:b') }, 'https://ghcr.io': { auth: b64('c:d') }, 'quay.io': { auth: b64('e:f') } }, psFormat: 'x' });
    const result = await removeDockerLogin({ registry: 'ghcr.io', env });
    expect(result).toMatchObject({ registry: 'ghcr.io', removed: true });
    expect(await readConfig()).toEqual({ auths: { 'quay.io': { auth: b64('e:f') } }, psFormat: 'x' });
  });

  it('erases from the helper, and says nothing was removed the second time without touching the file', async () => {
    await writeConfig({ credsStore: 'fake-rw' });
    await saveDockerLogin({ registry: 'ghcr.io', username: 'me', password: 'pw', env });
    expect(await removeDockerLogin({ registry: 'ghcr.io', env })).toMatchObject({ removed: true, helper: 'fake-rw' });
    expect(JSON.parse(await readFile(env['FAKE_HELPER_STORE']!, 'utf8'))).toEqual({});
    const text = await readFile(configPath(), 'utf8');
    const mtime = (await stat(configPath())).mtimeMs;
    expect(await removeDockerLogin({ registry: 'ghcr.io', env })).toMatchObject({ removed: false });
    expect(await readFile(configPath(), 'utf8')).toBe(text);
    expect((await stat(configPath())).mtimeMs).toBe(mtime);
    expect(await readFile(env['FAKE_HELPER_LOG']!, 'utf8')).toBe('store ghcr.io\nerase ghcr.io\nerase ghcr.io\n');
  });

  it('creates no file when there is none', async () => {
    expect(await removeDockerLogin({ registry: 'ghcr.io', env })).toMatchObject({ removed: false });
    await expect(stat(configPath())).rejects.toThrow(/ENOENT/);
  });
});

describe('DOCKER_AUTH_CONFIG', () => {
  const envConfig = (auths: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ auths, ...extra });

  it('gives credentials for registries config.json has nothing for', async () => {
    const store = new CredentialStore({ env: { ...env, DOCKER_AUTH_CONFIG: envConfig({ 'registry.gitlab.example': { auth: b64('ci:job-token') } }) } });
    expect(await store.resolve('registry.gitlab.example')).toMatchObject({ username: 'ci', password: 'job-token', source: 'docker-config', configPath: '$DOCKER_AUTH_CONFIG' });
  });

  it('comes after config.json, so a login made in the job wins', async () => {
    await writeConfig({ auths: { 'registry.gitlab.example': { auth: b64('me:logged-in') } } });
    const store = new CredentialStore({ env: { ...env, DOCKER_AUTH_CONFIG: envConfig({ 'registry.gitlab.example': { auth: b64('ci:job-token') } }) } });
    expect(await store.resolve('registry.gitlab.example')).toMatchObject({ username: 'me', password: 'logged-in', configPath: configPath() });
  });

  it('never runs a helper it names, and is off with dockerConfig: false', async () => {
    const variable = envConfig({}, { credsStore: 'fake-rw', credHelpers: { 'ghcr.io': 'fake-rw' } });
    expect(await new CredentialStore({ env: { ...env, DOCKER_AUTH_CONFIG: variable } }).resolve('ghcr.io')).toBeUndefined();
    await expect(readFile(env['FAKE_HELPER_LOG']!, 'utf8')).rejects.toThrow(/ENOENT/);
    const withAuth = envConfig({ 'ghcr.io': { auth: b64('a:b') } });
    expect(await new CredentialStore({ env: { ...env, DOCKER_AUTH_CONFIG: withAuth }, dockerConfig: false }).resolve('ghcr.io')).toBeUndefined();
  });

  it('is a CredentialsError naming the variable, never its content, when malformed', async () => {
    const store = new CredentialStore({ env: { ...env, DOCKER_AUTH_CONFIG: '{"auths": {"ghcr.io": {"auth": "c2VjcmV0LXZhbHVl"}}' } });
    const error = await store.resolve('ghcr.io').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(/^Docker config \$DOCKER_AUTH_CONFIG is not valid JSON/);
    expect((error as Error).message).not.toContain('c2VjcmV0');
  });
});
