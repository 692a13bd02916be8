import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidReferenceError, ValidationError } from '../../src/errors.js';
import {
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  isReference,
  normalizeRegistry,
  parseReference,
  registryApiHost,
  validateRepository,
  validateTag,
} from '../../src/oci/reference.js';

const SHA = `sha256:${'a1'.repeat(32)}`;
const SHA512 = `sha512:${'0f'.repeat(64)}`;

function rejection(input: string, options?: { defaultRegistry?: string }): InvalidReferenceError {
  try {
    parseReference(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidReferenceError);
    return error as InvalidReferenceError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseReference: valid references', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', undefined, undefined],
    ['alpine:3.19', 'docker.io', 'library/alpine', '3.19', undefined],
    ['library/alpine:3', 'docker.io', 'library/alpine', '3', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', undefined, undefined],
    ['docker.io/library/alpine', 'docker.io', 'library/alpine', undefined, undefined],
    ['index.docker.io/x/y', 'docker.io', 'x/y', undefined, undefined],
    ['registry-1.docker.io/library/busybox:latest', 'docker.io', 'library/busybox', 'latest', undefined],
    ['bitnami/nginx:1.25', 'docker.io', 'bitnami/nginx', '1.25', undefined],
    ['localhost/app', 'localhost', 'app', undefined, undefined],
    ['localhost:5000/a/b:t', 'localhost:5000', 'a/b', 't', undefined],
    ['127.0.0.1:5000/app:1.0', '127.0.0.1:5000', 'app', '1.0', undefined],
    ['[::1]:5000/x', '[::1]:5000', 'x', undefined, undefined],
    ['[2001:DB8::1]/x/y:z', '[2001:db8::1]', 'x/y', 'z', undefined],
    [`ghcr.io/o/r@${SHA}`, 'ghcr.io', 'o/r', undefined, SHA],
    [`a:b@${SHA}`, 'docker.io', 'library/a', 'b', SHA],
    [`quay.io/prometheus/node-exporter:v1.8.0@${SHA512}`, 'quay.io', 'prometheus/node-exporter', 'v1.8.0', SHA512],
    ['GHCR.IO/owner/app:Latest_1', 'ghcr.io', 'owner/app', 'Latest_1', undefined],
    ['my-registry.example.com:8443/team/sub/app:v2', 'my-registry.example.com:8443', 'team/sub/app', 'v2', undefined],
    ['reg.io/a.b/c_d/e__f/g-h/i---j', 'reg.io', 'a.b/c_d/e__f/g-h/i---j', undefined, undefined],
    ['localhost:5000', 'docker.io', 'library/localhost', '5000', undefined],
  ])('%s', (input, registry, repository, tag, digest) => {
    const ref = parseReference(input);
    expect(ref.registry).toBe(registry);
    expect(ref.repository).toBe(repository);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
  });

  it('gives equal references for short and canonical forms', () => {
    expect(parseReference('alpine')).toEqual(parseReference('docker.io/library/alpine'));
    expect(parseReference('docker.io/alpine:3')).toEqual(parseReference('index.docker.io/library/alpine:3'));
    expect(parseReference('alpine').toString()).toBe(parseReference('docker.io/library/alpine').toString());
  });

  it('keeps both tag and digest, and uses the digest as the manifest reference', () => {
    const ref = parseReference(`ghcr.io/o/r:1.2@${SHA}`);
    expect(ref.tag).toBe('1.2');
    expect(ref.digest).toBe(SHA);
    expect(ref.reference).toBe(SHA);
    expect(ref.toString()).toBe(`ghcr.io/o/r:1.2@${SHA}`);
  });

  it('uses the tag, then latest, as the manifest reference', () => {
    expect(parseReference('alpine:3.20').reference).toBe('3.20');
    const untagged = parseReference('alpine');
    expect(untagged.reference).toBe('latest');
    expect(untagged.tag).toBeUndefined();
    expect(untagged.toString()).toBe('docker.io/library/alpine');
  });

  it('connects to registry-1.docker.io for Docker Hub and to the registry itself otherwise', () => {
    expect(parseReference('alpine').apiHost).toBe(DOCKER_HUB_API_HOST);
    expect(parseReference('index.docker.io/x/y').apiHost).toBe('registry-1.docker.io');
    expect(parseReference('localhost:5000/a').apiHost).toBe('localhost:5000');
    expect(parseReference('[::1]:5000/x').apiHost).toBe('[::1]:5000');
    expect(parseReference('ghcr.io/o/r').apiHost).toBe('ghcr.io');
  });

  it('honours defaultRegistry and does not add library/ there', () => {
    const ref = parseReference('app:1', { defaultRegistry: 'localhost:5000' });
    expect(ref.toString()).toBe('localhost:5000/app:1');
    expect(parseReference(ref.toString())).toEqual(ref);
    expect(parseReference('ghcr.io/o/a', { defaultRegistry: 'localhost:5000' }).registry).toBe('ghcr.io');
    expect(parseReference('x', { defaultRegistry: 'index.docker.io' }).toString()).toBe('docker.io/library/x');
  });

  it('rejects a defaultRegistry that would not parse back as a registry', () => {
    expect(() => parseReference('app', { defaultRegistry: 'myhost' })).toThrow(ValidationError);
    expect(() => parseReference('app', { defaultRegistry: 'https://ghcr.io' })).toThrow(/defaultRegistry/);
  });

  it('accepts a 128-character tag and a 255-character name', () => {
    const tag = 'v'.repeat(128);
    expect(parseReference(`a:${tag}`).tag).toBe(tag);
    const repository = 'r'.repeat(255 - 'ghcr.io/'.length);
    expect(parseReference(`ghcr.io/${repository}`).repository).toBe(repository);
  });
});

describe('parseReference: rejected input', () => {
  it.each([
    ['', /empty reference/],
    [' alpine', /whitespace/],
    ['alp ine', /whitespace/],
    ['alpine\n', /whitespace/],
    ['https://ghcr.io/x', /no URL scheme; write "ghcr.io\/x"/],
    ['Alpine', /repository name must be lowercase/],
    ['ghcr.io/Org/app', /repository name must be lowercase/],
    ['alpine:', /empty tag after ':'/],
    ['alpine@', /missing digest after '@'/],
    ['alpine@sha256:abc', /invalid digest: sha256 digests are 64 lowercase hex/],
    ['alpine@md5:d41d8cd98f00b204e9800998ecf8427e', /invalid digest: unsupported algorithm "md5"/],
    [`alpine@${SHA.toUpperCase()}`, /invalid digest/],
    [`alpine:${'t'.repeat(129)}`, /tag is 129 characters; the limit is 128/],
    ['alpine:-x', /tag "-x" is invalid/],
    ['alpine:.x', /tag "\.x" is invalid/],
    ['alpine:a/b', /invalid port "a" in registry "alpine:a"/],
    ['a/b:c/d', /contains characters outside/],
    [`ghcr.io/${'r'.repeat(248)}`, /the limit is 255/],
    ['a..b', /path component "a\.\.b" is invalid/],
    ['a//b', /empty path component/],
    ['/a', /empty path component/],
    ['a/', /empty path component/],
    ['ghcr.io/', /missing repository name/],
    ['-a', /path component "-a" is invalid/],
    ['a-', /path component "a-" is invalid/],
    ['a___b', /path component "a___b" is invalid/],
    ['a._b', /path component/],
    ['localhost:0/x', /invalid port "0"/],
    ['localhost:65536/x', /invalid port "65536"/],
    ['localhost:05000/x', /invalid port "05000"/],
    ['localhost:/x', /invalid port ""/],
    ['localhost:abc/x', /invalid port "abc"/],
    ['foo_bar.com/x', /registry hostname "foo_bar\.com" is invalid/],
    ['-ghcr.io/x', /registry hostname/],
    ['ghcr..io/x', /registry hostname/],
    [':5000/x', /has no hostname/],
    ['[::1/x', /unclosed '\['/],
    ['[::g]/x', /not a valid IPv6 address/],
    ['[1:2:3]/x', /not a valid IPv6 address/],
    ['[::1]x/y', /characters after the IPv6 address/],
    ['[::1]', /must be followed by '\/' and a repository/],
    ['a$b', /contains characters outside/],
    ['café', /contains characters outside/],
    ['f'.repeat(64), /image ID/],
  ])('%j', (input, reason) => {
    const error = rejection(input);
    expect(error.input).toBe(input);
    expect(error.reason).toMatch(reason);
    expect(error.message).toContain('invalid reference');
  });

  it('rejects non-strings with InvalidReferenceError', () => {
    expect(() => parseReference(42 as unknown as string)).toThrow(InvalidReferenceError);
  });
});

describe('Reference methods', () => {
  it('familiar() prints the short form Docker prints', () => {
    expect(parseReference('docker.io/library/alpine:3.19').familiar()).toBe('alpine:3.19');
    expect(parseReference(`org/app@${SHA}`).familiar()).toBe(`org/app@${SHA}`);
    expect(parseReference('ghcr.io/o/a:1').familiar()).toBe('ghcr.io/o/a:1');
    expect(parseReference('library/a/b').familiar()).toBe('library/a/b');
    expect(parseReference('localhost:5000/app').familiar()).toBe('localhost:5000/app');
  });

  it('familiar() keeps docker.io when the repository would otherwise read as a registry', () => {
    expect(parseReference('docker.io/a.b/c').familiar()).toBe('docker.io/a.b/c');
    expect(parseReference('docker.io/localhost/c:1').familiar()).toBe('docker.io/localhost/c:1');
    expect(parseReference('docker.io/a.b').familiar()).toBe('a.b');
  });

  it('familiar() output parses back to the same reference', () => {
    for (const input of ['alpine:3', 'org/app', 'library/a/b', `ghcr.io/o/a:1@${SHA}`]) {
      const ref = parseReference(input);
      expect(parseReference(ref.familiar())).toEqual(ref);
    }
  });

  it('withTag sets the tag and drops the digest', () => {
    const ref = parseReference(`ghcr.io/o/r:1@${SHA}`).withTag('2');
    expect(ref.toString()).toBe('ghcr.io/o/r:2');
    expect(ref.digest).toBeUndefined();
    expect(ref.reference).toBe('2');
  });

  it('withTag validates', () => {
    expect(() => parseReference('alpine').withTag('')).toThrow(/empty tag/);
    expect(() => parseReference('alpine').withTag('bad tag')).toThrow(InvalidReferenceError);
  });

  it('withDigest keeps the tag and validates the digest', () => {
    const ref = parseReference('alpine:3').withDigest(SHA);
    expect(ref.toString()).toBe(`docker.io/library/alpine:3@${SHA}`);
    expect(ref.reference).toBe(SHA);
    expect(() => ref.withDigest('sha256:nope')).toThrow(/invalid digest/);
    try {
      ref.withDigest('sha256:nope');
    } catch (error) {
      expect((error as InvalidReferenceError).input).toBe('docker.io/library/alpine:3@sha256:nope');
    }
  });

  it('is immutable', () => {
    const ref = parseReference('alpine');
    expect(() => {
      (ref as { registry: string }).registry = 'evil.io';
    }).toThrow(TypeError);
    expect(ref.registry).toBe('docker.io');
  });

  it('serialises to its canonical string in JSON and prints its fields', () => {
    const ref = parseReference('alpine:3');
    expect(JSON.stringify({ image: ref })).toBe('{"image":"docker.io/library/alpine:3"}');
    expect(`${ref}`).toBe('docker.io/library/alpine:3');
    const printed = inspect(ref);
    expect(printed).toContain('Reference');
    expect(printed).toContain("repository: 'library/alpine'");
    expect(printed).toContain("tag: '3'");
    expect(printed).not.toContain('digest');
  });

  it('isReference recognises parsed references only', () => {
    expect(isReference(parseReference('alpine'))).toBe(true);
    expect(isReference({ registry: 'docker.io', repository: 'library/alpine' })).toBe(false);
    expect(isReference('alpine')).toBe(false);
    expect(isReference(null)).toBe(false);
  });
});

describe('validators and registry helpers', () => {
  it('validateRepository returns valid names and explains invalid ones', () => {
    expect(validateRepository('library/alpine')).toBe('library/alpine');
    expect(() => validateRepository('Library/alpine')).toThrow(/must be lowercase/);
    expect(() => validateRepository('a//b')).toThrow(/empty path component/);
    expect(() => validateRepository('')).toThrow(/missing repository name/);
    expect(() => validateRepository('r'.repeat(256))).toThrow(/limit is 255/);
  });

  it('validateTag returns valid tags and explains invalid ones', () => {
    expect(validateTag('v1.2.3-rc.1_x')).toBe('v1.2.3-rc.1_x');
    expect(validateTag('_')).toBe('_');
    expect(() => validateTag('')).toThrow(/empty tag/);
    expect(() => validateTag('a+b')).toThrow(InvalidReferenceError);
    expect(() => validateTag('x'.repeat(129))).toThrow(/limit is 128/);
  });

  it('normalizeRegistry lowercases and folds Docker Hub aliases', () => {
    expect(normalizeRegistry('index.docker.io')).toBe(DOCKER_HUB);
    expect(normalizeRegistry('registry-1.docker.io')).toBe(DOCKER_HUB);
    expect(normalizeRegistry('Docker.IO')).toBe(DOCKER_HUB);
    expect(normalizeRegistry('GHCR.io')).toBe('ghcr.io');
    expect(normalizeRegistry('LocalHost:5000')).toBe('localhost:5000');
    expect(normalizeRegistry('[::1]:5000')).toBe('[::1]:5000');
    expect(() => normalizeRegistry('https://ghcr.io')).toThrow(/without a URL scheme/);
    expect(() => normalizeRegistry('ghcr.io/x')).toThrow(InvalidReferenceError);
    expect(() => normalizeRegistry('host:99999')).toThrow(/invalid port/);
  });

  it('registryApiHost maps Docker Hub to registry-1.docker.io', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('index.docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('Quay.io')).toBe('quay.io');
    expect(registryApiHost('localhost:5000')).toBe('localhost:5000');
  });
});
