import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { runCli } from './in-process.js';

/** Any character a terminal could obey: C0 but newline, DEL, C1, bidi controls, line separators. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

// A registry serves whatever was pushed to it, so these reach the CLI exactly as written here.
const HOSTILE_OS = 'linux\r\nTagged: evil.example/app:latest';
const HOSTILE_ARCH = 'amd64\u001b[2J\u0007';
// An image config's platform may not hold whitespace, '/' or ':' (the client refuses it), but may hold other controls.
const CONFIG_PLATFORM = { os: 'linux\u001b[2J', architecture: 'amd64\u0007\u0085', variant: 'v8\u202e' };
const CONFIG_PLATFORM_SHOWN = 'linux\\u001b[2j/amd64\\u0007\\u0085/v8\\u202e';

let home: string;
let env: Record<string, string | undefined>;
let registry: RunningRegistry;
let client: RegistryClient;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mp-cli-text-'));
  env = { HOME: home, PATH: process.env.PATH };
  registry = await startRegistry();
  client = new RegistryClient({ dockerConfig: false });
});

afterAll(async () => {
  await client?.close();
  await registry?.close();
  await rm(home, { recursive: true, force: true });
});

const repo = () => `${registry.host}/text/app-${randomBytes(4).toString('hex')}`;

/** Pushes an image whose config names a platform with controls, and an index over it whose entry names a hostile one. */
async function pushHostileImages(name: string): Promise<{ image: string; list: string }> {
  const image = randomImage({ platform: CONFIG_PLATFORM, seed: 'hostile' });
  const pushed = await pushImage(client, `${name}:single`, image);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: pushed.mediaType,
        digest: pushed.digest,
        size: pushed.size,
        platform: { os: HOSTILE_OS, architecture: HOSTILE_ARCH },
        annotations: { 'org.example.note': 'fine\u001b]0;title\u0007\u009b31m' },
      },
    ],
  };
  await client.putManifest(`${name}:list`, Buffer.from(JSON.stringify(index)));
  return { image: `${name}:single`, list: `${name}:list` };
}

function expectNoRawControls(result: { stdout: string; stderr: string }): void {
  expect(result.stdout).not.toMatch(RAW_CONTROL);
  expect(result.stderr).not.toMatch(RAW_CONTROL);
}

describe('text from a registry on the terminal', () => {
  it('inspect shows a hostile platform escaped, on its own line, for an image and a list', async () => {
    const { image, list } = await pushHostileImages(repo());

    const single = await runCli(['inspect', image], { env });
    expect(single.code).toBe(0);
    expectNoRawControls(single);
    expect(single.stdout.split('\n')).toEqual([
      `Image: ${image}`,
      ' * Manifest List: No',
      ` * Supports: ${CONFIG_PLATFORM_SHOWN}`,
      '',
    ]);

    const index = await runCli(['inspect', list], { env });
    expect(index.code).toBe(0);
    expectNoRawControls(index);
    expect(index.stdout.split('\n')).toEqual([
      `Image: ${list}`,
      ' * Manifest List: Yes',
      ' * Supported platforms:',
      '   - linux\\r\\nTagged: evil.example/app:latest/amd64\\u001b[2J\\u0007',
      '',
    ]);
  });

  it('inspect --json stays valid JSON holding the registry values unchanged, with no raw control character', async () => {
    const { list } = await pushHostileImages(repo());
    const result = await runCli(['inspect', '--json', list], { env });
    expect(result.code).toBe(0);
    expectNoRawControls(result);
    const parsed = JSON.parse(result.stdout) as { manifests: Array<{ platform: { os: string }; platformString: string; annotations: Record<string, string> }> };
    expect(parsed.manifests[0]?.platformString).toBe(`${HOSTILE_OS}/${HOSTILE_ARCH}`);
    expect(parsed.manifests[0]?.platform.os).toBe(HOSTILE_OS);
    expect(parsed.manifests[0]?.annotations).toEqual({ 'org.example.note': 'fine\u001b]0;title\u0007\u009b31m' });
    expect(result.stdout).toContain('\\u009b31m');
  });

  it('push shows the platform read from a hostile config escaped in its plan, and adds no line to stdout', async () => {
    const name = repo();
    const { image } = await pushHostileImages(name);
    const spec = join(home, `spec-${randomBytes(4).toString('hex')}.yml`);
    await writeFile(spec, `image: ${name}:combined\nmanifests:\n  - image: ${image}\n`);
    const result = await runCli(['push', 'from-spec', spec], { env });
    expect(result.code, result.stderr).toBe(0);
    expectNoRawControls(result);
    expect(result.stdout).toMatch(new RegExp(`^Digest: sha256:[0-9a-f]{64} \\d+\\nTagged: ${name.replace(/[.]/g, '\\.')}:combined\\n$`));
    expect(result.stderr).toContain(`(${CONFIG_PLATFORM_SHOWN})`);
  });

  it('the message of a retried error is shown on one line, escaped', async () => {
    const { list } = await pushHostileImages(repo());
    registry.faults.add({
      method: 'GET',
      path: /\/manifests\//,
      status: 503,
      retryAfter: '0',
      body: JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'busy\r\nmultiplatform: error: \u001b[31mfake' }] }),
    });
    const result = await runCli(['inspect', list], { env });
    expect(result.code, result.stderr).toBe(0);
    expectNoRawControls(result);
    const lines = result.stderr.split('\n');
    expect(lines.filter((line) => line.includes('fake'))).toEqual([
      expect.stringMatching(/^multiplatform: .*busy\\r\\nmultiplatform: error: \\u001b\[31mfake; retrying \(attempt 2\)$/),
    ]);
  });

  it('a refused platform is named in an error on one line, escaped', async () => {
    const name = repo();
    const image = randomImage({ platform: { os: HOSTILE_OS, architecture: 'amd64' }, seed: 'refused' });
    await pushImage(client, `${name}:refused`, image);
    const result = await runCli(['inspect', `${name}:refused`], { env });
    expect(result.code).toBe(1);
    expectNoRawControls(result);
    expect(result.stderr.split('\n')).toEqual([expect.stringMatching(/^multiplatform: error: .*"linux\\r\\nTagged: evil\.example\/app:latest"/), '']);
  });

  it('an error message from a registry is shown on one line, escaped', async () => {
    const name = repo();
    registry.faults.add({
      method: 'GET',
      path: /\/manifests\//,
      status: 404,
      body: JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'gone\u001b[2J\r\nmultiplatform: error: \u202efake' }] }),
    });
    const result = await runCli(['inspect', `${name}:1`], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expectNoRawControls(result);
    expect(result.stderr).toBe(
      `multiplatform: error: GET manifest ${name}:1 failed with HTTP 404: MANIFEST_UNKNOWN: gone\\u001b[2J\\r\\nmultiplatform: error: \\u202efake\n`,
    );
  });
});
