import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushBuiltImage, type BuildImageOptions, type BuiltImage } from '../helpers/images.js';
import { sharedRegistries, type RegistryCoordinates } from '../helpers/registries.js';
import { skopeoInspectRaw, type SkopeoCredentials } from '../helpers/skopeo.js';
import { CLI_BIN } from '../helpers/cli-bin.js';

/**
 * The `multiplatform` CLI as a real process (`node dist/cli/bin.cjs`, the file package.json's bin names, built by the test command)
 * against the real distribution registries of the integration project.
 */

const MAIN = CLI_BIN;
const TIMEOUT_MS = 60_000;

interface CliRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

let home: string;

/** Runs the built CLI with a private HOME (so no Docker login of this machine is used); kills it on timeout. */
function cli(args: string[], options: { stdin?: string; nodeFlags?: string[] } = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), MAIN, ...args], {
      env: { PATH: process.env.PATH, HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

const text = (run: CliRun) => run.stdout.toString('utf8');
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const unique = (prefix: string) => `cli/${prefix}-${randomBytes(4).toString('hex')}`;

function credsOf(registry: RegistryCoordinates): SkopeoCredentials | undefined {
  return registry.username && registry.password ? { username: registry.username, password: registry.password } : undefined;
}

/** `--username/--password` for registries that need them. */
function authFlags(registry: RegistryCoordinates): string[] {
  return registry.username && registry.password ? ['--username', registry.username, '--password', registry.password] : [];
}

function pushImage(registry: RegistryCoordinates, ref: string, options: BuildImageOptions): Promise<BuiltImage> {
  return pushBuiltImage(ref, options, registry.username && registry.password ? { [registry.host]: { username: registry.username, password: registry.password } } : {});
}

async function manifestExists(registry: RegistryCoordinates, ref: string): Promise<boolean> {
  try {
    await skopeoInspectRaw(`docker://${ref}`, { creds: credsOf(registry) });
    return true;
  } catch (error) {
    if (/manifest unknown|not found|name unknown/i.test((error as Error).message)) return false;
    throw error;
  }
}

async function writeSpec(content: string): Promise<string> {
  const file = join(home, `spec-${randomBytes(4).toString('hex')}.yml`);
  await writeFile(file, content);
  return file;
}

async function dockerConfigFor(registry: RegistryCoordinates): Promise<string> {
  const dir = join(home, `docker-${randomBytes(4).toString('hex')}`);
  await mkdir(dir);
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
  return dir;
}

function parseDigestLine(run: CliRun): { digest: string; size: number } {
  const match = /^Digest: (sha256:[a-f0-9]{64}) (\d+)\n/.exec(text(run));
  if (!match) throw new Error(`no Digest line in ${JSON.stringify(text(run))}; stderr: ${run.stderr}`);
  return { digest: match[1] ?? '', size: Number(match[2]) };
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first with \`npx tsup\` (scripts/test.sh does)`);
  home = await mkdtemp(join(tmpdir(), 'mp-cli-it-'));
});

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe.each(['plain', 'basic', 'token'] as const)('multiplatform CLI against the %s registry', (name) => {
  let registry: RegistryCoordinates;
  beforeAll(() => {
    registry = sharedRegistries()[name];
  });

  it.each(['oci', 'docker'] as const)('push from-spec (%s children) writes the list that skopeo reads back, and inspect shows it', async (format) => {
    const repo = `${registry.host}/${unique(`spec-${format}`)}`;
    await pushImage(registry, `${repo}:linux`, { os: 'linux', architecture: 'amd64', format });
    await pushImage(registry, `${repo}:windows`, { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1234', format });
    const spec = await writeSpec(
      [
        `image: ${repo}:1.0`,
        'tags: ["1", latest]',
        'manifests:',
        `  - image: ${repo}:linux`,
        '    platform:',
        '      architecture: amd64',
        '      os: linux',
        `  - image: ${repo}:windows`,
        '',
      ].join('\n'),
    );

    const pushed = await cli([...authFlags(registry), 'push', 'from-spec', spec]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const { digest, size } = parseDigestLine(pushed);
    expect(text(pushed)).toBe(`Digest: ${digest} ${size}\nTagged: ${repo}:1.0\nTagged: ${repo}:1\nTagged: ${repo}:latest\n`);

    for (const tag of ['1.0', '1', 'latest']) {
      const stored = await skopeoInspectRaw(`docker://${repo}:${tag}`, { creds: credsOf(registry) });
      expect(sha256(stored)).toBe(digest);
      expect(stored.length).toBe(size);
    }
    const listType = format === 'oci' ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.docker.distribution.manifest.list.v2+json';
    expect(JSON.parse((await skopeoInspectRaw(`docker://${repo}:1.0`, { creds: credsOf(registry) })).toString('utf8'))).toMatchObject({ mediaType: listType });

    const inspected = await cli(['inspect', ...authFlags(registry), `${repo}:latest`]);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(text(inspected)).toBe(
      [`Image: ${repo}:latest`, ' * Manifest List: Yes', ' * Supported platforms:', '   - linux/amd64', '   - windows/amd64:10.0.17763.1234', ''].join('\n'),
    );

    const raw = await cli(['inspect', '--raw', ...authFlags(registry), `${repo}:1.0`]);
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stdout.equals(await skopeoInspectRaw(`docker://${repo}:1.0`, { creds: credsOf(registry) }))).toBe(true);

    const single = await cli(['inspect', ...authFlags(registry), `${repo}:windows`]);
    expect(text(single)).toBe(`Image: ${repo}:windows\n * Manifest List: No\n * Supports: windows/amd64:10.0.17763.1234\n`);
  });

  it.each(['oci', 'docker'] as const)('push from-args --type %s with --password-stdin prints JSON {digest, mediaType, size, tags}', async (type) => {
    const repo = `${registry.host}/${unique(`args-${type}`)}`;
    await pushImage(registry, `${repo}:2.0-linux-amd64`, { os: 'linux', architecture: 'amd64' });
    await pushImage(registry, `${repo}:2.0-linux-armv7`, { os: 'linux', architecture: 'arm', variant: 'v7' });
    await pushImage(registry, `${repo}:2.0-linux-arm64v8`, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    const auth = registry.username ? ['--username', registry.username, '--password-stdin'] : [];
    const args = ['push', 'from-args', '--platforms', 'linux/amd64,linux/arm/v7,linux/arm64/v8', '--template', `${repo}:2.0-OS-ARCHVARIANT`];
    const result = await cli([...args, '--target', `${repo}:2.0`, '--tags', 'two', '--type', type, '--json', '--insecure', ...auth], { stdin: `${registry.password ?? ''}\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const json = JSON.parse(text(result)) as { digest: string; mediaType: string; size: number; tags: string[] };
    expect(Object.keys(json)).toEqual(['digest', 'mediaType', 'size', 'tags']);
    expect(json.mediaType).toBe(type === 'oci' ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.docker.distribution.manifest.list.v2+json');
    expect(json.tags).toEqual(['2.0', 'two']);
    const stored = await skopeoInspectRaw(`docker://${repo}:two`, { creds: credsOf(registry) });
    expect(sha256(stored)).toBe(json.digest);
    expect(stored.length).toBe(json.size);

    const inspectJson = await cli(['inspect', '--json', ...authFlags(registry), `${repo}:2.0`]);
    const inspected = JSON.parse(text(inspectJson)) as { digest: string; isList: boolean; manifests: Array<{ platformString: string; platform: { os: string } }>; bytes?: unknown };
    expect(inspected).toMatchObject({ digest: json.digest, isList: true, size: json.size });
    expect(inspected.manifests.map((e) => e.platformString)).toEqual(['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8']);
    expect(inspected.manifests.map((e) => e.platform.os)).toEqual(['linux', 'linux', 'linux']);
    expect(inspected.bytes).toBeUndefined();
  });

  it('--dry-run prints the plan and digest and writes nothing', async () => {
    const repo = `${registry.host}/${unique('dry')}`;
    const source = `${registry.host}/${unique('dry-src')}`;
    await pushImage(registry, `${source}:amd64`, { os: 'linux', architecture: 'amd64' });
    await pushImage(registry, `${source}:s390x`, { os: 'linux', architecture: 's390x' });
    const spec = await writeSpec(`image: ${repo}:1.0\nmanifests:\n  - image: ${source}:amd64\n  - image: ${source}:s390x\n`);
    const dry = await cli([...authFlags(registry), 'push', 'from-spec', '--dry-run', spec]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(text(dry)).toMatch(/^Dry run: nothing was written\.\nPlan:\n/);
    expect(text(dry)).toContain(`  ${source}:amd64 (linux/amd64) sha256:`);
    expect(text(dry)).toMatch(/: mount 2 blobs\n/);
    const digest = /Digest: (sha256:[a-f0-9]{64}) \d+\n/.exec(text(dry))?.[1];
    expect(digest).toBeDefined();
    expect(await manifestExists(registry, `${repo}:1.0`)).toBe(false);

    // the real push gives the digest the dry run announced
    const real = await cli([...authFlags(registry), 'push', 'from-spec', '-q', spec]);
    expect(real.code, real.stderr).toBe(0);
    expect(text(real)).toBe(`${digest}\n`);
  });

  it('exits 1 listing every missing image, and writes nothing', async () => {
    const repo = `${registry.host}/${unique('missing')}`;
    await pushImage(registry, `${repo}:amd64`, { os: 'linux', architecture: 'amd64' });
    const spec = await writeSpec(`image: ${repo}:1.0\nmanifests:\n  - image: ${repo}:amd64\n  - image: ${repo}:nope-arm64\n  - image: ${repo}:nope-s390x\n`);
    const result = await cli([...authFlags(registry), 'push', 'from-spec', spec]);
    expect(result.code).toBe(1);
    expect(text(result)).toBe('');
    expect(result.stderr).toContain(
      `multiplatform: error: 2 of 3 images were not found:\n  ${repo}:nope-arm64\n  ${repo}:nope-s390x\n  (use --ignore-missing to push the list without them)\n`,
    );
    expect(await manifestExists(registry, `${repo}:1.0`)).toBe(false);
  });

  it.skipIf(name === 'plain')('reads credentials from --docker-cfg, and refuses a wrong password with exit 1 without printing it', async () => {
    const repo = `${registry.host}/${unique('cfg')}`;
    await pushImage(registry, `${repo}:amd64`, { os: 'linux', architecture: 'amd64' });
    const spec = await writeSpec(`image: ${repo}:1.0\nmanifests:\n  - image: ${repo}:amd64\n`);

    const config = await dockerConfigFor(registry);
    const pushed = await cli(['push', 'from-spec', '--docker-cfg', config, spec]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const inspected = await cli(['inspect', '--docker-cfg', config, `${repo}:1.0`]);
    expect(text(inspected)).toBe(`Image: ${repo}:1.0\n * Manifest List: Yes\n * Supported platforms:\n   - linux/amd64\n`);

    const anonymous = await cli(['inspect', `${repo}:1.0`]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^multiplatform: error: .*authentication/im);

    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    for (const run of [
      await cli(['push', 'from-spec', '--username', registry.username ?? '', '--password', wrong, spec]),
      await cli(['push', 'from-spec', '--username', registry.username ?? '', '--password-stdin', spec], { stdin: wrong }),
    ]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/multiplatform: error: .*authentication to .* failed/i);
      expect(run.stderr).not.toContain(wrong);
      expect(text(run)).toBe('');
    }
  });
});

describe('multiplatform CLI across registries', () => {
  it('gives --username/--password to the target registry only: children on the plain registry, list on the basic one', async () => {
    const { plain, basic } = sharedRegistries();
    const source = `${plain.host}/${unique('from-plain')}`;
    const target = `${basic.host}/${unique('to-basic')}`;
    await pushImage(plain, `${source}:amd64`, { os: 'linux', architecture: 'amd64', format: 'docker' });
    await pushImage(plain, `${source}:arm64`, { os: 'linux', architecture: 'arm64', variant: 'v8', format: 'docker' });
    const result = await cli([...authFlags(basic), 'push', 'from-args', '--platforms', 'linux/amd64,linux/arm64', '--template', `${source}:ARCH`, '--target', `${target}:1`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(': copy 2 blobs');
    const { digest } = parseDigestLine(result);
    expect(sha256(await skopeoInspectRaw(`docker://${target}:1`, { creds: credsOf(basic) }))).toBe(digest);
  });
});

describe('multiplatform CLI runtime set-up', () => {
  // On Node 20 and 22 `--liftoff-only` alone keeps TurboFan away; on Node 24 (V8 13), which the test
  // command also runs this file on, only the tiering budget does, and this fails without it.
  it("compiles undici's HTTP parser with V8's baseline compiler only: no optimising compile for the exit to wait for", async () => {
    const registry = sharedRegistries().token;
    const repo = `${registry.host}/${unique('wasm-tiering')}`;
    await pushImage(registry, `${repo}:linux`, { os: 'linux', architecture: 'amd64', format: 'oci' });
    for (let round = 0; round < 2; round++) {
      const inspected = await cli(['inspect', ...authFlags(registry), `${repo}:linux`], { nodeFlags: ['--trace-wasm-compilation-times'] });
      expect(inspected.code, inspected.stderr).toBe(0);
      const trace = text(inspected) + inspected.stderr;
      expect(trace).toMatch(/using Liftoff/); // the trace sees the parser being compiled
      expect(trace).not.toMatch(/using TurboFan/);
    }
  });
});

describe('multiplatform CLI input errors', () => {
  it('exits 2 for a YAML syntax error, naming file:line:column', async () => {
    const spec = await writeSpec('image: 127.0.0.1:1/a:1\nmanifests:\n  - image: [127.0.0.1:1/a:amd64\n    platform: {os: linux}\n');
    const result = await cli(['push', 'from-spec', spec]);
    expect(result.code).toBe(2);
    expect(text(result)).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^multiplatform: error: ${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `));
  });

  it('exits 2 for an unknown field, naming it, where it is and what was meant', async () => {
    const spec = await writeSpec('image: 127.0.0.1:1/a:1\nmanifests:\n  - image: 127.0.0.1:1/a:amd64\n  - image: 127.0.0.1:1/a:arm64\n    platfrom:\n      os: linux\n');
    const result = await cli(['push', 'from-spec', spec]);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`multiplatform: error: ${spec}:5:5: manifests[1].platfrom: unknown field (did you mean platform?)`);
  });

  it('exits 2 for an unknown flag, with a hint and the usage line', async () => {
    const result = await cli(['inspect', '--jsn', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("multiplatform: error: unknown flag --jsn (did you mean --json?)\nusage: multiplatform inspect REF [--raw | --json | --format manifest-tool] [flags]\nRun 'multiplatform inspect --help' for more.\n");
  });
});

describe('multiplatform login against distribution', () => {
  for (const kind of ['basic', 'token'] as const) {
    it(`${kind} auth: checks the password, saves it, and later commands use it; a wrong one changes nothing`, async () => {
      const registry = sharedRegistries()[kind];
      const dir = join(home, `login-${randomBytes(4).toString('hex')}`);
      await mkdir(dir);
      const before = JSON.stringify({ auths: { 'other.example': { auth: Buffer.from('a:b').toString('base64') } }, psFormat: 'table' }, null, 2);
      await writeFile(join(dir, 'config.json'), before);

      const wrong = await cli(['login', registry.host, '-u', registry.username ?? '', '--password-stdin', '--docker-cfg', dir], { stdin: 'not-the-password\n' });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`authentication to ${registry.host} failed`);
      expect(wrong.stderr).not.toContain('not-the-password');
      expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(before);

      const ok = await cli(['login', registry.host, '-u', registry.username ?? '', '--password-stdin', '--docker-cfg', dir], { stdin: `${registry.password ?? ''}\n` });
      expect(ok.code, ok.stderr).toBe(0);
      expect(text(ok)).toBe('Login Succeeded\n');
      expect(ok.stderr).not.toContain(registry.password ?? '');
      const saved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }>; psFormat: string };
      expect(saved.psFormat).toBe('table');
      expect(Buffer.from(saved.auths[registry.host]?.auth ?? '', 'base64').toString()).toBe(`${registry.username}:${registry.password}`);

      const ref = `${registry.host}/${unique('login')}:1`;
      await pushImage(registry, ref, { os: 'linux', architecture: 'amd64', format: 'oci' });
      const inspect = await cli(['inspect', '-q', '--docker-cfg', dir, ref]);
      expect(inspect.code, inspect.stderr).toBe(0);
      expect(text(inspect)).toMatch(/^sha256:[a-f0-9]{64}\n$/);
    });
  }
});
