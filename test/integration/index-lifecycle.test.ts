import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pushImage, randomImage, type TestImage } from '../../src/registry/index.js';
import type { OciImageIndex } from '../../src/oci/manifest.js';
import { allTargets } from '../helpers/targets.js';
import { SkopeoError, skopeoInspect, skopeoInspectRaw } from '../helpers/skopeo.js';
import { runCli } from '../cli/in-process.js';

/**
 * The lifecycle of a release index, on distribution (plain, Basic, token) and the embedded
 * registry: per-platform images pushed by digest only, merged into two tags of another repository,
 * one platform replaced, one removed, the result tagged again. skopeo reads every step back, and
 * with --override-os/--override-arch says which child a runtime would pick.
 */

const targets = await allTargets();

describe.each(targets)('index lifecycle on $name', (target) => {
  it('creates, replaces, removes and re-tags, as skopeo sees it', { timeout: 120_000 }, async () => {
    const client = target.client();
    const creds = target.skopeoCreds;
    const s = randomBytes(4).toString('hex');
    const images = {
      amd64: randomImage({ platform: 'linux/amd64', seed: `life-amd64-${s}` }),
      arm64: randomImage({ platform: 'linux/arm64/v8', seed: `life-arm64-${s}` }),
      s390x: randomImage({ platform: 'linux/s390x', seed: `life-s390x-${s}` }),
      arm64Fix: randomImage({ platform: 'linux/arm64/v8', seed: `life-arm64-fix-${s}` }),
    };
    const builds = `${target.host}/life-${s}/builds`;
    const other = `${target.host}/life-${s}/other-builds`;
    const release = `${target.host}/life-${s}/app`;
    try {
      await pushImage(client, `${builds}@${images.amd64.manifest.digest}`, images.amd64);
      await pushImage(client, `${builds}@${images.arm64.manifest.digest}`, images.arm64);
      await pushImage(client, `${other}@${images.s390x.manifest.digest}`, images.s390x);
      await pushImage(client, `${builds}@${images.arm64Fix.manifest.digest}`, images.arm64Fix);
      // skopeo's Digest is the index's; the layers show which child it chose (every test image has its own).
      const pick = async (ref: string, os: string, arch: string, variant?: string) =>
        ((await skopeoInspect(`docker://${ref}`, { creds, platform: { os, arch, ...(variant ? { variant } : {}) } })).Layers as string[])[0];
      const layerOf = (image: (typeof images)[keyof typeof images]) => image.layers[0]?.digest;

      // 1. Merge the three images into two tags of another repository.
      const created = await client.createManifestList({
        tags: [`${release}:1.0`, `${release}:latest`],
        sources: [`${builds}@${images.amd64.manifest.digest}`, `${builds}@${images.arm64.manifest.digest}`, `${other}@${images.s390x.manifest.digest}`],
      });
      for (const tag of ['1.0', 'latest']) expect((await skopeoInspectRaw(`docker://${release}:${tag}`, { creds })).equals(created.bytes)).toBe(true);
      expect(await pick(`${release}:1.0`, 'linux', 'arm64', 'v8')).toBe(layerOf(images.arm64));
      expect(await pick(`${release}:1.0`, 'linux', 's390x')).toBe(layerOf(images.s390x));

      // 2. Replace arm64: a runtime on arm64 now gets the fixed image; the other entries are unchanged.
      const replaced = await client.editManifestList(`${release}:1.0`, { replace: [`${builds}@${images.arm64Fix.manifest.digest}`] });
      const afterReplace = JSON.parse((await skopeoInspectRaw(`docker://${release}:1.0`, { creds })).toString('utf8')) as OciImageIndex;
      expect(afterReplace.manifests.map((m) => m.digest)).toEqual([images.amd64.manifest.digest, images.arm64Fix.manifest.digest, images.s390x.manifest.digest]);
      expect(afterReplace.manifests[0]).toEqual((created.index as OciImageIndex).manifests[0]);
      expect(await pick(`${release}:1.0`, 'linux', 'arm64', 'v8')).toBe(layerOf(images.arm64Fix));
      expect(await pick(`${release}:latest`, 'linux', 'arm64', 'v8')).toBe(layerOf(images.arm64));

      // 3. Remove s390x: a runtime on s390x finds nothing to pull.
      const removed = await client.editManifestList(`${release}:1.0@${replaced.digest}`, { remove: ['linux/s390x'] });
      const afterRemove = await skopeoInspectRaw(`docker://${release}:1.0`, { creds });
      expect(afterRemove.equals(removed.bytes)).toBe(true);
      await expect(pick(`${release}:1.0`, 'linux', 's390x')).rejects.toThrow(SkopeoError);
      expect(await pick(`${release}:1.0`, 'linux', 'amd64')).toBe(layerOf(images.amd64));

      // 4. Tag the edited release again under three names. The embedded registry takes them all as
      //    `?tag=` on one PUT; distribution 2.8 ignores the parameter, so each tag gets its own PUT.
      const tagged = await client.tag(`${release}@${removed.digest}`, 'stable', '1', '1.1');
      expect(tagged.digest).toBe(removed.digest);
      expect(tagged).toMatchObject(target.kind === 'embedded' ? { method: 'tag-parameters', manifestPuts: 1 } : { method: 'put-per-tag', manifestPuts: 4 });
      for (const tag of ['stable', '1', '1.1']) expect((await skopeoInspectRaw(`docker://${release}:${tag}`, { creds })).equals(removed.bytes)).toBe(true);
      expect((await client.resolvePlatform(`${release}:stable`, 'linux/arm64')).digest).toBe(images.arm64Fix.manifest.digest);
    } finally {
      await client.close();
    }
  });
});

/**
 * The same story told through the CLI, as a CI job would: the per-platform images exist only by
 * digest; `create` merges them into a release tag and a temporary CI tag of another repository,
 * `index remove` drops one platform, `tag` names the release, `untag` drops the CI tag. skopeo
 * checks each step; the release tags survive the untag.
 */
describe.each(targets)('index lifecycle through the CLI on $name', (target) => {
  it('create, index replace, index remove, tag, untag, as skopeo sees it', { timeout: 120_000 }, async () => {
    const client = target.client();
    const creds = target.skopeoCreds;
    const s = randomBytes(4).toString('hex');
    const home = await mkdtemp(join(tmpdir(), 'mp-life-cli-'));
    const login = target.username ? ['--username', target.username, '--password-stdin'] : [];
    const cli = async (...argv: string[]) => {
      const run = await runCli([...argv, ...login], { env: { HOME: home, PATH: process.env.PATH }, stdin: target.password ?? '' });
      expect(run.code, `${argv.join(' ')}: ${run.stderr}`).toBe(0);
      return run.stdout;
    };
    const images = {
      amd64: randomImage({ platform: 'linux/amd64', seed: `cli-life-amd64-${s}` }),
      arm64: randomImage({ platform: 'linux/arm64/v8', seed: `cli-life-arm64-${s}` }),
      s390x: randomImage({ platform: 'linux/s390x', seed: `cli-life-s390x-${s}` }),
    };
    const builds = `${target.host}/cli-life-${s}/builds`;
    const release = `${target.host}/cli-life-${s}/app`;
    const byDigest = (image: TestImage) => `${builds}@${image.manifest.digest}`;
    const raw = (ref: string) => skopeoInspectRaw(`docker://${ref}`, { creds });
    const pick = async (ref: string, os: string, arch: string) => ((await skopeoInspect(`docker://${ref}`, { creds, platform: { os, arch } })).Layers as string[])[0];
    try {
      for (const image of Object.values(images)) await pushImage(client, byDigest(image), image);

      // 1. Merge into the release tag and a temporary CI tag; the metadata file names both.
      const metadataFile = join(home, 'metadata.json');
      const created = (await cli('create', '-q', '--metadata-file', metadataFile, '-t', `${release}:1.0`, '-t', `${release}:ci-${s}`, byDigest(images.amd64), byDigest(images.arm64), byDigest(images.s390x))).trim();
      const createdBytes = await raw(`${release}:1.0`);
      expect(`sha256:${createHash('sha256').update(createdBytes).digest('hex')}`).toBe(created);
      expect((await raw(`${release}:ci-${s}`)).equals(createdBytes)).toBe(true);
      expect(JSON.parse(await readFile(metadataFile, 'utf8'))).toMatchObject({ 'containerimage.digest': created, 'image.name': `${release}:1.0,${release}:ci-${s}` });
      expect(await pick(`${release}:1.0`, 'linux', 's390x')).toBe(images.s390x.layers[0]?.digest);

      // 2. Replace arm64 with a rebuilt image: a runtime on arm64 now gets the new one.
      const rebuilt = randomImage({ platform: 'linux/arm64/v8', seed: `cli-life-arm64-rebuilt-${s}` });
      await pushImage(client, byDigest(rebuilt), rebuilt);
      await cli('index', 'replace', '-q', `${release}:1.0`, byDigest(rebuilt));
      expect(await pick(`${release}:1.0`, 'linux', 'arm64')).toBe(rebuilt.layers[0]?.digest);
      expect(await pick(`${release}:1.0`, 'linux', 'amd64')).toBe(images.amd64.layers[0]?.digest);

      // 3. Drop s390x from the release tag: a runtime on s390x finds nothing; the CI tag keeps it.
      const edited = (await cli('index', 'remove', '-q', `${release}:1.0`, '--platform', 'linux/s390x')).trim();
      await expect(pick(`${release}:1.0`, 'linux', 's390x')).rejects.toThrow(SkopeoError);
      expect(await pick(`${release}:1.0`, 'linux', 'amd64')).toBe(images.amd64.layers[0]?.digest);
      expect(await pick(`${release}:ci-${s}`, 'linux', 's390x')).toBe(images.s390x.layers[0]?.digest);

      // 4. Name the release; 5. drop the CI tag. The release tags still hold the edited index.
      expect((await cli('tag', '-q', `${release}@${edited}`, '1.0.0')).trim()).toBe(edited);
      expect(await cli('untag', `${release}:ci-${s}`)).toBe(`Untagged: ${release}:ci-${s}\n`);
      await expect(raw(`${release}:ci-${s}`)).rejects.toThrow(SkopeoError);
      const editedBytes = await raw(`${release}:1.0`);
      expect(`sha256:${createHash('sha256').update(editedBytes).digest('hex')}`).toBe(edited);
      expect((await raw(`${release}:1.0.0`)).equals(editedBytes)).toBe(true);
      expect((await cli('ls', release)).split('\n').filter(Boolean).sort()).toEqual(['1.0', '1.0.0']);
      expect((await cli('digest', `${release}:1.0.0`, '--platform', 'linux/arm64')).trim()).toBe(rebuilt.manifest.digest);
    } finally {
      await client.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
