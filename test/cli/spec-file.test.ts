import { describe, expect, it } from 'vitest';
import { SpecFileError } from '../../src/cli/errors.js';
import { parseSpecFile } from '../../src/cli/spec-file.js';
import { parseReference, validateTag } from '../../src/oci/index.js';

function problemsOf(text: string, checks = {}): string[] {
  try {
    parseSpecFile(text, 'spec.yml', checks);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecFileError);
    return (error as SpecFileError).message.split('\n');
  }
  throw new Error('expected the spec to be rejected');
}

describe('parseSpecFile', () => {
  it('reads the blog post spec (manifest-tool format)', () => {
    const text = [
      'image: magnuslarsson/quotes:24-go',
      'manifests:',
      '  -',
      '    image: magnuslarsson/quotes:24-go-linux-amd64',
      '    platform:',
      '      architecture: amd64',
      '      os: linux',
      '  -',
      '    image: magnuslarsson/quotes:24-go-windows-amd64',
      '    platform:',
      '      architecture: amd64',
      '      os: windows',
      '',
    ].join('\n');
    expect(parseSpecFile(text, 'manifest-quotes-multi-platform.yml')).toEqual({
      image: 'magnuslarsson/quotes:24-go',
      manifests: [
        { image: 'magnuslarsson/quotes:24-go-linux-amd64', platform: { architecture: 'amd64', os: 'linux' } },
        { image: 'magnuslarsson/quotes:24-go-windows-amd64', platform: { architecture: 'amd64', os: 'windows' } },
      ],
    });
  });

  it('maps osversion and osfeatures to os.version and os.features, and keeps every other field', () => {
    const text = `
image: reg.example/app:1.0
tags: ["1", latest]
annotations:
  org.opencontainers.image.source: https://example.com/app
manifests:
  - image: reg.example/app:1.0-windows
    platform:
      architecture: amd64
      os: windows
      osversion: 10.0.17763.1234
      osfeatures: [win32k]
      features: [sse4]
    annotations:
      com.example.note: server core
  - image: reg.example/app:1.0-arm
    platform: { architecture: arm, os: linux, variant: v7 }
  - image: reg.example/app:1.0-detect
`;
    expect(parseSpecFile(text, 'spec.yml')).toEqual({
      image: 'reg.example/app:1.0',
      tags: ['1', 'latest'],
      annotations: { 'org.opencontainers.image.source': 'https://example.com/app' },
      manifests: [
        {
          image: 'reg.example/app:1.0-windows',
          platform: { architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.1234', 'os.features': ['win32k'], features: ['sse4'] },
          annotations: { 'com.example.note': 'server core' },
        },
        { image: 'reg.example/app:1.0-arm', platform: { architecture: 'arm', os: 'linux', variant: 'v7' } },
        { image: 'reg.example/app:1.0-detect' },
      ],
    });
  });

  it('accepts the OCI spellings os.version and os.features too', () => {
    const spec = parseSpecFile('image: a:1\nmanifests:\n  - image: b:1\n    platform: {os: windows, architecture: amd64, os.version: "10.0.1", os.features: [x]}\n', 'f');
    expect(spec.manifests[0]?.platform).toEqual({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.1', 'os.features': ['x'] });
  });

  it('reads numbers and booleans as the text written, as manifest-tool does (tags: [1.0] is "1.0")', () => {
    const spec = parseSpecFile('image: a:1\ntags: [1.0, 2, true]\nmanifests:\n  - image: b:1\n    platform: {os: windows, architecture: amd64, osversion: 10.0}\n', 'f');
    expect(spec.tags).toEqual(['1.0', '2', 'true']);
    expect(spec.manifests[0]?.platform?.['os.version']).toBe('10.0');
  });

  it('follows YAML anchors and aliases', () => {
    const spec = parseSpecFile('image: a:1\nmanifests:\n  - image: b:1\n    platform: &p {os: linux, architecture: amd64}\n  - image: c:1\n    platform: *p\n', 'f');
    expect(spec.manifests[1]?.platform).toEqual({ os: 'linux', architecture: 'amd64' });
  });

  it('treats an empty platform as none', () => {
    expect(parseSpecFile('image: a:1\nmanifests:\n  - image: b:1\n    platform:\n', 'f').manifests[0]).toEqual({ image: 'b:1' });
  });

  it('reports a YAML syntax error as FILE:LINE:COLUMN: message', () => {
    const [problem] = problemsOf('image: a:1\nmanifests:\n  - image: "unterminated\n');
    // yaml reports an unterminated string where the input ends
    expect(problem).toBe('spec.yml:4:1: Missing closing "quote');
  });

  it('reports a duplicate key at the second occurrence', () => {
    expect(problemsOf('image: a:1\nimage: b:1\nmanifests: [{image: c:1}]\n')).toEqual(['spec.yml:2:1: Map keys must be unique']);
  });

  it('names an unknown field, where it is and the field probably meant', () => {
    const text = 'image: a:1\nmanifests:\n  - image: b:1\n  - image: c:1\n    platfrom:\n      os: linux\n';
    expect(problemsOf(text)).toEqual(['spec.yml:5:5: manifests[1].platfrom: unknown field (did you mean platform?)']);
  });

  it('lists the known fields when nothing is close', () => {
    expect(problemsOf('image: a:1\nmanifests: [{image: b:1}]\nsomething: 1\n')).toEqual([
      'spec.yml:3:1: something: unknown field (known fields: image, tags, manifests, annotations)',
    ]);
    expect(problemsOf('image: a:1\nmanifests: [{image: b:1, platform: {arch: amd64}}]\n')[0]).toContain(
      'manifests[0].platform.arch: unknown field (known fields: architecture, os, variant, features, osversion, osfeatures, os.version, os.features)',
    );
  });

  it('reports every problem of a file at once, with the path of each wrong value', () => {
    const text = ['image: a:1', 'tags: latest', 'manifests:', '  - image:', '    platform: [linux]', '  - 7', '  - image: c:1', '    platform: {os: linux, architecture: amd64, features: sse4}', ''].join(
      '\n',
    );
    expect(problemsOf(text)).toEqual([
      'spec.yml:2:7: tags: expected a list of strings, got a string',
      'spec.yml:4:11: manifests[0].image: expected a string, got an empty value',
      'spec.yml:5:15: manifests[0].platform: expected a mapping (architecture, os, variant, …), got a list',
      'spec.yml:6:5: manifests[1]: expected a mapping with image and platform, got number 7',
      'spec.yml:8:58: manifests[2].platform.features: expected a list of strings, got a string',
    ]);
  });

  it('requires image and a non-empty manifests list', () => {
    expect(problemsOf('tags: [a]\n')).toEqual([
      'spec.yml:1:1: missing required field "image"',
      'spec.yml:1:1: missing required field "manifests"',
    ]);
    expect(problemsOf('image: a:1\nmanifests: []\n')).toEqual(['spec.yml:2:12: manifests: must list at least one image']);
    expect(problemsOf('image: a:1\nmanifests:\n  - platform: {os: linux}\n')).toEqual(['spec.yml:3:5: manifests[0]: missing required field "image"']);
    expect(problemsOf('image: ""\nmanifests: [{image: b}]\n')).toEqual(['spec.yml:1:8: image: must not be empty']);
  });

  it('rejects annotations that are not a mapping of strings', () => {
    expect(problemsOf('image: a:1\nannotations: [x]\nmanifests: [{image: b:1}]\n')).toEqual([
      'spec.yml:2:14: annotations: expected a mapping of strings to strings, got a list',
    ]);
    expect(problemsOf('image: a:1\nmanifests:\n  - image: b:1\n    annotations:\n      k: {nested: 1}\n')).toEqual([
      'spec.yml:5:10: manifests[0].annotations["k"]: expected a string, got a mapping',
    ]);
  });

  it('rejects a spelling given twice (osversion and os.version)', () => {
    expect(problemsOf('image: a:1\nmanifests:\n  - image: b:1\n    platform: {osversion: "1", os.version: "2"}\n')).toEqual([
      'spec.yml:4:32: manifests[0].platform.os.version: gives os.version again (already given as osversion)',
    ]);
  });

  it('rejects an empty file, a document that is not a mapping, and several documents', () => {
    expect(problemsOf('')).toEqual(['spec.yml:1:1: the file is empty; expected image and manifests']);
    expect(problemsOf('# only a comment\n')).toEqual(['spec.yml:1:1: the file is empty; expected image and manifests']);
    expect(problemsOf('just text\n')).toEqual(['spec.yml:1:1: expected a mapping with image and manifests at the top, got a string']);
    expect(problemsOf('- image: a\n')).toEqual(['spec.yml:1:1: expected a mapping with image and manifests at the top, got a list']);
    expect(problemsOf('image: a:1\nmanifests: [{image: b:1}]\n---\nimage: c:1\n')).toEqual(['spec.yml:4:1: expected one YAML document, found several']);
  });

  it('runs the given reference and tag checks and reports their failures at the value', () => {
    const checks = { reference: (value: string) => void parseReference(value), tag: (value: string) => void validateTag(value) };
    const problems = problemsOf('image: reg.example/App:1\ntags: [ok, "-bad"]\nmanifests:\n  - image: reg.example/app:amd64\n  - image: "reg.example/app:bad tag"\n', checks);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^spec\.yml:1:8: image: invalid reference "reg\.example\/App:1": .*lowercase/);
    expect(problems[1]).toMatch(/^spec\.yml:2:12: tags\[1\]: .*"-bad"/);
    expect(problems[2]).toMatch(/^spec\.yml:5:12: manifests\[1\]\.image: invalid reference "reg\.example\/app:bad tag"/);
  });

  it('keeps the problems on the error for programs', () => {
    try {
      parseSpecFile('image: a:1\nmanifests: [{image: b:1, platfrom: {}}]\n', 'x.yml');
      expect.unreachable();
    } catch (error) {
      expect((error as SpecFileError).problems).toEqual([{ file: 'x.yml', line: 2, column: 26, path: 'manifests[0].platfrom', message: 'unknown field (did you mean platform?)' }]);
    }
  });
});
