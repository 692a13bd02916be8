import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  assertPlatform,
  formatPlatform,
  isAttestationPlatform,
  mergePlatform,
  normalizePlatform,
  parsePlatform,
  platformFromConfig,
  platformKey,
  platformsEqual,
} from '../../src/oci/platform.js';
import type { ImageConfig, Platform } from '../../src/oci/schemas.js';

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', { architecture: 'amd64', os: 'linux' }],
    ['linux/arm64/v8', { architecture: 'arm64', os: 'linux', variant: 'v8' }],
    ['linux/arm/v7', { architecture: 'arm', os: 'linux', variant: 'v7' }],
    ['windows/amd64:10.0.17763.1234', { architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.1234' }],
    ['windows/arm64/v8:10.0.26100.1', { architecture: 'arm64', os: 'windows', 'os.version': '10.0.26100.1', variant: 'v8' }],
  ])('parses %s', (input, expected) => {
    expect(parsePlatform(input)).toStrictEqual(expected);
  });

  it('returns fields as written, without normalising', () => {
    expect(parsePlatform('Linux/AARCH64')).toStrictEqual({ architecture: 'AARCH64', os: 'Linux' });
  });

  it.each([
    ['', 'empty platform'],
    ['linux', 'expected os/architecture'],
    ['linux/', 'empty architecture'],
    ['/amd64', 'empty os'],
    ['linux/arm//', 'too many'],
    ['linux/arm/v7/extra', 'too many'],
    ['linux/arm/', 'empty variant'],
    [' linux/amd64', 'whitespace'],
    ['linux/amd64 ', 'whitespace'],
    ['linux/ amd64', 'whitespace'],
    ['windows/amd64:', 'empty os.version'],
    ['windows/amd64:10.0:1', 'invalid os.version'],
    ['linux/am$d64', 'invalid characters in architecture'],
  ])('rejects %j (%s)', (input, reason) => {
    let error: unknown;
    try {
      parsePlatform(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(JSON.stringify(input));
    expect((error as Error).message).toContain(reason);
  });

  it('rejects a non-string', () => {
    expect(() => parsePlatform(undefined as unknown as string)).toThrow(ValidationError);
  });

  it('round-trips with formatPlatform', () => {
    const part = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,9}$/);
    fc.assert(
      fc.property(part, part, fc.option(part, { nil: undefined }), fc.option(part, { nil: undefined }), (os, arch, variant, osVersion) => {
        const text = `${os}/${arch}${variant ? `/${variant}` : ''}${osVersion ? `:${osVersion}` : ''}`;
        expect(formatPlatform(parsePlatform(text))).toBe(text);
      }),
    );
  });
});

describe('formatPlatform', () => {
  it('writes os/arch, the variant and os.version after a colon', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(formatPlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' })).toBe(
      'windows/amd64:10.0.17763.1234',
    );
  });

  it('leaves features out', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'amd64', features: ['sse4'], 'os.features': ['x'] })).toBe('linux/amd64');
  });
});

describe('normalizePlatform', () => {
  it.each([
    [{ os: 'linux', architecture: 'x86_64' }, { architecture: 'amd64', os: 'linux' }],
    [{ os: 'linux', architecture: 'x86-64' }, { architecture: 'amd64', os: 'linux' }],
    [{ os: 'Linux', architecture: 'AMD64' }, { architecture: 'amd64', os: 'linux' }],
    [{ os: 'linux', architecture: 'amd64', variant: 'v1' }, { architecture: 'amd64', os: 'linux' }],
    [{ os: 'linux', architecture: 'amd64', variant: 'V3' }, { architecture: 'amd64', os: 'linux', variant: 'v3' }],
    [{ os: 'linux', architecture: 'aarch64' }, { architecture: 'arm64', os: 'linux', variant: 'v8' }],
    [{ os: 'linux', architecture: 'arm64' }, { architecture: 'arm64', os: 'linux', variant: 'v8' }],
    [{ os: 'linux', architecture: 'arm64', variant: '8' }, { architecture: 'arm64', os: 'linux', variant: 'v8' }],
    [{ os: 'linux', architecture: 'arm64', variant: 'v9' }, { architecture: 'arm64', os: 'linux', variant: 'v9' }],
    [{ os: 'linux', architecture: 'arm' }, { architecture: 'arm', os: 'linux', variant: 'v7' }],
    [{ os: 'linux', architecture: 'arm', variant: '6' }, { architecture: 'arm', os: 'linux', variant: 'v6' }],
    [{ os: 'linux', architecture: 'arm', variant: 'V5' }, { architecture: 'arm', os: 'linux', variant: 'v5' }],
    [{ os: 'linux', architecture: 'armhf' }, { architecture: 'arm', os: 'linux', variant: 'v7' }],
    [{ os: 'linux', architecture: 'armel' }, { architecture: 'arm', os: 'linux', variant: 'v6' }],
    [{ os: 'linux', architecture: 'i386' }, { architecture: '386', os: 'linux' }],
    [{ os: 'macos', architecture: 'arm64' }, { architecture: 'arm64', os: 'darwin', variant: 'v8' }],
    [{ os: 'MacOS', architecture: 'amd64' }, { architecture: 'amd64', os: 'darwin' }],
    [{ os: 'linux', architecture: 'ppc64le' }, { architecture: 'ppc64le', os: 'linux' }],
    [{ os: 'linux', architecture: 'amd64', variant: '' }, { architecture: 'amd64', os: 'linux' }],
  ] as Array<[Platform, Platform]>)('%j → %j', (input, expected) => {
    expect(normalizePlatform(input)).toStrictEqual(expected);
  });

  it('keeps os.version, os.features and features, with keys in the fixed order', () => {
    const input: Platform = {
      features: ['sse4'],
      variant: 'V2',
      'os.features': ['win32k'],
      'os.version': '10.0.17763.1234',
      os: 'Windows',
      architecture: 'X86_64',
    };
    const out = normalizePlatform(input);
    expect(out).toStrictEqual({
      architecture: 'amd64',
      os: 'windows',
      'os.version': '10.0.17763.1234',
      'os.features': ['win32k'],
      variant: 'v2',
      features: ['sse4'],
    });
    expect(Object.keys(out)).toEqual(['architecture', 'os', 'os.version', 'os.features', 'variant', 'features']);
  });

  it('returns a new object and does not modify its input', () => {
    const input: Platform = { os: 'linux', architecture: 'aarch64', features: ['a'] };
    const copy = structuredClone(input);
    const out = normalizePlatform(input);
    expect(input).toStrictEqual(copy);
    expect(out.features).not.toBe(input.features);
  });

  it('omits empty feature lists', () => {
    expect(normalizePlatform({ os: 'linux', architecture: 'amd64', features: [], 'os.features': [] })).toStrictEqual({
      architecture: 'amd64',
      os: 'linux',
    });
  });

  it('is idempotent', () => {
    const arch = fc.constantFrom('amd64', 'x86_64', 'aarch64', 'arm64', 'arm', 'armhf', 'armel', 'i386', 'riscv64', 'AMD64');
    const variant = fc.option(fc.constantFrom('v1', 'v2', 'v6', 'V7', '8', 'v8'), { nil: undefined });
    fc.assert(
      fc.property(fc.constantFrom('linux', 'Linux', 'macos', 'windows'), arch, variant, (os, architecture, v) => {
        const once = normalizePlatform({ os, architecture, variant: v });
        expect(normalizePlatform(once)).toStrictEqual(once);
      }),
    );
  });

  it.each([
    [{ os: '', architecture: 'amd64' }, 'platform.os'],
    [{ os: 'linux' }, 'platform.architecture'],
    [{ os: 'linux', architecture: 'amd/64' }, 'platform.architecture'],
    [{ os: 'linux', architecture: 'amd64', variant: 'v 2' }, 'platform.variant'],
    [{ os: 'linux', architecture: 'amd64', features: 'sse4' }, 'platform.features'],
    [{ os: 'windows', architecture: 'amd64', 'os.version': 10 }, 'platform.os.version'],
  ])('rejects %j naming the field', (input, field) => {
    expect(() => normalizePlatform(input as unknown as Platform)).toThrow(ValidationError);
    expect(() => normalizePlatform(input as unknown as Platform)).toThrow(field);
  });

  it('names the caller-given subject in errors', () => {
    expect(() => normalizePlatform({ os: 'linux' } as Platform, 'child sha256:abc')).toThrow(/^child sha256:abc: platform\.architecture/);
  });
});

describe('assertPlatform', () => {
  it('accepts a platform and rejects non-objects', () => {
    expect(() => assertPlatform({ os: 'linux', architecture: 'amd64' })).not.toThrow();
    expect(() => assertPlatform('linux/amd64', 'spec')).toThrow(/spec: platform must be an object/);
    expect(() => assertPlatform(null)).toThrow(ValidationError);
  });
});

describe('platformsEqual and platformKey', () => {
  const equalPairs: Array<[Platform, Platform]> = [
    [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    [{ os: 'linux', architecture: 'aarch64' }, { os: 'Linux', architecture: 'ARM64', variant: '8' }],
    [{ os: 'linux', architecture: 'x86_64' }, { os: 'linux', architecture: 'amd64', variant: 'v1' }],
    [{ os: 'linux', architecture: 'armhf' }, { os: 'linux', architecture: 'arm' }],
    [
      { os: 'linux', architecture: 'amd64', features: ['b', 'a'], 'os.features': ['x'] },
      { os: 'linux', architecture: 'amd64', features: ['a', 'b', 'a'], 'os.features': ['x'] },
    ],
    [{ os: 'linux', architecture: 'amd64', features: [] }, { os: 'linux', architecture: 'amd64' }],
  ];
  const differentPairs: Array<[Platform, Platform]> = [
    [{ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }],
    [{ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }],
    [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v9' }],
    [{ os: 'linux', architecture: 'armel' }, { os: 'linux', architecture: 'armhf' }],
    [{ os: 'linux', architecture: 'amd64', variant: 'v2' }, { os: 'linux', architecture: 'amd64' }],
    [
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' },
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.1' },
    ],
    [{ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' }, { os: 'windows', architecture: 'amd64' }],
    [{ os: 'linux', architecture: 'amd64', features: ['a'] }, { os: 'linux', architecture: 'amd64', features: ['b'] }],
    [{ os: 'linux', architecture: 'amd64', features: ['a'] }, { os: 'linux', architecture: 'amd64', 'os.features': ['a'] }],
    [{ os: 'linux', architecture: 'amd64', features: ['a'] }, { os: 'linux', architecture: 'amd64' }],
  ];

  it.each(equalPairs)('%j equals %j', (a, b) => {
    expect(platformsEqual(a, b)).toBe(true);
    expect(platformsEqual(b, a)).toBe(true);
    expect(platformKey(a)).toBe(platformKey(b));
  });

  it.each(differentPairs)('%j differs from %j', (a, b) => {
    expect(platformsEqual(a, b)).toBe(false);
    expect(platformKey(a)).not.toBe(platformKey(b));
  });

  it('gives readable keys', () => {
    expect(platformKey({ os: 'linux', architecture: 'aarch64' })).toBe('linux/arm64/v8');
    expect(platformKey({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' })).toBe('windows/amd64:10.0.17763.1234');
    expect(platformKey({ os: 'linux', architecture: 'amd64', features: ['b', 'a'] })).toBe('linux/amd64 features=["a","b"]');
  });

  it('agrees with platformsEqual on random platforms', () => {
    const platform = fc.record(
      {
        os: fc.constantFrom('linux', 'windows', 'macos', 'darwin'),
        architecture: fc.constantFrom('amd64', 'x86_64', 'arm64', 'aarch64', 'arm', 'armhf', 'armel'),
        variant: fc.constantFrom('v1', 'v6', 'v7', 'v8', '7'),
        'os.version': fc.constantFrom('10.0.1', '10.0.2'),
        features: fc.array(fc.constantFrom('a', 'b'), { maxLength: 3 }),
      },
      { requiredKeys: ['os', 'architecture'] },
    );
    fc.assert(
      fc.property(platform, platform, (a, b) => {
        expect(platformKey(a) === platformKey(b)).toBe(platformsEqual(a, b));
      }),
    );
  });
});

describe('platformFromConfig', () => {
  it('reads os, architecture, variant, os.version and os.features, normalised', () => {
    const config = {
      architecture: 'aarch64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    } as ImageConfig;
    expect(platformFromConfig(config)).toStrictEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });

    const windows: ImageConfig = {
      architecture: 'amd64',
      os: 'windows',
      'os.version': '10.0.17763.1234',
      'os.features': ['win32k'],
    };
    expect(platformFromConfig(windows)).toStrictEqual({
      architecture: 'amd64',
      os: 'windows',
      'os.version': '10.0.17763.1234',
      'os.features': ['win32k'],
    });
    expect(platformFromConfig({ architecture: 'arm', os: 'linux', variant: 'v6' })).toStrictEqual({
      architecture: 'arm',
      os: 'linux',
      variant: 'v6',
    });
  });

  it('rejects a config without os or architecture', () => {
    expect(() => platformFromConfig({ os: 'linux' } as ImageConfig)).toThrow(ValidationError);
    expect(() => platformFromConfig({ architecture: 'amd64', os: '' })).toThrow(/image config/);
  });
});

describe('mergePlatform', () => {
  const arm64Config: Platform = { architecture: 'arm64', os: 'linux', variant: 'v8' };

  it('fills what the spec leaves out from the config', () => {
    expect(mergePlatform(undefined, arm64Config, 'registry/app:arm64')).toStrictEqual(arm64Config);
    expect(mergePlatform({ os: 'linux' }, arm64Config, 'registry/app:arm64')).toStrictEqual(arm64Config);
    expect(
      mergePlatform({ features: ['f'] }, { architecture: 'amd64', os: 'windows', 'os.version': '10.0.1', 'os.features': ['win32k'] }, 'w'),
    ).toStrictEqual({ architecture: 'amd64', os: 'windows', 'os.version': '10.0.1', 'os.features': ['win32k'], features: ['f'] });
  });

  it('treats arm64 without a variant in the spec as agreeing with a v8 config', () => {
    expect(mergePlatform({ os: 'linux', architecture: 'arm64' }, arm64Config, 'x')).toStrictEqual(arm64Config);
    expect(mergePlatform({ os: 'linux', architecture: 'aarch64' }, { architecture: 'arm64', os: 'linux' }, 'x')).toStrictEqual(arm64Config);
  });

  it('takes the variant from the config when the spec gives only the architecture', () => {
    expect(mergePlatform({ architecture: 'arm' }, { architecture: 'arm', os: 'linux', variant: 'v6' }, 'x')).toStrictEqual({
      architecture: 'arm',
      os: 'linux',
      variant: 'v6',
    });
  });

  it('lets the spec add what the config does not say', () => {
    expect(
      mergePlatform({ variant: 'v2', 'os.features': ['x'] }, { architecture: 'amd64', os: 'linux' }, 'x'),
    ).toStrictEqual({ architecture: 'amd64', os: 'linux', 'os.features': ['x'], variant: 'v2' });
  });

  it('uses the spec alone when there is no config', () => {
    expect(mergePlatform({ os: 'Linux', architecture: 'x86_64' }, undefined, 'x')).toStrictEqual({ architecture: 'amd64', os: 'linux' });
    expect(mergePlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' }, undefined, 'x')).toStrictEqual({
      architecture: 'amd64',
      os: 'windows',
      'os.version': '10.0.17763.1234',
    });
  });

  it.each([
    [{ os: 'windows' }, arm64Config, 'os', '"windows"', '"linux"'],
    [{ architecture: 'amd64' }, arm64Config, 'architecture', '"amd64"', '"arm64"'],
    [{ architecture: 'arm64', variant: 'v9' }, arm64Config, 'variant', '"v9"', '"v8"'],
    [{ architecture: 'armel' }, { architecture: 'arm', os: 'linux', variant: 'v7' }, 'variant', '"v6"', '"v7"'],
    [{ variant: 'v6' }, { architecture: 'arm', os: 'linux' }, 'variant', '"v6"', '"v7"'],
    [
      { 'os.version': '10.0.17763.1' },
      { architecture: 'amd64', os: 'windows', 'os.version': '10.0.20348.1' },
      'os.version',
      '"10.0.17763.1"',
      '"10.0.20348.1"',
    ],
  ] as Array<[Partial<Platform>, Platform, string, string, string]>)(
    'rejects a spec %j contradicting config %j',
    (spec, config, field, specValue, configValue) => {
      let error: unknown;
      try {
        mergePlatform(spec, config, 'registry.example/app:1.0-child');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      const message = (error as Error).message;
      expect(message).toContain('registry.example/app:1.0-child');
      expect(message).toContain(`platform ${field}`);
      expect(message).toContain(specValue);
      expect(message).toContain(configValue);
    },
  );

  it('does not report a contradiction for spellings that normalise to the same value', () => {
    expect(mergePlatform({ os: 'MacOS', architecture: 'AArch64', variant: '8' }, { architecture: 'arm64', os: 'darwin' }, 'x')).toStrictEqual({
      architecture: 'arm64',
      os: 'darwin',
      variant: 'v8',
    });
  });

  it('throws when neither side gives os and architecture', () => {
    expect(() => mergePlatform(undefined, undefined, 'reg/app:x')).toThrow(/^reg\/app:x: no platform known/);
    expect(() => mergePlatform({ os: 'linux' }, undefined, 'reg/app:x')).toThrow(ValidationError);
    expect(() => mergePlatform({ architecture: 'amd64' }, undefined, 'reg/app:x')).toThrow(ValidationError);
  });

  it('rejects malformed spec fields naming the child', () => {
    expect(() => mergePlatform({ architecture: 'amd 64' }, undefined, 'reg/app:x')).toThrow(/reg\/app:x: platform\.architecture/);
  });
});

describe('isAttestationPlatform', () => {
  it('is true only for unknown/unknown', () => {
    expect(isAttestationPlatform({ os: 'unknown', architecture: 'unknown' })).toBe(true);
    expect(isAttestationPlatform({ os: 'linux', architecture: 'unknown' })).toBe(false);
    expect(isAttestationPlatform({ os: 'unknown', architecture: 'amd64' })).toBe(false);
    expect(isAttestationPlatform(undefined)).toBe(false);
  });
});
