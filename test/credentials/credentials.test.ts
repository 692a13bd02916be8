import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CredentialStore,
  configKeyMatches,
  dockerHubAuthKey,
  normaliseRegistryHost,
  type CredentialStoreOptions,
} from '../../src/credentials/index.js';
import { findJsonSyntaxProblem } from '../../src/util/json-syntax.js';
import { CredentialsError, ValidationError, redact } from '../../src/errors.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/docker-config');
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

let tmp: string;
let binDir: string;
let helperLog: string;
let helperStore: string;
let pidFile: string;
const pidsToStop: number[] = [];

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'multiplatform-credentials-'));
  binDir = join(tmp, 'bin');
  helperLog = join(tmp, 'helper.log');
  helperStore = join(tmp, 'helper-store.json');
  pidFile = join(tmp, 'helper.pid');
  await mkdir(binDir);
  // Copied so the executable bit does not depend on how the repository was checked out.
  for (const name of await readdir(join(fixtures, 'bin'))) {
    await copyFile(join(fixtures, 'bin', name), join(binDir, name));
    await chmod(join(binDir, name), 0o755);
  }
  await writeFile(helperStore, '{}');
});

afterEach(async () => {
  for (const pid of pidsToStop.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(tmp, { recursive: true, force: true });
});

/** An environment with only the fake helpers, node and the basic shell tools on PATH. */
function testEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: [binDir, dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
    HOME: join(tmp, 'home'),
    FAKE_HELPER_LOG: helperLog,
    FAKE_HELPER_STORE: helperStore,
    FAKE_HELPER_PIDFILE: pidFile,
    ...extra,
  };
}

async function writeConfig(config: unknown, dir = join(tmp, 'docker')): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'config.json');
  await writeFile(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

async function storeWith(config: unknown, options: Partial<CredentialStoreOptions> = {}): Promise<CredentialStore> {
  const path = await writeConfig(config);
  return new CredentialStore({ dockerConfig: path, env: testEnv(), ...options });
}

async function helperCalls(): Promise<string[]> {
  const text = await readFile(helperLog, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('registry hosts and config keys', () => {
  it("uses Docker's legacy key for Docker Hub", () => {
    expect(dockerHubAuthKey).toBe('https://index.docker.io/v1/');
  });

  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['https://registry-1.docker.io/v2/', 'docker.io'],
    ['http://docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['https://ghcr.io/', 'ghcr.io'],
    ['GHCR.io', 'ghcr.io'],
    ['http://localhost:5000/v2/', 'localhost:5000'],
    ['registry.example.com/v1/', 'registry.example.com'],
  ])('normalises %s to %s', (input, host) => {
    expect(normaliseRegistryHost(input)).toBe(host);
  });

  it.each([
    ['https://index.docker.io/v1/', 'docker.io', true],
    ['index.docker.io', 'docker.io', true],
    ['https://registry-1.docker.io', 'index.docker.io', true],
    ['docker.io', 'https://index.docker.io/v1/', true],
    ['https://ghcr.io', 'ghcr.io', true],
    ['ghcr.io/v1/', 'ghcr.io', true],
    ['http://localhost:5000', 'localhost:5000', true],
    ['localhost:5000', 'localhost', false],
    ['localhost', 'localhost:5000', false],
    ['ghcr.io', 'docker.io', false],
    ['https://index.docker.io/v1/', 'ghcr.io', false],
    ['ghcr.io.evil.example', 'ghcr.io', false],
    ['', '', false],
  ])('configKeyMatches(%j, %j) is %s', (key, registry, expected) => {
    expect(configKeyMatches(key, registry)).toBe(expected);
  });
});

describe('explicit credentials', () => {
  it('are used first, with source "options"', async () => {
    const store = await storeWith(
      { auths: { 'ghcr.io': { auth: b64('config-user:config-password') } } },
      { credentials: { 'ghcr.io': { username: 'opt-user', password: 'opt-password' } } },
    );
    await expect(store.resolve('ghcr.io')).resolves.toEqual({
      username: 'opt-user',
      password: 'opt-password',
      source: 'options',
    });
  });

  it('match after the key is normalised, for Docker Hub and other registries', async () => {
    const store = new CredentialStore({
      dockerConfig: false,
      credentials: {
        'https://index.docker.io/v1/': { username: 'hub', password: 'hub-option-password' },
        'https://ghcr.io/': { registryToken: 'ghcr-option-token' },
        'localhost:5000': { identityToken: 'local-option-identity' },
      },
    });
    expect(await store.resolve('docker.io')).toMatchObject({ username: 'hub', source: 'options' });
    expect(await store.resolve('registry-1.docker.io')).toMatchObject({ username: 'hub' });
    expect(await store.resolve('ghcr.io')).toEqual({ registryToken: 'ghcr-option-token', source: 'options' });
    expect(await store.resolve('localhost:5000')).toEqual({ identityToken: 'local-option-identity', source: 'options' });
    expect(await store.resolve('localhost:5001')).toBeUndefined();
  });

  it('leave other registries to the Docker config', async () => {
    const store = await storeWith(
      { auths: { 'quay.io': { username: 'q', password: 'quay-config-password' } } },
      { credentials: { 'ghcr.io': { username: 'opt-user', password: 'opt-password' } } },
    );
    expect(await store.resolve('quay.io')).toMatchObject({ username: 'q', source: 'docker-config' });
  });

  it.each([
    [{ 'ghcr.io': { username: 'only-a-user' } }, /credentials\["ghcr.io"\] has no password/],
    [{ 'ghcr.io': { password: 'pw-without-user' } }, /credentials\["ghcr.io"\] has a password but no username/],
    [{ 'ghcr.io': { username: 'u', password: 42 } }, /credentials\["ghcr.io"\]\.password must be a string/],
    [{ 'ghcr.io': 'user:pass' }, /credentials\["ghcr.io"\] must be an object/],
    [{ '': { registryToken: 'token-value' } }, /credentials\[""\]: the key must be a registry host/],
    [
      { 'docker.io': { registryToken: 'token-one' }, 'index.docker.io': { registryToken: 'token-two' } },
      /"docker.io" and "index.docker.io" both name docker.io/,
    ],
  ])('reject malformed entries with a ValidationError (%j)', (credentials, message) => {
    const create = () => new CredentialStore({ dockerConfig: false, credentials: credentials as never });
    expect(create).toThrow(ValidationError);
    expect(create).toThrow(message);
  });

  it('reject bad options', async () => {
    expect(() => new CredentialStore({ dockerConfig: '' })).toThrow(ValidationError);
    expect(() => new CredentialStore({ dockerConfig: 42 as never })).toThrow(/dockerConfig must be a path/);
    expect(() => new CredentialStore({ helperTimeoutMs: 0 })).toThrow(/helperTimeoutMs must be a positive/);
    expect(() => new CredentialStore({ helperTimeoutMs: Number.NaN })).toThrow(ValidationError);
    const store = new CredentialStore({ dockerConfig: false });
    await expect(store.resolve('')).rejects.toThrow(ValidationError);
    await expect(store.resolve('https://')).rejects.toThrow(/registry must be a host/);
  });

  it('register their secrets for redaction', () => {
    new CredentialStore({
      dockerConfig: false,
      credentials: { 'ghcr.io': { username: 'u', password: 'explicit-secret-4410' } },
    });
    expect(redact('oops explicit-secret-4410 leaked')).toBe('oops [REDACTED] leaked');
  });
});

describe('config.json auths', () => {
  it('reads every kind of entry from a realistic config', async () => {
    const store = new CredentialStore({
      dockerConfig: join(fixtures, 'config-all-sources.json'),
      env: testEnv(),
    });
    const configPath = join(fixtures, 'config-all-sources.json');
    expect(await store.resolve('docker.io')).toEqual({
      username: 'hubuser',
      password: 'hub-pass:with:colons',
      source: 'docker-config',
      configPath,
    });
    expect(await store.resolve('ghcr.io')).toEqual({
      username: 'ghuser',
      password: 'ghcr-fixture-password',
      source: 'docker-config',
      configPath,
    });
    expect(await store.resolve('quay.io')).toEqual({
      identityToken: 'quay-fixture-identity-token',
      source: 'docker-config',
      configPath,
    });
    expect(await store.resolve('localhost:5000')).toEqual({
      registryToken: 'local-fixture-registry-token',
      source: 'docker-config',
      configPath,
    });
    // An entry without any secret (as Docker leaves when a helper holds the password) is anonymous.
    expect(await store.resolve('registry.example.com')).toBeUndefined();
    expect(await store.resolve('unknown.example.com')).toBeUndefined();
    // The helper has nothing for this host, so the auths entry is used.
    expect(await store.resolve('helped.example.com')).toMatchObject({
      username: 'fallback',
      password: 'fallback-fixture-pass',
      source: 'docker-config',
    });
    expect(await helperCalls()).toEqual(['helped.example.com']);
  });

  it('splits the decoded auth at the first colon only', async () => {
    const store = await storeWith({ auths: { 'ghcr.io': { auth: b64('me:pa:ss:w0rd') } } });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'me', password: 'pa:ss:w0rd' });
  });

  it('prefers auth over username/password fields, as Docker does', async () => {
    const store = await storeWith({
      auths: { 'ghcr.io': { auth: b64('from-auth:auth-password'), username: 'field', password: 'field-password' } },
    });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'from-auth', password: 'auth-password' });
  });

  it('keeps a username next to an identity token', async () => {
    const store = await storeWith({ auths: { 'ghcr.io': { username: 'me', identitytoken: 'refresh-token-value' } } });
    expect(await store.resolve('ghcr.io')).toEqual({
      username: 'me',
      identityToken: 'refresh-token-value',
      source: 'docker-config',
      configPath: join(tmp, 'docker', 'config.json'),
    });
  });

  it.each([
    'https://index.docker.io/v1/',
    'index.docker.io',
    'https://index.docker.io',
    'docker.io',
    'https://docker.io',
    'registry-1.docker.io',
    'https://registry-1.docker.io/v2/',
  ])('finds Docker Hub credentials stored under %s', async (key) => {
    const store = await storeWith({ auths: { [key]: { auth: b64('hub:hub-variant-password') } } });
    for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      expect(await store.resolve(name)).toMatchObject({ username: 'hub', password: 'hub-variant-password' });
    }
    expect(await store.resolve('ghcr.io')).toBeUndefined();
  });

  it.each(['https://ghcr.io', 'http://ghcr.io', 'ghcr.io/v1/', 'https://ghcr.io/v2/', 'GHCR.IO'])(
    'finds credentials stored under %s',
    async (key) => {
      const store = await storeWith({ auths: { [key]: { username: 'gh', password: 'ghcr-variant-password' } } });
      expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'gh', password: 'ghcr-variant-password' });
    },
  );

  it("prefers Docker's own spelling of the key when several match", async () => {
    const store = await storeWith({
      auths: {
        'docker.io': { auth: b64('alias:alias-password') },
        'https://index.docker.io/v1/': { auth: b64('canonical:canonical-password') },
        'https://ghcr.io': { auth: b64('prefixed:prefixed-password') },
        'ghcr.io': { auth: b64('bare:bare-password') },
      },
    });
    expect(await store.resolve('docker.io')).toMatchObject({ username: 'canonical' });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'bare' });
  });

  it('keeps ports significant', async () => {
    const store = await storeWith({ auths: { 'localhost:5000': { auth: b64('local:local-password') } } });
    expect(await store.resolve('localhost:5000')).toMatchObject({ username: 'local' });
    expect(await store.resolve('localhost')).toBeUndefined();
    expect(await store.resolve('localhost:5001')).toBeUndefined();
  });

  it('registers every secret it reads for redaction', async () => {
    const store = await storeWith({
      auths: {
        'ghcr.io': { auth: b64('u:config-password-5521') },
        'quay.io': { identitytoken: 'config-identity-5521' },
      },
    });
    await store.resolve('ghcr.io');
    expect(redact('x config-password-5521 config-identity-5521')).toBe('x [REDACTED] [REDACTED]');
    expect(new CredentialsError('failed with config-password-5521').message).not.toContain('config-password-5521');
  });

  it('accepts null fields and an empty file, as Go does', async () => {
    const nulls = await storeWith({ auths: { 'ghcr.io': null }, credsStore: null, credHelpers: null });
    expect(await nulls.resolve('ghcr.io')).toBeUndefined();
    const empty = await storeWith('  \n');
    expect(await empty.resolve('ghcr.io')).toBeUndefined();
    const withBom = await storeWith(`\uFEFF${JSON.stringify({ auths: { 'ghcr.io': { auth: b64('bom:bom-password') } } })}`);
    expect(await withBom.resolve('ghcr.io')).toMatchObject({ username: 'bom' });
  });
});

describe('finding config.json', () => {
  const hubConfig = (user: string) => ({ auths: { [dockerHubAuthKey]: { auth: b64(`${user}:${user}-password`) } } });

  it('reads $DOCKER_CONFIG/config.json', async () => {
    const dir = join(tmp, 'custom-docker-config');
    await writeConfig(hubConfig('from-env'), dir);
    await writeConfig(hubConfig('from-home'), join(tmp, 'home', '.docker'));
    const store = new CredentialStore({ env: testEnv({ DOCKER_CONFIG: dir }) });
    expect(await store.resolve('docker.io')).toMatchObject({
      username: 'from-env',
      configPath: join(dir, 'config.json'),
    });
  });

  it('falls back to ~/.docker/config.json', async () => {
    await writeConfig(hubConfig('from-home'), join(tmp, 'home', '.docker'));
    const store = new CredentialStore({ env: testEnv() });
    expect(await store.resolve('docker.io')).toMatchObject({ username: 'from-home' });
  });

  it('accepts a directory or a file for dockerConfig, which beats DOCKER_CONFIG', async () => {
    const envDir = join(tmp, 'env-dir');
    await writeConfig(hubConfig('from-env'), envDir);
    const optionDir = join(tmp, 'option-dir');
    const optionFile = await writeConfig(hubConfig('from-option'), optionDir);
    const env = testEnv({ DOCKER_CONFIG: envDir });
    expect(await new CredentialStore({ dockerConfig: optionDir, env }).resolve('docker.io')).toMatchObject({
      username: 'from-option',
      configPath: optionFile,
    });
    expect(await new CredentialStore({ dockerConfig: optionFile, env }).resolve('docker.io')).toMatchObject({
      username: 'from-option',
    });
  });

  it('treats a missing config file as anonymous', async () => {
    const store = new CredentialStore({ env: testEnv({ DOCKER_CONFIG: join(tmp, 'does-not-exist') }) });
    expect(await store.resolve('docker.io')).toBeUndefined();
    const explicit = new CredentialStore({ dockerConfig: join(tmp, 'nope', 'config.json'), env: testEnv() });
    expect(await explicit.resolve('docker.io')).toBeUndefined();
  });

  it('reads nothing at all with dockerConfig: false', async () => {
    const dir = join(tmp, 'broken');
    await writeConfig('{ this is not json', dir);
    await writeConfig({ credsStore: 'fake-store' }, join(tmp, 'home', '.docker'));
    await writeFile(helperStore, JSON.stringify({ 'https://index.docker.io/v1/': { Username: 'u', Secret: 'never-used' } }));
    const store = new CredentialStore({ dockerConfig: false, env: testEnv({ DOCKER_CONFIG: dir }) });
    expect(await store.resolve('docker.io')).toBeUndefined();
    expect(await helperCalls()).toEqual([]);
  });

  it('without HOME or DOCKER_CONFIG in the given env, is anonymous', async () => {
    const store = new CredentialStore({ env: { PATH: binDir } });
    expect(await store.resolve('docker.io')).toBeUndefined();
  });
});

describe('malformed config.json', () => {
  it('names the file and the position of a JSON syntax error, not the content', async () => {
    const text = `{\n  "auths": {\n    "ghcr.io": { "auth": "${b64('u:syntax-secret-8812')}" }\n  } oops\n}`;
    const path = await writeConfig(text);
    const error = await rejection(new CredentialStore({ dockerConfig: path, env: testEnv() }).resolve('ghcr.io'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain(path);
    expect(error.message).toContain("expected ',' or '}' after a property value at line 4, column 5");
    expect(error.message).not.toContain(b64('u:syntax-secret-8812'));
    expect(error.message).not.toContain('oops');
  });

  it.each([
    [{ auths: [] }, 'auths: Expected object'],
    [{ auths: { 'ghcr.io': { auth: 42 } } }, 'auths["ghcr.io"].auth: Expected string'],
    [{ auths: { 'https://ghcr.io/': { username: false } } }, 'auths["https://ghcr.io/"].username: Expected string'],
    [{ auths: { 'ghcr.io': 'dXNlcjpwYXNz' } }, 'auths["ghcr.io"]: Expected object'],
    [{ credsStore: 7 }, 'credsStore: Expected string'],
    [{ credHelpers: { 'ghcr.io': true } }, 'credHelpers["ghcr.io"]: Expected string'],
    [[], '(top level): Expected object'],
  ])('rejects a wrong shape (%j) naming the file and the field', async (config, field) => {
    const path = await writeConfig(config);
    const error = await rejection(new CredentialStore({ dockerConfig: path, env: testEnv() }).resolve('ghcr.io'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain(path);
    expect(error.message).toContain(`Docker config ${path} has an unexpected shape: ${field}`);
    expect(error.message).not.toContain('dXNlcjpwYXNz');
  });

  it.each([
    ['not base64!!', 'is not valid base64'],
    ['dXNlcjpwYXNz=', 'is not valid base64'],
    [b64('no-colon-secret-3391'), `must encode "username:password" but has no ':'`],
    [Buffer.from([0xff, 0xfe, 0x3a, 0x41]).toString('base64'), 'does not decode to UTF-8 text'],
  ])('rejects a bad auth value (%s)', async (auth, problem) => {
    const path = await writeConfig({ auths: { 'quay.io': { auth } } });
    const error = await rejection(new CredentialStore({ dockerConfig: path, env: testEnv() }).resolve('ghcr.io'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toBe(`Docker config ${path}: auths["quay.io"].auth ${problem}`);
  });

  it('accepts auth without base64 padding', async () => {
    const store = await storeWith({ auths: { 'ghcr.io': { auth: b64('user:pw1').replace(/=+$/, '') } } });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'user', password: 'pw1' });
  });

  it.each(['../../bin/evil', 'a b', '-rf'])('rejects the helper name %j', async (name) => {
    const path = await writeConfig({ credsStore: name });
    await expect(new CredentialStore({ dockerConfig: path, env: testEnv() }).resolve('ghcr.io')).rejects.toThrow(
      /credsStore must be a helper name/,
    );
    const path2 = await writeConfig({ credHelpers: { 'ghcr.io': name } });
    await expect(new CredentialStore({ dockerConfig: path2, env: testEnv() }).resolve('ghcr.io')).rejects.toThrow(
      /credHelpers\["ghcr.io"\] must be a helper name/,
    );
  });

  it('reports a config path that is a directory without config.json inside as unreadable only when it is one', async () => {
    await mkdir(join(tmp, 'dir-named-config.json', 'config.json'), { recursive: true });
    const error = await rejection(
      new CredentialStore({ dockerConfig: join(tmp, 'dir-named-config.json'), env: testEnv() }).resolve('ghcr.io'),
    );
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toMatch(/cannot read Docker config .*config\.json: it is a directory/);
  });

  it('does not cache a failure: a fixed file is read again', async () => {
    const path = await writeConfig('{ "auths": ');
    const store = new CredentialStore({ dockerConfig: path, env: testEnv() });
    await expect(store.resolve('ghcr.io')).rejects.toThrow(CredentialsError);
    await writeConfig({ auths: { 'ghcr.io': { auth: b64('fixed:fixed-password') } } });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'fixed' });
  });
});

describe('caching', () => {
  it('answers from the cache for the life of the store, including "none"', async () => {
    const path = await writeConfig({ auths: { 'ghcr.io': { auth: b64('first:first-password') } } });
    const store = new CredentialStore({ dockerConfig: path, env: testEnv() });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'first' });
    expect(await store.resolve('quay.io')).toBeUndefined();
    await writeConfig({
      auths: { 'ghcr.io': { auth: b64('second:second-password') }, 'quay.io': { auth: b64('q:quay-password') } },
    });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'first' });
    expect(await store.resolve('quay.io')).toBeUndefined();
    // A new store sees the new file.
    expect(await new CredentialStore({ dockerConfig: path, env: testEnv() }).resolve('quay.io')).toMatchObject({
      username: 'q',
    });
  });

  it('runs a helper once per registry, even for concurrent and aliased lookups', async () => {
    await writeFile(helperStore, JSON.stringify({ [dockerHubAuthKey]: { Username: 'hub', Secret: 'cached-hub-secret' } }));
    const store = await storeWith({ credsStore: 'fake-store' });
    const results = await Promise.all([
      store.resolve('docker.io'),
      store.resolve('index.docker.io'),
      store.resolve('docker.io'),
    ]);
    await store.resolve('registry-1.docker.io');
    for (const result of results) expect(result).toMatchObject({ username: 'hub', password: 'cached-hub-secret' });
    expect(await helperCalls()).toEqual([dockerHubAuthKey]);
  });
});

describe('credential helpers', () => {
  it('runs credHelpers[host] with the bare host on stdin', async () => {
    await writeFile(helperStore, JSON.stringify({ 'ghcr.io': { ServerURL: 'ghcr.io', Username: 'gh', Secret: 'helper-ghcr-secret' } }));
    const path = await writeConfig({ credHelpers: { 'ghcr.io': 'fake-store' } });
    const store = new CredentialStore({ dockerConfig: path, env: testEnv() });
    expect(await store.resolve('ghcr.io')).toEqual({
      username: 'gh',
      password: 'helper-ghcr-secret',
      source: 'credential-helper',
      helper: 'fake-store',
      configPath: path,
    });
    expect(await helperCalls()).toEqual(['ghcr.io']);
    expect(redact('helper-ghcr-secret')).toBe('[REDACTED]');
  });

  it("asks for Docker Hub with Docker's legacy key, whatever spelling credHelpers uses", async () => {
    await writeFile(helperStore, JSON.stringify({ [dockerHubAuthKey]: { Username: 'hub', Secret: 'helper-hub-secret' } }));
    const store = await storeWith({ credHelpers: { 'index.docker.io': 'fake-store' } });
    expect(await store.resolve('docker.io')).toMatchObject({ username: 'hub', source: 'credential-helper' });
    expect(await helperCalls()).toEqual([dockerHubAuthKey]);
  });

  it('uses credsStore for registries without their own helper', async () => {
    await writeFile(helperStore, JSON.stringify({ 'quay.io': { Username: 'q', Secret: 'store-quay-secret' } }));
    const store = await storeWith({ credsStore: 'fake-store', auths: { 'quay.io': {} } });
    expect(await store.resolve('quay.io')).toMatchObject({
      username: 'q',
      password: 'store-quay-secret',
      source: 'credential-helper',
      helper: 'fake-store',
    });
  });

  it('prefers credHelpers over credsStore', async () => {
    await writeFile(helperStore, JSON.stringify({ 'ghcr.io': { Username: 'gh', Secret: 'helper-over-store' } }));
    // The credsStore helper does not exist: using it would fail.
    const store = await storeWith({ credsStore: 'not-installed', credHelpers: { 'ghcr.io': 'fake-store' } });
    expect(await store.resolve('ghcr.io')).toMatchObject({ helper: 'fake-store', password: 'helper-over-store' });
  });

  it('skips credsStore for a host whose credHelpers entry is empty, as Docker does', async () => {
    const store = await storeWith({
      credsStore: 'not-installed',
      credHelpers: { 'ghcr.io': '' },
      auths: { 'ghcr.io': { auth: b64('file:file-password') } },
    });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'file', source: 'docker-config' });
  });

  it('prefers the helper over an auths entry for the same host', async () => {
    await writeFile(helperStore, JSON.stringify({ 'ghcr.io': { Username: 'gh', Secret: 'helper-wins-secret' } }));
    const store = await storeWith({
      credsStore: 'fake-store',
      auths: { 'ghcr.io': { auth: b64('file:file-password') } },
    });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'gh', source: 'credential-helper' });
  });

  it('reads Username "<token>" as an identity token', async () => {
    await writeFile(helperStore, JSON.stringify({ 'ghcr.io': { Username: '<token>', Secret: 'helper-identity-token' } }));
    const store = await storeWith({ credsStore: 'fake-store' });
    expect(await store.resolve('ghcr.io')).toEqual({
      identityToken: 'helper-identity-token',
      source: 'credential-helper',
      helper: 'fake-store',
      configPath: join(tmp, 'docker', 'config.json'),
    });
  });

  it('falls back to auths when the helper has no credentials, else anonymous', async () => {
    const store = await storeWith({
      credsStore: 'fake-store',
      auths: { 'ghcr.io': { auth: b64('file:fallback-password') } },
    });
    expect(await store.resolve('ghcr.io')).toMatchObject({ username: 'file', source: 'docker-config' });
    expect(await store.resolve('quay.io')).toBeUndefined();
    expect(await helperCalls()).toEqual(['ghcr.io', 'quay.io']);
  });

  it('treats an empty Secret as no credentials', async () => {
    await writeFile(helperStore, JSON.stringify({ 'ghcr.io': { Username: '', Secret: '' } }));
    const store = await storeWith({ credsStore: 'fake-store' });
    expect(await store.resolve('ghcr.io')).toBeUndefined();
  });

  it('reports a missing helper, naming it, the registry, the config and PATH', async () => {
    const path = await writeConfig({ credsStore: 'not-installed' });
    const error = await rejection(new CredentialStore({ dockerConfig: path, env: testEnv() }).resolve('ghcr.io'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toBe(
      `credential helper docker-credential-not-installed (credsStore in ${path}) for ghcr.io is not installed: ` +
        `no executable named docker-credential-not-installed on PATH; install it or change credsStore in ${path}`,
    );
  });

  it('finds helpers on the PATH of the given env only', async () => {
    await writeFile(helperStore, JSON.stringify({ 'ghcr.io': { Username: 'gh', Secret: 'path-secret' } }));
    const path = await writeConfig({ credsStore: 'fake-store' });
    const withoutBin = testEnv({ PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter) });
    await expect(new CredentialStore({ dockerConfig: path, env: withoutBin }).resolve('ghcr.io')).rejects.toThrow(
      /docker-credential-fake-store on PATH/,
    );
  });

  it('reports a helper that is not executable', async () => {
    await writeFile(join(binDir, 'docker-credential-noexec'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const store = await storeWith({ credsStore: 'noexec' });
    await expect(store.resolve('ghcr.io')).rejects.toThrow(CredentialsError);
  });

  it('reports a crashing helper without echoing its output', async () => {
    const path = await writeConfig({ credHelpers: { 'ghcr.io': 'fake-crash' } });
    const error = await rejection(new CredentialStore({ dockerConfig: path, env: testEnv() }).resolve('ghcr.io'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain(`credential helper docker-credential-fake-crash (credHelpers["ghcr.io"] in ${path})`);
    expect(error.message).toContain('for ghcr.io failed: it exited with code 2');
    expect(error.message).not.toContain('crash-helper-secret-7f3a');
    expect(error.message).not.toContain('crash-user');
  });

  it('reports a helper that prints something other than JSON, without echoing it', async () => {
    const store = await storeWith({ credsStore: 'fake-garbage' });
    const error = await rejection(store.resolve('ghcr.io'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain('docker-credential-fake-garbage');
    expect(error.message).toContain('printed output that is not JSON');
    expect(error.message).not.toContain('garbage-helper-secret-91c2');
  });

  it.each([
    ['[1,2]', 'printed JSON that is not an object'],
    ['{"Username":"u","Secret":12345678}', 'printed JSON without a string "Secret"'],
    ['{"Username":["u"],"Secret":"shape-secret-1234"}', 'printed JSON without a string "Secret"'],
  ])('reports a helper answer of the wrong shape (%s)', async (answer, problem) => {
    await writeFile(helperStore, JSON.stringify({ 'ghcr.io': answer }));
    const store = await storeWith({ credsStore: 'fake-store' });
    const error = await rejection(store.resolve('ghcr.io'));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('12345678');
    expect(error.message).not.toContain('shape-secret-1234');
  });

  it('stops a helper that hangs, with whatever it started, after the timeout', async () => {
    const store = await storeWith({ credsStore: 'fake-hang' }, { helperTimeoutMs: 500 });
    const started = Date.now();
    const error = await rejection(store.resolve('ghcr.io'));
    const elapsed = Date.now() - started;
    const sleeperPid = Number((await readFile(pidFile, 'utf8')).trim());
    pidsToStop.push(sleeperPid);
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain('docker-credential-fake-hang');
    expect(error.message).toContain('did not answer within 500 ms and was stopped');
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5_000);
    await expect.poll(() => isRunning(sleeperPid), { timeout: 2_000 }).toBe(false);
  });
});

describe('secrets never appear in error messages', () => {
  it('holds across every failure mode', async () => {
    const secrets = ['crash-helper-secret-7f3a', 'garbage-helper-secret-91c2', 'syntax-secret-0042', 'bad-shape-secret-0043'];
    const failures: Array<() => Promise<unknown>> = [
      async () => (await storeWith({ credsStore: 'fake-crash' })).resolve('ghcr.io'),
      async () => (await storeWith({ credsStore: 'fake-garbage' })).resolve('ghcr.io'),
      async () => (await storeWith(`{"auths":{"ghcr.io":{"password":"syntax-secret-0042"}}`)).resolve('ghcr.io'),
      async () => (await storeWith(`{"auths":{"ghcr.io":{"password":"syntax-secret-0042",}}}`)).resolve('ghcr.io'),
      async () => (await storeWith(`{"auths":{"ghcr.io":"bad-shape-secret-0043"}}`)).resolve('ghcr.io'),
      async () => (await storeWith({ auths: { 'ghcr.io': { auth: 'bad-shape-secret-0043' } } })).resolve('ghcr.io'),
      async () => (await storeWith({ credsStore: 'fake-hang' }, { helperTimeoutMs: 200 })).resolve('ghcr.io'),
    ];
    let count = 0;
    for (const failure of failures) {
      const error = await rejection(failure());
      if (error.message.includes('fake-hang')) pidsToStop.push(Number((await readFile(pidFile, 'utf8')).trim()));
      expect(error).toBeInstanceOf(CredentialsError);
      const text = `${error.message}\n${String(error.stack)}`;
      for (const secret of secrets) expect(text).not.toContain(secret);
      count++;
    }
    expect(count).toBe(failures.length);
  });
});

describe('findJsonSyntaxProblem', () => {
  it.each([
    ['{"a":1}', undefined],
    ['  [1, 2.5e3, "x\\u00e9", true, false, null]  ', undefined],
    ['{"a":}', { position: 5, line: 1, column: 6, problem: 'expected a JSON value' }],
    ['{"a":1,}', { position: 7, line: 1, column: 8, problem: 'expected a property name in double quotes' }],
    ['{"a":1}x', { position: 7, line: 1, column: 8, problem: 'unexpected content after the JSON value' }],
    ['{\n"a": "b\n"}', { position: 9, line: 2, column: 8, problem: 'control character inside a string' }],
    ['{"a": [1 2]}', { position: 9, line: 1, column: 10, problem: "expected ',' or ']' after an array element" }],
    ['{"a": "\\x"}', { position: 7, line: 1, column: 8, problem: 'invalid escape sequence in a string' }],
    ['{"a": 01}', { position: 7, line: 1, column: 8, problem: "expected ',' or '}' after a property value" }],
    ['{"a": ', { position: 6, line: 1, column: 7, problem: 'unexpected end of input' }],
    ['{"a": "abc', { position: 10, line: 1, column: 11, problem: 'unexpected end of input' }],
  ])('locates the problem in %j', (text, expected) => {
    expect(findJsonSyntaxProblem(text)).toEqual(expected);
    // Cross-check validity with the real parser.
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    expect(valid).toBe(expected === undefined);
  });
});

/** True while `pid` exists and is not a zombie (an unreaped zombie no longer runs). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
