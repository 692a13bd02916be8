import { describe, expect, it } from 'vitest';
import { credentialsOf, InputError, listInput, mergeOptions, type RawInputs } from '../../action/src/inputs.js';
import { sourceReference } from '../../src/index.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

function inputs(overrides: Partial<RawInputs>): RawInputs {
  return { tags: '', sources: '', platforms: '', annotations: [], registry: '', username: '', password: '', append: false, dryRun: false, ...overrides };
}

describe('the action inputs', () => {
  it('split lists on lines, commas and spaces', () => {
    expect(listInput(' a:1, b:2\n\nc:3  d:4\r\n')).toEqual(['a:1', 'b:2', 'c:3', 'd:4']);
  });

  it('read bare digests in the first tag’s repository and leave references as written', () => {
    const options = mergeOptions(inputs({ tags: 'ghcr.io/me/app:1.0\nghcr.io/me/app:latest', sources: `${DIGEST_A}\nother.example/x@${DIGEST_B}\napp:amd64` }));
    expect(options.tags).toEqual(['ghcr.io/me/app:1.0', 'ghcr.io/me/app:latest']);
    expect(options.sources).toEqual([`ghcr.io/me/app@${DIGEST_A}`, `other.example/x@${DIGEST_B}`, 'app:amd64']);
    expect(options).not.toHaveProperty('dryRun');
  });

  it('read sources by the library’s own rule (sourceReference), the one createManifestList applies', () => {
    const firstTag = 'ghcr.io/me/app:1.0';
    const sources = [DIGEST_A, `sha512:${'c'.repeat(128)}`, `other.example/x@${DIGEST_B}`, 'app:amd64', 'sha1:abc'];
    const options = mergeOptions(inputs({ tags: firstTag, sources: sources.join('\n') }));
    expect(options.sources).toEqual(sources.map((source) => sourceReference(source, firstTag)));
    expect(options.sources?.[1]).toBe(`ghcr.io/me/app@sha512:${'c'.repeat(128)}`);
    expect(() => sourceReference('sha384:abc', firstTag)).toThrow(expect.objectContaining({ name: 'InvalidDigestError' }));
    expect(() => sourceReference(42 as unknown as string, firstTag)).toThrow(/sourceReference: source must be a non-empty string/);
  });

  it('pass platforms, annotations, append and dry-run through', () => {
    const options = mergeOptions(
      inputs({ tags: 'r.example/a:1', sources: DIGEST_A, platforms: 'linux/amd64,linux/arm64/v8', annotations: ['index:org.opencontainers.image.title=a, b'], append: true, dryRun: true }),
    );
    expect(options).toMatchObject({ platforms: ['linux/amd64', 'linux/arm64/v8'], annotations: ['index:org.opencontainers.image.title=a, b'], append: true, dryRun: true });
  });

  it('name the input of each mistake', () => {
    const mistake = (raw: Partial<RawInputs>) => () => mergeOptions(inputs({ tags: 'r.example/a:1', sources: DIGEST_A, ...raw }));
    expect(mistake({ tags: '' })).toThrow(new InputError('input "tags" is required: the references to write the merged index to, e.g. ghcr.io/me/app:1.0'));
    expect(mistake({ tags: `r.example/a@${DIGEST_A}` })).toThrow(/^input "tags": r\.example\/a@sha256:a+ names a digest/);
    expect(mistake({ sources: ' \n' })).toThrow(/^input "sources" is required/);
    expect(mistake({ sources: 'sha256:abc' })).toThrow(/^input "sources": sha256:abc is not a digest/);
    expect(mistake({ sources: 'UPPER/case' })).toThrow(/^input "sources": UPPER\/case is not an image reference/);
    expect(mistake({ platforms: 'linux/amd64,/arm64' })).toThrow(/^input "platforms": /);
  });

  it('give username and password to the first tag’s registry, or to `registry`, or leave credentials to the Docker config', () => {
    const tag = 'ghcr.io/me/app:1';
    expect(credentialsOf(inputs({}), tag)).toBeUndefined();
    expect(credentialsOf(inputs({ username: 'me', password: 'pw' }), tag)).toEqual({ 'ghcr.io': { username: 'me', password: 'pw' } });
    expect(credentialsOf(inputs({ username: 'me', password: 'pw', registry: 'https://index.docker.io/v1/' }), tag)).toEqual({ 'docker.io': { username: 'me', password: 'pw' } });
    expect(() => credentialsOf(inputs({ username: 'me' }), tag)).toThrow('input "username" needs "password"');
    expect(() => credentialsOf(inputs({ password: 'pw' }), tag)).toThrow('input "password" needs "username"');
    expect(() => credentialsOf(inputs({ registry: 'ghcr.io' }), tag)).toThrow(/^input "registry" names where/);
  });
});
