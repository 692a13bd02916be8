/**
 * `registry --user USER:PASS`, `--htpasswd FILE` and `--token-auth`: the embedded registry run by
 * the CLI, checked with raw requests, with the CLI's own client and with skopeo.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import { pushBuiltImage } from '../helpers/images.js';
import { eventually, raw, useTempDir } from '../helpers/registry-helpers.js';
import { skopeoInspect } from '../helpers/skopeo.js';
import { runCli } from './in-process.js';

const execFileAsync = promisify(execFile);
const temp = useTempDir('mp-cli-registry-auth-');
const env = { HOME: '/nonexistent', PATH: process.env.PATH };
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const stops: AbortController[] = [];

/** Runs `registry ARGS` in-process until the test ends; resolves with its host once it listens. */
async function serve(args: string[]): Promise<{ host: string; url: string; out: { stdout: string; stderr: string } }> {
  const out = { stdout: '', stderr: '' };
  const stop = new AbortController();
  stops.push(stop);
  const io: CliIo = {
    stdout: { write: (chunk) => (out.stdout += String(chunk)) },
    stderr: { write: (chunk) => (out.stderr += chunk) },
    readStdin: async () => '',
    env,
    watchInterrupts: () => ({ signal: stop.signal, dispose: () => {} }),
  };
  const exit = run(['registry', ...args], io);
  await Promise.race([eventually(async () => expect(out.stdout).toMatch(/^http:\/\//), 10_000), exit.then((code) => Promise.reject(new Error(`exited ${code}: ${out.stderr}`)))]);
  const url = out.stdout.trim();
  return { url, host: new URL(url).host, out };
}

afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

async function htpasswdFile(entries: Array<[string, string]>): Promise<string> {
  const lines = await Promise.all(entries.map(async ([user, password]) => (await execFileAsync('htpasswd', ['-Bbn', user, password])).stdout.trim()));
  const file = join(temp.path, `htpasswd-${randomBytes(4).toString('hex')}`);
  await writeFile(file, `# test users\n${lines.join('\n')}\n`);
  return file;
}

describe('registry --user', () => {
  it('answers 401 with a Basic challenge without the credentials, and serves the CLI and skopeo with them', async () => {
    const { url, host } = await serve(['--user', `alice:${PASSWORD}`]);
    const anonymous = await raw(url, '/v2/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect((await raw(url, '/v2/', { headers: { authorization: `Basic ${b64(`alice:${PASSWORD}`)}` } })).status).toBe(200);
    expect((await raw(url, '/v2/', { headers: { authorization: `Basic ${b64('alice:wrong')}` } })).status).toBe(401);

    const ref = `${host}/auth/app:1`;
    await pushBuiltImage(ref, { os: 'linux', architecture: 'amd64' }, { [host]: { username: 'alice', password: PASSWORD } });
    const inspected = await runCli(['inspect', '--username', 'alice', '--password-stdin', ref], { stdin: PASSWORD, env });
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stdout).toContain(' * Supports: linux/amd64');
    expect(await skopeoInspect(`docker://${ref}`, { creds: { username: 'alice', password: PASSWORD } })).toMatchObject({ Os: 'linux', Architecture: 'amd64' });
  });

  it.each([[['--user', 'alice']], [['--user', ':pw']], [['--user', 'a:b', '--htpasswd', 'f']]])('%j is a usage error', async (args) => {
    const result = await runCli(['registry', ...args], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^multiplatform: error: --(user|htpasswd)/);
    expect(result.stderr).toContain('usage: multiplatform registry');
  });
});

describe('registry --htpasswd', () => {
  it('accepts every user of a bcrypt htpasswd file, as written by htpasswd -B, and no one else', async () => {
    const file = await htpasswdFile([
      ['alice', PASSWORD],
      ['bob', `${PASSWORD}-bob`],
    ]);
    const { url, host } = await serve(['--htpasswd', file]);
    for (const [user, password, status] of [['alice', PASSWORD, 200], ['bob', `${PASSWORD}-bob`, 200], ['bob', PASSWORD, 401], ['carol', PASSWORD, 401]] as const) {
      expect((await raw(url, '/v2/', { headers: { authorization: `Basic ${b64(`${user}:${password}`)}` } })).status, user).toBe(status);
    }
    const ref = `${host}/htpasswd/app:1`;
    await pushBuiltImage(ref, { os: 'linux', architecture: 'arm64', variant: 'v8' }, { [host]: { username: 'bob', password: `${PASSWORD}-bob` } });
    expect(await skopeoInspect(`docker://${ref}`, { creds: { username: 'bob', password: `${PASSWORD}-bob` } })).toMatchObject({ Architecture: 'arm64' });
  });

  it('refuses a file that is missing or has an entry that is not bcrypt, naming the flag and the line', async () => {
    const missing = await runCli(['registry', '--htpasswd', join(temp.path, 'nope')], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read --htpasswd file ${join(temp.path, 'nope')}: no such file`);

    const md5 = join(temp.path, 'md5');
    await writeFile(md5, (await execFileAsync('htpasswd', ['-mbn', 'alice', PASSWORD])).stdout);
    let stderr = '';
    const io: CliIo = {
      stdout: { write: () => true },
      stderr: { write: (chunk) => (stderr += chunk) },
      readStdin: async () => '',
      env,
      watchInterrupts: () => ({ signal: new AbortController().signal, dispose: () => {} }),
    };
    const result = { code: await run(['registry', '--htpasswd', md5], io), stderr };
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`multiplatform: error: --htpasswd ${md5}: line 1: the entry of "alice" is not a bcrypt hash (write it with htpasswd -B)`);
  });
});

describe('registry --token-auth', () => {
  it('with --user, answers with a Bearer challenge, issues tokens at /token, and serves the CLI and skopeo', async () => {
    const { url, host } = await serve(['--token-auth', '--user', `alice:${PASSWORD}`]);
    const anonymous = await raw(url, '/v2/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(new RegExp(`^Bearer realm="${url}/token"`));

    const ref = `${host}/token/app:1`;
    await pushBuiltImage(ref, { os: 'linux', architecture: 'amd64' }, { [host]: { username: 'alice', password: PASSWORD } });
    const inspected = await runCli(['inspect', '--debug', '--username', 'alice', '--password-stdin', ref], { stdin: PASSWORD, env });
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stderr).toMatch(/debug: > GET http:\/\/127\.0\.0\.1:\d+\/token\?/);
    expect(inspected.stderr).not.toContain(PASSWORD);
    expect(await skopeoInspect(`docker://${ref}`, { creds: { username: 'alice', password: PASSWORD } })).toMatchObject({ Os: 'linux' });

    const refused = await runCli(['inspect', '--username', 'alice', '--password-stdin', ref], { stdin: 'wrong', env });
    expect(refused.code).toBe(1);
  });

  it('with --htpasswd, gives tokens to the users of the file', async () => {
    const file = await htpasswdFile([['bob', PASSWORD]]);
    const { host } = await serve(['--token-auth', '--htpasswd', file]);
    const ref = `${host}/token-htpasswd/app:1`;
    await pushBuiltImage(ref, { os: 'linux', architecture: 'amd64' }, { [host]: { username: 'bob', password: PASSWORD } });
    const result = await runCli(['digest', '--username', 'bob', '--password-stdin', ref], { stdin: PASSWORD, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });
});
