import { describe, expect, it } from 'vitest';
import { formatOciTag, parseOciTag } from '../../src/oci/tag-parameters.js';

describe('OCI-Tag', () => {
  it('reads one list or several header lines, in order, each tag once', () => {
    expect(parseOciTag(['1.2.3, 1.2,1', 'latest'])).toEqual(['1.2.3', '1.2', '1', 'latest']);
    expect(parseOciTag(['a, b', 'a'])).toEqual(['a', 'b']);
    expect(parseOciTag([' , ', ''])).toEqual([]);
    expect(parseOciTag([])).toEqual([]);
  });

  it('reads back what it writes', () => {
    expect(parseOciTag([formatOciTag(['v1', 'stable'])])).toEqual(['v1', 'stable']);
  });
});
