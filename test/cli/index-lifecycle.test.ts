import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type OciImageIndex } from '../../src/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry, type TestImage } from '../../src/registry/index.js';
import { runCli } from './in-process.js';

/**
 * The index-lifecycle commands (`create`, `index add|replace|remove`, `tag`, `untag`, `ls`,
 * `digest`) run in-process against the embedded registry: what they print, their exit status,
 * `--metadata-file`, and what the registry holds afterwards.
 */

let home: string;
let env: Record<string, string | undefined>;
let registry: RunningRegistry;
let client: RegistryClient;
const cli = (...argv: string[]) => runCli(argv, { env });

const images: Record<'amd64' | 'arm64' | 's390x', TestImage> = {
  amd64: randomImage({ platform: 'linux/amd64', seed: 'cli-life-amd64' }),
  arm64: randomImage({ platform: 'linux/arm64/v8', seed: 'cli-life-arm64' }),
  s390x: randomImage({ platform: 'linux/s390x', seed: 'cli-life-s390x' }),
};
let builds: string;
const source = (platform: keyof typeof images) => `${builds}@${images[platform].manifest.digest}`;
const repo = (name: string) => `${registry.host}/cli-life/${name}-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mp-cli-life-'));
  env = { HOME: home, PATH: process.env.PATH };
  registry = await startRegistry();
  client = new RegistryClient({ dockerConfig: false });
  builds = `${registry.host}/cli-life/builds`;
  for (const platform of ['amd64', 'arm64', 's390x'] as const) await pushImage(client, source(platform), images[platform]);
});

afterAll(async () => {
  await client?.close();
  await registry?.close();
  await rm(home, { recursive: true, force: true });
});

async function platformsAt(ref: string): Promise<string[]> {
  const result = await client.inspect(ref);
  return result.entries.map((e) => e.platform);
}

async function metadata(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

describe('usage errors of the index-lifecycle commands (exit 2, nothing sent)', () => {
  it.each([
    [['create', 'localhost:1/a@sha256:' + '0'.repeat(64)], 'create needs at least one -t REF'],
    [['create', '-t', 'localhost:1/app@sha256:' + '0'.repeat(64), 'localhost:1/a:1'], 'names a digest; give a tag'],
    [['create', '-t', 'localhost:1/app:1', '--type', 'v2', 'localhost:1/a:1'], '--type must be oci or docker'],
    [['create', '-t', 'localhost:1/app:1', '--platform', 'linux/amd64,', 'localhost:1/a:1'], '--platform has an empty item'],
    [['create', '-t', 'localhost:1/app:1', 'Not A Reference'], 'SOURCE:'],
    [['create', '-t', 'localhost:1/app:1', '--json', '-q', 'localhost:1/a:1'], '--json and --quiet cannot be used together'],
    [['create', '-t', 'localhost:1/app:1', '--metadata-file', '/nonexistent-dir-mp/meta.json', 'localhost:1/a:1'], 'does not exist'],
    [['create', '-t', 'localhost:1/app:1', '--platfrom', 'linux/amd64', 'localhost:1/a:1'], 'unknown flag --platfrom (did you mean --platform?)'],
    [['index'], 'index needs a subcommand: add or replace or remove'],
    [['index', 'ad', 'localhost:1/app:1'], 'did you mean index add?'],
    [['index', 'add', 'localhost:1/app:1'], 'index add needs SOURCE'],
    [['index', 'remove', 'localhost:1/app:1'], 'index remove needs --platform or --digest'],
    [['index', 'remove', 'localhost:1/app:1', '--digest', 'sha256:abc'], '--digest:'],
    [['index', 'remove', 'localhost:1/app:1', '--platform', 'linux/amd64', '--force', '--force'], '--force given more than once'],
    [['tag', 'localhost:1/app:1'], 'tag needs NEWTAG'],
    [['tag', 'localhost:1/app:1', 'localhost:1/other:2'], 'is in another repository'],
    [['tag', 'localhost:1/app:1', 'bad tag!'], 'NEWTAG:'],
    [['untag', 'localhost:1/app@sha256:' + '0'.repeat(64)], 'it never deletes a manifest'],
    [['untag', 'localhost:1/app'], 'untag needs a tag'],
    [['ls', 'localhost:1/app:1'], 'ls takes a repository'],
    [['ls', 'localhost:1/app', '--filter', '('], 'is not a regular expression'],
    [['digest', 'localhost:1/app:1', '--platform', 'linux/amd64,linux/arm64'], '--platform takes one platform'],
  ])('%j', async (argv, message) => {
    const run = await cli(...argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toMatch(/^usage: multiplatform /m);
  });

  it('refuses an annotation the library cannot place, naming the flag', async () => {
    const run = await cli('create', '-t', `${repo('ann')}:1`, '--annotation', 'manifest:k=v', source('amd64'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('multiplatform: error: --annotation: annotation "manifest:k=v"');
  });

  it('shows help for each new command and the index group', async () => {
    for (const words of [['create'], ['index'], ['index', 'add'], ['index', 'replace'], ['index', 'remove'], ['tag'], ['untag'], ['ls'], ['digest']]) {
      const run = await cli(...words, '--help');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`usage: multiplatform ${words.join(' ')}`);
    }
    expect((await cli('--help')).stdout).toMatch(/ {2}index remove +remove entries/);
  });
});

describe('create', () => {
  it('merges by-digest images into two tags, prints the digest and tags, and writes the metadata file', async () => {
    const app = repo('app');
    const file = join(home, 'create.json');
    const run = await cli('create', '-t', `${app}:1.0`, '-t', `${app}:latest`, '--metadata-file', file, source('amd64'), source('arm64'));
    expect(run.code, run.stderr).toBe(0);
    const { bytes, descriptor } = await client.getManifest(`${app}:1.0`);
    const { digest } = descriptor;
    expect(run.stdout).toBe(`Digest: ${descriptor.digest} ${bytes.length}\nTagged: ${app}:1.0\nTagged: ${app}:latest\n`);
    expect(run.stderr).toContain('multiplatform: 2 entries in the index:');
    expect((await client.getManifest(`${app}:latest`)).bytes.equals(bytes)).toBe(true);
    expect(await platformsAt(`${app}:1.0`)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(await metadata(file)).toEqual({
      'containerimage.descriptor': { mediaType: descriptor.mediaType, digest, size: bytes.length },
      'containerimage.digest': digest,
      'image.name': `${app}:1.0,${app}:latest`,
    });
  });

  it('-q prints the digest alone; --type docker, --platform and --annotation shape the index', async () => {
    const app = repo('quiet');
    const run = await cli('create', '-q', '-t', `${app}:1`, '--platform', 'linux/arm64', source('amd64'), source('arm64'), source('s390x'));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const { descriptor } = await client.getManifest(`${app}:1`);
    expect(run.stdout).toBe(`${descriptor.digest}\n`);
    expect(await platformsAt(`${app}:1`)).toEqual(['linux/arm64/v8']);

    const docker = await cli('create', '-q', '--type', 'docker', '-t', `${app}:docker`, source('amd64'));
    expect(docker.code, docker.stderr).toBe(0);
    expect((await client.getManifest(`${app}:docker`)).descriptor.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');

    const annotated = await cli('create', '-q', '-t', `${app}:ann`, '--annotation', 'index:org.opencontainers.image.version=1', '--annotation', 'manifest-descriptor:com.example.k=v', source('amd64'));
    expect(annotated.code, annotated.stderr).toBe(0);
    const index = (await client.getManifest(`${app}:ann`)).manifest as OciImageIndex;
    expect(index.annotations).toEqual({ 'org.opencontainers.image.version': '1' });
    expect(index.manifests[0]?.annotations).toEqual({ 'com.example.k': 'v' });
  });

  it('--dry-run prints the index and what would be written, and writes nothing (nor the metadata file)', async () => {
    const app = repo('dry');
    const file = join(home, 'dry.json');
    const run = await cli('create', '--dry-run', '--metadata-file', file, '-t', `${app}:1`, source('amd64'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Dry run: nothing was written.');
    expect(run.stdout).toContain('"schemaVersion": 2');
    expect(run.stdout).toMatch(new RegExp(`Would tag: ${app}:1\\n$`));
    expect(await client.manifestExists(`${app}:1`)).toBe(false);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });

  it('--append keeps the entries already at the first tag; --json reports the write', async () => {
    const app = repo('append');
    expect((await cli('create', '-q', '-t', `${app}:1`, source('amd64'))).code).toBe(0);
    const run = await cli('create', '--append', '--json', '-t', `${app}:1`, source('s390x'));
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as { digest: string; tags: string[] };
    expect(json.tags).toEqual([`${app}:1`]);
    expect((await client.headManifest(`${app}:1`)).digest).toBe(json.digest);
    expect(await platformsAt(`${app}:1`)).toEqual(['linux/amd64', 'linux/s390x']);
  });

  it('exits 1 when a source does not exist', async () => {
    const run = await cli('create', '-t', `${repo('missing')}:1`, `${builds}:no-such-tag`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^multiplatform: error: /);
  });
});

describe('index add, replace, remove', () => {
  it('removes a platform, adds it back, replaces it, each step in the registry and the metadata file', async () => {
    const app = repo('edit');
    expect((await cli('create', '-q', '-t', `${app}:1`, source('amd64'), source('s390x'))).code).toBe(0);

    const file = join(home, 'remove.json');
    const removed = await cli('index', 'remove', `${app}:1`, '--platform', 'linux/s390x', '--metadata-file', file);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toBe(`multiplatform: removed linux/s390x ${images.s390x.manifest.digest}\n`);
    const after = await client.headManifest(`${app}:1`);
    expect(removed.stdout).toBe(`Digest: ${after.digest} ${after.size}\nTagged: ${app}:1\n`);
    expect(await platformsAt(`${app}:1`)).toEqual(['linux/amd64']);
    expect(await metadata(file)).toMatchObject({ 'containerimage.digest': after.digest, 'image.name': `${app}:1` });

    const added = await cli('index', 'add', '-q', `${app}:1`, source('arm64'));
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe(`${(await client.headManifest(`${app}:1`)).digest}\n`);
    expect(await platformsAt(`${app}:1`)).toEqual(['linux/amd64', 'linux/arm64/v8']);

    const byDigest = await cli('index', 'remove', '--json', `${app}:1`, '--digest', images.amd64.manifest.digest);
    expect(byDigest.code, byDigest.stderr).toBe(0);
    const json = JSON.parse(byDigest.stdout) as { removed: { digest: string }[]; previousDigest: string };
    expect(json.removed.map((r) => r.digest)).toEqual([images.amd64.manifest.digest]);
    expect(await platformsAt(`${app}:1`)).toEqual(['linux/arm64/v8']);

    const replacement = randomImage({ platform: 'linux/arm64/v8', seed: `cli-life-arm64-fix-${app}` });
    await pushImage(client, `${builds}@${replacement.manifest.digest}`, replacement);
    const replaced = await cli('index', 'replace', `${app}:1`, `${builds}@${replacement.manifest.digest}`);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stderr).toContain(`multiplatform: added linux/arm64/v8 ${replacement.manifest.digest}`);
    expect((await client.resolvePlatform(`${app}:1`, 'linux/arm64')).digest).toBe(replacement.manifest.digest);
  });

  it('--dry-run shows the change and writes nothing; a moved tag is refused unless --force', async () => {
    const app = repo('moved');
    expect((await cli('create', '-q', '-t', `${app}:1`, source('amd64'), source('arm64'))).code).toBe(0);
    const before = await client.headManifest(`${app}:1`);

    const dry = await cli('index', 'remove', '--dry-run', `${app}:1`, '--platform', 'linux/arm64');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('multiplatform: would remove linux/arm64/v8');
    expect(dry.stdout).toContain('Dry run: nothing was written.');
    expect((await client.headManifest(`${app}:1`)).digest).toBe(before.digest);

    expect((await cli('create', '-q', '-t', `${app}:1`, source('s390x'))).code).toBe(0);
    const pinned = `${app}:1@${before.digest}`;
    const refused = await cli('index', 'remove', pinned, '--platform', 'linux/arm64');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('has moved since the index was read');
    expect(refused.stderr).toContain('run again with --force to overwrite');
    expect(await platformsAt(`${app}:1`)).toEqual(['linux/s390x']);

    const forced = await cli('index', 'remove', '--force', pinned, '--platform', 'linux/arm64');
    expect(forced.code, forced.stderr).toBe(0);
    expect(await platformsAt(`${app}:1`)).toEqual(['linux/amd64']);
  });

  it('exits 1 when the platform to remove is not in the index', async () => {
    const app = repo('absent');
    expect((await cli('create', '-q', '-t', `${app}:1`, source('amd64'))).code).toBe(0);
    const run = await cli('index', 'remove', `${app}:1`, '--platform', 'linux/ppc64le');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no entry of the index matches');
  });
});

describe('tag, untag, ls, digest', () => {
  it('tags with bare tags and full references, untags one without touching the others, lists and filters', async () => {
    const app = repo('tags');
    const created = await cli('create', '-q', '-t', `${app}:ci-1`, source('amd64'), source('arm64'));
    const digest = created.stdout.trim();

    const file = join(home, 'tag.json');
    const tagged = await cli('tag', `${app}@${digest}`, '1.0', `${app}:latest`, '--metadata-file', file);
    expect(tagged.code, tagged.stderr).toBe(0);
    const size = (await client.headManifest(`${app}:1.0`)).size;
    expect(tagged.stdout).toBe(`Digest: ${digest} ${size}\nTagged: ${app}:1.0\nTagged: ${app}:latest\n`);
    expect(await metadata(file)).toMatchObject({ 'containerimage.digest': digest, 'image.name': `${app}:1.0,${app}:latest` });
    expect((await cli('tag', '-q', `${app}:1.0`, '1')).stdout).toBe(`${digest}\n`);

    const untagged = await cli('untag', `${app}:ci-1`);
    expect(untagged).toMatchObject({ code: 0, stdout: `Untagged: ${app}:ci-1\n` });
    expect(await client.manifestExists(`${app}:ci-1`)).toBe(false);
    expect((await client.headManifest(`${app}:1.0`)).digest).toBe(digest);
    expect((await cli('untag', '-q', `${app}:1`)).stdout).toBe('');

    expect((await cli('ls', app)).stdout.split('\n').filter(Boolean).sort()).toEqual(['1.0', 'latest']);
    expect(await cli('ls', app, '--filter', '^\\d')).toMatchObject({ code: 0, stdout: '1.0\n' });

    const missing = await cli('untag', `${app}:ci-1`);
    expect(missing.code).toBe(1);
  });

  it('prints the digest of a reference, or of the entry a platform would pull', async () => {
    const app = repo('digest');
    const digest = (await cli('create', '-q', '-t', `${app}:1`, source('amd64'), source('arm64'))).stdout.trim();
    expect(await cli('digest', `${app}:1`)).toMatchObject({ code: 0, stdout: `${digest}\n`, stderr: '' });
    expect(await cli('digest', `${app}:1`, '--platform', 'linux/arm64')).toMatchObject({ code: 0, stdout: `${images.arm64.manifest.digest}\n` });
    const none = await cli('digest', `${app}:1`, '--platform', 'linux/s390x');
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
  });
});
