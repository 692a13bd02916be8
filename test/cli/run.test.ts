import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, VERSION } from '../../src/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { pushBuiltImage, type BuildImageOptions, type BuiltImage } from '../helpers/images.js';
import { runCli } from './in-process.js';

/** Runs the CLI in-process, by default with the isolated environment. */
const cli = (argv: string[], options: { stdin?: string; env?: Record<string, string | undefined> } = {}) =>
  runCli(argv, { ...options, env: options.env ?? isolatedEnv });

let home: string;
let isolatedEnv: Record<string, string | undefined>;
const USER = 'cli-user';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
let plain: RunningRegistry;
let basic: RunningRegistry;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mp-cli-home-'));
  // An empty HOME and no DOCKER_CONFIG: the user's own Docker credentials are never read.
  isolatedEnv = { HOME: home, PATH: process.env.PATH };
  plain = await startRegistry();
  basic = await startRegistry({ auth: { basic: { username: USER, password: PASSWORD } } });
});

afterAll(async () => {
  await Promise.all([plain?.close(), basic?.close()]);
  await rm(home, { recursive: true, force: true });
});

const unique = (prefix: string) => `cli/${prefix}-${randomBytes(4).toString('hex')}`;

function pushImage(registry: RunningRegistry, ref: string, options: BuildImageOptions): Promise<BuiltImage> {
  return pushBuiltImage(ref, options, { [registry.host]: { username: USER, password: PASSWORD } });
}

async function exists(registry: RunningRegistry, ref: string): Promise<boolean> {
  const client = new RegistryClient({ dockerConfig: false, credentials: { [registry.host]: { username: USER, password: PASSWORD } } });
  try {
    return await client.manifestExists(ref);
  } finally {
    await client.close();
  }
}

async function writeSpec(text: string): Promise<string> {
  const file = join(home, `spec-${randomBytes(4).toString('hex')}.yml`);
  await writeFile(file, text);
  return file;
}

describe('the CLI without a registry', () => {
  it('prints the version', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('prints help on stdout with status 0, for the program and each command', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('usage: multiplatform <command> [flags]');
    for (const command of [['push'], ['push', 'from-spec'], ['push', 'from-args'], ['inspect']]) {
      const result = await cli([...command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: multiplatform ${command.join(' ')}`));
    }
    const registry = await cli(['registry', '--help']);
    expect(registry.code).toBe(0);
    expect(registry.stdout).toContain('multiplatform registry');
  });

  it('exits 2 for usage errors, with the message, the usage line and a hint on stderr only', async () => {
    const result = await cli(['push', 'from-args', '--platfroms', 'linux/amd64']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'multiplatform: error: unknown flag --platfroms (did you mean --platforms?)',
        'usage: multiplatform push from-args --platforms LIST --template TEMPLATE --target REF [--tags LIST] [flags]',
        "Run 'multiplatform push from-args --help' for more.",
        '',
      ].join('\n'),
    );
    for (const argv of [[], ['nope'], ['inspect'], ['inspect', 'Bad/Ref'], ['push', 'from-spec', join(home, 'missing.yml')], ['inspect', '--raw', '--json', 'x']]) {
      const failure = await cli(argv);
      expect(failure.code, argv.join(' ')).toBe(2);
      expect(failure.stderr).toMatch(/^multiplatform: error: /);
    }
  });

  it('exits 2 for from-args input that cannot work, before any request', async () => {
    const base = ['push', 'from-args', '--target', '127.0.0.1:9/app:1'];
    const cases: Array<[string[], string]> = [
      [[...base, '--template', 'r/a:ARCH'], 'push from-args needs --platforms'],
      [[...base, '--platforms', 'linux', '--template', 'r/a:ARCH'], '--platforms: invalid platform "linux"'],
      [[...base, '--platforms', 'linux/amd64,linux/arm64', '--template', 'r/a:1'], 'has no OS, ARCH or VARIANT placeholder'],
      [[...base, '--platforms', 'linux/amd64', '--template', 'r/A:ARCH'], '--template expanded for linux/amd64: invalid reference "r/A:amd64"'],
      [[...base, '--platforms', 'linux/amd64', '--template', 'r/a:ARCH', '--type', 'v2s2'], '--type must be oci or docker'],
      [[...base, '--platforms', 'linux/amd64', '--template', 'r/a:ARCH', '--username', 'u'], '--username needs --password or --password-stdin'],
      [[...base, '--platforms', 'linux/amd64', '--template', 'r/a:ARCH', '--username', 'u', '--password', 'p', '--password-stdin'], 'cannot be used together'],
      [[...base, '--platforms', 'linux/amd64', '--template', 'r/a:ARCH', '--json', '--quiet'], '--json and --quiet cannot be used together'],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it('exits 2 for a spec file with a YAML error or an unknown field, naming file:line:column', async () => {
    const bad = await writeSpec('image: a:1\nmanifests:\n  - image: "open\n');
    const syntax = await cli(['push', 'from-spec', bad]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain(`multiplatform: error: ${bad}:4:1: Missing closing "quote`);

    const typo = await writeSpec('image: 127.0.0.1:9/a:1\nmanifests:\n  - image: 127.0.0.1:9/a:amd64\n  - image: 127.0.0.1:9/a:arm64\n    platfrom: {os: linux}\n');
    const unknown = await cli(['push', 'from-spec', typo]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`multiplatform: error: ${typo}:5:5: manifests[1].platfrom: unknown field (did you mean platform?)`);
    expect(unknown.stdout).toBe('');
  });
});

describe('the CLI against the embedded registry', () => {
  it('pushes from a spec file, prints digest and tags, and inspect shows the platforms', async () => {
    const repo = `${plain.host}/${unique('spec')}`;
    await pushImage(plain, `${repo}:amd64`, { os: 'linux', architecture: 'amd64' });
    await pushImage(plain, `${repo}:win`, { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1234' });
    const file = await writeSpec(`image: ${repo}:1.0\ntags: [latest]\nmanifests:\n  - image: ${repo}:amd64\n    platform: {architecture: amd64, os: linux}\n  - image: ${repo}:win\n`);

    const pushed = await cli(['push', 'from-spec', file]);
    expect(pushed.stderr).not.toContain('error');
    expect(pushed.code).toBe(0);
    const match = /^Digest: (sha256:[a-f0-9]{64}) (\d+)\n/.exec(pushed.stdout);
    expect(match).not.toBeNull();
    expect(pushed.stdout.slice(match?.[0].length)).toBe(`Tagged: ${repo}:1.0\nTagged: ${repo}:latest\n`);

    const inspected = await cli(['inspect', `${repo}:latest`]);
    expect(inspected).toMatchObject({ code: 0, stderr: '' });
    expect(inspected.stdout).toBe(`Image: ${repo}:latest\n * Manifest List: Yes\n * Supported platforms:\n   - linux/amd64\n   - windows/amd64:10.0.17763.1234\n`);

    const json = JSON.parse((await cli(['inspect', '--json', `${repo}:1.0`])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ digest: match?.[1], size: Number(match?.[2]), isList: true });
    const raw = await cli(['inspect', '--raw', `${repo}:1.0`]);
    expect(raw.stdoutBytes.length).toBe(Number(match?.[2]));
    expect(raw.stdoutBytes.toString('utf8').startsWith('{')).toBe(true);
    expect((await cli(['inspect', '-q', `${repo}:1.0`])).stdout).toBe(`${match?.[1]}\n`);

    const child = await cli(['inspect', `${repo}:amd64`]);
    expect(child.stdout).toBe(`Image: ${repo}:amd64\n * Manifest List: No\n * Supports: linux/amd64\n`);
  });

  it('pushes from args with a template, as a Docker list when asked, and prints JSON', async () => {
    const repo = `${plain.host}/${unique('args')}`;
    await pushImage(plain, `${repo}:1.0-linux-amd64`, { os: 'linux', architecture: 'amd64', format: 'docker' });
    await pushImage(plain, `${repo}:1.0-linux-armv7`, { os: 'linux', architecture: 'arm', variant: 'v7', format: 'docker' });
    const result = await cli([
      'push',
      'from-args',
      '--platforms',
      'linux/amd64,linux/arm/v7',
      '--template',
      `${repo}:1.0-OS-ARCHVARIANT`,
      '--target',
      `${repo}:1.0`,
      '--tags',
      'one,two',
      '--type',
      'docker',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['digest', 'mediaType', 'size', 'tags']);
    expect(json).toMatchObject({ mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', tags: ['1.0', 'one', 'two'] });
    const inspected = await cli(['inspect', `${repo}:two`]);
    expect(inspected.stdout).toContain('   - linux/amd64\n   - linux/arm/v7\n');
  });

  it('writes nothing on --dry-run and prints the plan, the index and the digest', async () => {
    const repo = `${plain.host}/${unique('dry')}`;
    const other = `${plain.host}/${unique('dry-src')}`;
    await pushImage(plain, `${other}:amd64`, { os: 'linux', architecture: 'amd64' });
    const file = await writeSpec(`image: ${repo}:1.0\nmanifests:\n  - image: ${other}:amd64\n`);
    const result = await cli(['push', 'from-spec', '--dry-run', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Dry run: nothing was written.');
    expect(result.stdout).toContain(`  ${other}:amd64 (linux/amd64) sha256:`);
    expect(result.stdout).toMatch(/: mount 2 blobs\n/);
    expect(result.stdout).toMatch(/Digest: sha256:[a-f0-9]{64} \d+\nWould tag: /);
    expect(await exists(plain, `${repo}:1.0`)).toBe(false);
  });

  it('exits 1 naming every missing image, and skips them with --ignore-missing', async () => {
    const repo = `${plain.host}/${unique('missing')}`;
    await pushImage(plain, `${repo}:amd64`, { os: 'linux', architecture: 'amd64' });
    const file = await writeSpec(`image: ${repo}:1.0\nmanifests:\n  - image: ${repo}:amd64\n  - image: ${repo}:gone1\n  - image: ${repo}:gone2\n`);
    const failed = await cli(['push', 'from-spec', file]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toBe(
      `multiplatform: error: 2 of 3 images were not found:\n  ${repo}:gone1\n  ${repo}:gone2\n  (use --ignore-missing to push the list without them)\n`,
    );
    expect(await exists(plain, `${repo}:1.0`)).toBe(false);

    const skipped = await cli(['push', 'from-spec', '--ignore-missing', '--json', file]);
    expect(skipped.code).toBe(0);
    expect((JSON.parse(skipped.stdout) as { skipped: string[] }).skipped).toHaveLength(2);
  });

  it('authenticates with --username and --password-stdin, or with --docker-cfg', async () => {
    const repo = `${basic.host}/${unique('auth')}`;
    await pushImage(basic, `${repo}:amd64`, { os: 'linux', architecture: 'amd64' });
    const file = await writeSpec(`image: ${repo}:1.0\nmanifests:\n  - image: ${repo}:amd64\n`);

    const anonymous = await cli(['push', 'from-spec', file]);
    expect(anonymous.code).toBe(1);

    const stdin = await cli(['push', 'from-spec', '--username', USER, '--password-stdin', '-q', file], { stdin: `${PASSWORD}\n` });
    expect(stdin.stderr).toBe('');
    expect(stdin.code).toBe(0);
    expect(stdin.stdout).toMatch(/^sha256:[a-f0-9]{64}\n$/);

    const configDir = join(home, `docker-${randomBytes(4).toString('hex')}`);
    await mkdir(configDir);
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth } } }));
    const fromConfig = await cli(['inspect', '--docker-cfg', configDir, `${repo}:1.0`]);
    expect(fromConfig.stderr).toBe('');
    expect(fromConfig.stdout).toContain(' * Manifest List: Yes\n');
  });

  it('exits 1 with an auth error that does not show a wrong password', async () => {
    const repo = `${basic.host}/${unique('wrong')}`;
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const viaFlag = await cli(['inspect', '--username', USER, '--password', wrong, `${repo}:x`]);
    expect(viaFlag.code).toBe(1);
    expect(viaFlag.stderr).toMatch(/multiplatform: error: .*authentication/i);
    expect(viaFlag.stderr).not.toContain(wrong);
    const viaStdin = await cli(['inspect', '--username', USER, '--password-stdin', `${repo}:x`], { stdin: wrong });
    expect(viaStdin.code).toBe(1);
    expect(viaStdin.stderr).not.toContain(wrong);
  });
});
