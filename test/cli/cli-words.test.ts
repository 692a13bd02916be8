/**
 * What a pipeline author sees: `help COMMAND`, a spec read from standard input, and library
 * messages told in CLI words (flags, the references written, where credentials were looked for).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { pushBuiltImage } from '../helpers/images.js';
import { runCli } from './in-process.js';

const USER = 'words-user';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
let plain: RunningRegistry;
let basic: RunningRegistry;
let home: string;
let env: Record<string, string | undefined>;
const unique = () => `words/${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  [plain, basic] = await Promise.all([startRegistry(), startRegistry({ auth: { basic: { username: USER, password: PASSWORD } } })]);
  home = await mkdtemp(join(tmpdir(), 'mp-cli-words-'));
  env = { HOME: home, PATH: process.env.PATH };
});
afterAll(async () => {
  await Promise.all([plain?.close(), basic?.close()]);
  await rm(home, { recursive: true, force: true });
});

describe('help COMMAND', () => {
  it('prints the same help as COMMAND --help, for commands and subcommands', async () => {
    for (const words of [['inspect'], ['push', 'from-spec'], ['push'], ['registry']]) {
      const viaHelp = await runCli(['help', ...words], { env });
      const viaFlag = await runCli([...words, '--help'], { env });
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
      expect(viaHelp.stdout).toMatch(new RegExp(`^usage: multiplatform ${words.join(' ')}`));
    }
  });

  it('prints the program help for plain help, and a usage error for an unknown command', async () => {
    expect((await runCli(['help'], { env })).stdout).toContain("Run 'multiplatform help <command>'");
    const unknown = await runCli(['help', 'pusj'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "pusj" (did you mean push?)');
  });

  it('lists --verbose, -v and --debug on every command', async () => {
    for (const words of [['inspect'], ['push', 'from-args'], ['create'], ['login'], ['logout'], ['ls'], ['registry']]) {
      const { stdout } = await runCli(['help', ...words], { env });
      expect(stdout, words.join(' ')).toMatch(/-v, --verbose/);
      expect(stdout, words.join(' ')).toContain('--debug');
    }
  });
});

describe('push from-spec -', () => {
  it('reads the spec from standard input and names it <stdin> in problems', async () => {
    const repo = unique();
    await pushBuiltImage(`${plain.host}/${repo}:amd64`, { os: 'linux', architecture: 'amd64' });
    const spec = [`image: ${plain.host}/${repo}:list`, 'manifests:', `  - image: ${plain.host}/${repo}:amd64`, '    platform: {os: linux, architecture: amd64}', ''].join('\n');
    const pushed = await runCli(['push', 'from-spec', '-'], { stdin: spec, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toMatch(/^Digest: sha256:[0-9a-f]{64} \d+\nTagged: /);
    const inspected = await runCli(['inspect', `${plain.host}/${repo}:list`], { env });
    expect(inspected.stdout).toContain('   - linux/amd64');

    const bad = await runCli(['push', 'from-spec', '-'], { stdin: 'image: [\n', env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^multiplatform: error: <stdin>:\d+:\d+: /);
  });

  it('refuses to read both the spec and the password from standard input', async () => {
    const result = await runCli(['push', 'from-spec', '-', '--username', USER, '--password-stdin'], { stdin: 'x', env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the spec (-) and --password-stdin cannot both be read from standard input');
  });
});

describe('messages in CLI words', () => {
  it('names the children by the references written and the flag that decides the type', async () => {
    const repo = unique();
    const oci = `${plain.host}/${repo}:oci`;
    const docker = `${plain.host}/${repo}:docker`;
    await pushBuiltImage(oci, { os: 'linux', architecture: 'amd64' });
    await pushBuiltImage(docker, { os: 'linux', architecture: 'arm64', variant: 'v8', format: 'docker' });
    const spec = [`image: ${plain.host}/${repo}:list`, 'manifests:', `  - image: ${oci}`, `  - image: ${docker}`, ''].join('\n');

    const pushed = await runCli(['push', 'from-spec', '-'], { stdin: spec, env });
    const created = await runCli(['create', '-t', `${plain.host}/${repo}:created`, oci, docker], { env });

    for (const result of [pushed, created]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('pass --type oci or --type docker');
      expect(result.stderr).not.toContain('mediaType');
      expect(result.stderr).toMatch(new RegExp(`${oci.replace(/[.]/g, '\\.')} \\(sha256:[0-9a-f]{64}\\)`));
      expect(result.stderr).toMatch(new RegExp(`${docker.replace(/[.]/g, '\\.')} \\(sha256:[0-9a-f]{64}\\)`));
    }
  });

  it('says where credentials were looked for when none were found', async () => {
    const result = await runCli(['inspect', `${basic.host}/${unique()}:1`], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no credentials for ${basic.host} were found in ${join(home, '.docker', 'config.json')}`);
    expect(result.stderr).toContain(`run 'multiplatform login ${basic.host}' or pass --username with --password-stdin`);

    const custom = await runCli(['inspect', '--docker-cfg', join(home, 'elsewhere'), `${basic.host}/${unique()}:1`], { env });
    expect(custom.stderr).toContain(`were found in ${join(home, 'elsewhere', 'config.json')}`);
  });

  it('names --username and --password when the credentials given are refused', async () => {
    const result = await runCli(['inspect', '--username', USER, '--password-stdin', `${basic.host}/${unique()}:1`], { stdin: 'wrong-password', env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('using the credentials given with --username and --password');
    expect(result.stderr).not.toContain('options');
  });
});

describe('logout --verbose', () => {
  it('says which config file (and helper) it looked in', async () => {
    const result = await runCli(['logout', '-v', 'reg.example.com'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Not logged in to reg.example.com\n');
    expect(result.stderr).toBe(`multiplatform: looked for reg.example.com in ${join(home, '.docker', 'config.json')}\n`);
  });
});

describe('login --debug', () => {
  it('shows the requests of the check, with the password and the Basic header redacted', async () => {
    const result = await runCli(['login', basic.host, '--debug', '-u', USER, '--password-stdin', '--docker-cfg', join(home, 'login-debug')], { stdin: PASSWORD, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/debug: > GET http:\/\/127\.0\.0\.1:\d+\/v2\//);
    expect(result.stderr).toContain('debug: > authorization: [REDACTED]');
    expect(result.stderr).not.toContain(PASSWORD);
    expect(result.stderr).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
  });
});
