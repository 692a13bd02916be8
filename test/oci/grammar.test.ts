import { describe, expect, it } from 'vitest';
import { isRepositoryName, isTag } from '../../src/oci/grammar.js';

describe('repository and tag grammar (shared by the client and the embedded registry)', () => {
  it.each(['a', 'library/ubuntu', 'a.b_c__d-e--f/g', '0/1/2'])('%s is a repository name', (name) => {
    expect(isRepositoryName(name)).toBe(true);
  });
  it.each(['', 'A', 'a/', '/a', 'a//b', 'a..b', 'a___b', '.a', 'a-', '..', 'a/../b', 'a:b', 'a'.repeat(256)])('%j is not', (name) => {
    expect(isRepositoryName(name)).toBe(false);
  });
  it('tags', () => {
    expect(isTag('v1.0_rc-1')).toBe(true);
    expect(isTag('_x')).toBe(true);
    expect(isTag('a'.repeat(128))).toBe(true);
    expect(isTag('a'.repeat(129))).toBe(false);
    expect(isTag('.x')).toBe(false);
    expect(isTag('-x')).toBe(false);
    expect(isTag('a/b')).toBe(false);
  });
});
