import { describe, expect, it } from 'vitest';
import { formatDryRun, formatInspect, formatPlan, formatPush, pushJson } from '../../src/cli/format.js';
import { inspectJson } from '../../src/cli/inspect-detail.js';
import { formatManifestTool } from '../../src/cli/manifest-tool-text.js';
import type { InspectResult, PushManifestListResult } from '../../src/index.js';

const d = (c: string) => `sha256:${c.repeat(64)}` as const;

const list: InspectResult = {
  reference: 'docker.io/library/golang:1.22',
  digest: d('a'),
  mediaType: 'application/vnd.oci.image.index.v1+json',
  isList: true,
  entries: [
    { platform: 'linux/amd64', digest: d('b'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100, attestation: false },
    {
      platform: 'unknown/unknown',
      digest: d('c'),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 50,
      attestation: true,
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': d('b') },
    },
    { platform: 'linux/arm64/v8', digest: d('d'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100, attestation: false },
    { platform: 'windows/amd64:10.0.17763.1234', digest: d('e'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100, attestation: false },
  ],
  bytes: Buffer.from('{"schemaVersion":2}'),
};

const single: InspectResult = {
  reference: '127.0.0.1:5000/app:amd64',
  digest: d('f'),
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  isList: false,
  entries: [],
  platform: 'linux/amd64',
  bytes: Buffer.from('{"schemaVersion":2,"x":1}'),
};

function pushResult(overrides: Partial<PushManifestListResult> = {}): PushManifestListResult {
  return {
    digest: d('1'),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    size: 433,
    bytes: Buffer.from('{}'),
    index: { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] },
    tags: ['1.0', 'latest'],
    plan: [
      { image: 'reg.example/app:amd64', digest: d('2'), mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: { os: 'linux', architecture: 'amd64' }, action: 'present', blobs: [] },
      {
        image: 'reg.example/other:arm64',
        digest: d('3'),
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        action: 'mount',
        blobs: [
          { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('4'), size: 12 },
          { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('5'), size: 345 },
        ],
      },
    ],
    skipped: [],
    dryRun: false,
    ...overrides,
  };
}

describe('formatInspect', () => {
  it("prints a list in mquery's shape, leaving attestation manifests out", () => {
    const { text, hiddenAttestations } = formatInspect(list, 'golang:1.22');
    expect(text).toBe(
      [
        'Image: golang:1.22',
        ' * Manifest List: Yes',
        ' * Supported platforms:',
        '   - linux/amd64',
        '   - linux/arm64/v8',
        '   - windows/amd64:10.0.17763.1234',
        '',
      ].join('\n'),
    );
    expect(hiddenAttestations).toBe(1);
  });

  it('prints a single image with its platform', () => {
    const { text, hiddenAttestations } = formatInspect(single, '127.0.0.1:5000/app:amd64');
    expect(text).toBe('Image: 127.0.0.1:5000/app:amd64\n * Manifest List: No\n * Supports: linux/amd64\n');
    expect(hiddenAttestations).toBe(0);
  });

  it('says unknown when a single image has no platform', () => {
    const { platform: _omitted, ...withoutPlatform } = single;
    expect(formatInspect(withoutPlatform, 'x').text).toContain(' * Supports: unknown\n');
  });
});

describe('inspectJson', () => {
  const platforms = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'unknown', os: 'unknown' },
    { architecture: 'arm64', os: 'linux', variant: 'v8', features: ['sve'] },
    { architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.1234', 'os.features': ['win32k'] },
  ];

  it('gives every entry, attestations included, its OCI platform object and short string; the bytes become their size', () => {
    const json = inspectJson(list, { platforms });
    expect(json).toMatchObject({ reference: list.reference, digest: list.digest, mediaType: list.mediaType, size: list.bytes.length, isList: true });
    expect(json.manifests).toEqual([
      { digest: d('b'), mediaType: list.entries[0]!.mediaType, size: 100, attestation: false, platform: { architecture: 'amd64', os: 'linux' }, platformString: 'linux/amd64' },
      {
        digest: d('c'),
        mediaType: list.entries[1]!.mediaType,
        size: 50,
        attestation: true,
        annotations: list.entries[1]!.annotations,
        platform: { architecture: 'unknown', os: 'unknown' },
        platformString: 'unknown/unknown',
      },
      { digest: d('d'), mediaType: list.entries[2]!.mediaType, size: 100, attestation: false, platform: platforms[2], platformString: 'linux/arm64/v8' },
      { digest: d('e'), mediaType: list.entries[3]!.mediaType, size: 100, attestation: false, platform: platforms[3], platformString: 'windows/amd64:10.0.17763.1234' },
    ]);
    expect(Object.keys((json.manifests as Array<{ platform: object }>)[3]!.platform)).toEqual(['architecture', 'os', 'os.version', 'os.features']);
    expect(JSON.stringify(json)).not.toContain('schemaVersion');
  });

  it('gives a single image the same shape: one entry, itself', () => {
    expect(inspectJson(single, { platforms: [{ architecture: 'amd64', os: 'linux' }] })).toEqual({
      reference: single.reference,
      digest: single.digest,
      mediaType: single.mediaType,
      size: 25,
      isList: false,
      manifests: [{ digest: single.digest, mediaType: single.mediaType, size: 25, attestation: false, platform: { architecture: 'amd64', os: 'linux' }, platformString: 'linux/amd64' }],
    });
  });

  it('shows an entry without a platform as null', () => {
    const json = inspectJson({ ...list, entries: [list.entries[0]!] }, { platforms: [null] });
    expect((json.manifests as Array<{ platform: unknown }>)[0]!.platform).toBeNull();
  });
});

describe('formatManifestTool', () => {
  const layer = (c: string) => ({ digest: d(c), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });

  it("prints a list as manifest-tool inspect does: numbered entries, platforms, layers; attestations point at their image", () => {
    const two = { ...list, entries: [list.entries[0]!, list.entries[1]!] };
    const text = formatManifestTool(two, 'golang:1.22', { platforms: [{ architecture: 'amd64', os: 'linux' }, null], layers: [[layer('7')], undefined] });
    expect(text.split('\n')).toEqual([
      `Name:   golang:1.22 (Type: ${list.mediaType})`,
      `Digest: ${d('a')}`,
      ' * Contains 2 manifest references (1 image, 1 attestation):',
      `[1]     Type: ${list.entries[0]!.mediaType}`,
      `[1]   Digest: ${d('b')}`,
      '[1]   Length: 100',
      '[1] Platform:',
      '[1]    -      OS: linux',
      '[1]    -    Arch: amd64',
      '[1] # Layers: 1',
      `     layer 01: digest = ${d('7')}`,
      '                 type = application/vnd.oci.image.layer.v1.tar+gzip',
      '',
      `[2]     Type: ${list.entries[1]!.mediaType} (vnd.docker.reference.type=attestation-manifest)`,
      `[2]   Digest: ${d('c')}`,
      '[2]   Length: 50',
      `[2]       >>> Attestation for digest: ${d('b')}`,
      '',
      '',
    ]);
  });

  it('prints the optional platform fields manifest-tool prints, in its order', () => {
    const windows = { ...list, entries: [list.entries[3]!] };
    const text = formatManifestTool(windows, 'x:1', { platforms: [{ architecture: 'arm', os: 'windows', variant: 'v7', 'os.version': '10.0.1', 'os.features': ['a', 'b'] }], layers: [[]] });
    expect(text).toContain('[1]    -      OS: windows\n[1]    - OS Vers: 10.0.1\n[1]    - OS Feat: [a b]\n[1]    -    Arch: arm\n[1]    - Variant: v7\n[1] # Layers: 0\n');
  });

  it('prints a single image with its config platform and layers', () => {
    const text = formatManifestTool(single, 'app:amd64', { platforms: [{ architecture: 'amd64', os: 'linux' }], layers: [[layer('7'), layer('8')]] });
    expect(text.split('\n')).toEqual([
      `Name: app:amd64 (Type: ${single.mediaType})`,
      `      Digest: ${single.digest}`,
      '        Size: 25',
      '          OS: linux',
      '        Arch: amd64',
      '    # Layers: 2',
      `      layer 01: digest = ${d('7')}`,
      `      layer 02: digest = ${d('8')}`,
      '',
    ]);
  });
});

describe('push output', () => {
  it('prints the digest and size like manifest-tool, then each tag', () => {
    const text = formatPush(pushResult(), (tag) => `reg.example/app:${tag}`);
    expect(text).toBe(`Digest: ${d('1')} 433\nTagged: reg.example/app:1.0\nTagged: reg.example/app:latest\n`);
  });

  it('has the JSON shape {digest, mediaType, size, tags}', () => {
    expect(pushJson(pushResult(), { ignoreMissing: false })).toEqual({ digest: d('1'), mediaType: 'application/vnd.oci.image.index.v1+json', size: 433, tags: ['1.0', 'latest'] });
    expect(pushJson(pushResult({ skipped: ['reg.example/app:gone'] }), { ignoreMissing: true })).toMatchObject({ skipped: ['reg.example/app:gone'] });
  });

  it('adds the plan and the index to JSON of a dry run', () => {
    const json = pushJson(pushResult({ dryRun: true }), { ignoreMissing: false });
    expect(json).toMatchObject({ dryRun: true, index: { schemaVersion: 2 } });
    expect((json.plan as unknown[]).length).toBe(2);
  });

  it('describes the plan child by child, with the blobs to bring', () => {
    expect(formatPlan(pushResult().plan)).toBe(
      [
        `  reg.example/app:amd64 (linux/amd64) ${d('2')}: already in the target repository`,
        `  reg.example/other:arm64 (linux/arm64/v8) ${d('3')}: mount 2 blobs`,
        `      ${d('4')} 12 bytes`,
        `      ${d('5')} 345 bytes`,
        '',
      ].join('\n'),
    );
  });

  it('prints a dry run as plan, index and the digest it would have', () => {
    const text = formatDryRun(pushResult({ dryRun: true, skipped: ['reg.example/app:gone'] }), (tag) => `r/a:${tag}`);
    expect(text.startsWith('Dry run: nothing was written.\nPlan:\n  reg.example/app:amd64')).toBe(true);
    expect(text).toContain('Skipped (missing): reg.example/app:gone\n');
    expect(text).toContain('Index (application/vnd.oci.image.index.v1+json):\n{\n  "schemaVersion": 2,');
    expect(text.endsWith(`Digest: ${d('1')} 433\nWould tag: r/a:1.0\nWould tag: r/a:latest\n`)).toBe(true);
  });
});

describe('registry values in text output', () => {
  const hostile = 'amd64\r\nTagged: evil.example/app:latest\u001b[2J';
  const shown = 'amd64\\r\\nTagged: evil.example/app:latest\\u001b[2J';

  it('escapes a platform of a list entry and of a single image, so it adds no line', () => {
    const entry = { ...list.entries[0]!, platform: `linux/${hostile}` };
    expect(formatInspect({ ...list, entries: [entry] }, 'x').text.split('\n')).toEqual(['Image: x', ' * Manifest List: Yes', ' * Supported platforms:', `   - linux/${shown}`, '']);
    expect(formatInspect({ ...single, platform: `linux/${hostile}` }, 'x').text).toBe(`Image: x\n * Manifest List: No\n * Supports: linux/${shown}\n`);
  });

  it('escapes the platform, digests and references of the plan, the media type of a dry run and the tags written', () => {
    const child = { ...pushResult().plan[1]!, image: 'r/a:1\u202e', platform: { os: 'linux', architecture: hostile }, digest: `sha256:\u0085` as `sha256:${string}` };
    const result = pushResult({ dryRun: true, plan: [child], mediaType: 'application/x\u0007' as PushManifestListResult['mediaType'] });
    const text = formatDryRun(result, (tag) => `r/a:${tag}\u001b`);
    expect(text).toContain(`  r/a:1\\u202e (linux/${shown}) sha256:\\u0085: mount 2 blobs\n`);
    expect(text).toContain('Index (application/x\\u0007):\n');
    expect(text).toContain('Would tag: r/a:1.0\\u001b\n');
  });
});
