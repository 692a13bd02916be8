import { describe, expect, it } from 'vitest';
import { EMPTY_DESCRIPTOR, EMPTY_JSON } from '../../src/oci/artifact.js';
import { digestOf } from '../../src/oci/digest.js';

describe('EMPTY_DESCRIPTOR', () => {
  it('describes the bytes of EMPTY_JSON: its written-out digest is their sha256, its size their length', () => {
    expect(EMPTY_JSON.toString('utf8')).toBe('{}');
    expect(EMPTY_DESCRIPTOR.digest).toBe(digestOf(EMPTY_JSON));
    expect(EMPTY_DESCRIPTOR.size).toBe(EMPTY_JSON.length);
  });
});
