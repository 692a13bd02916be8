import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { checkAnnotations } from '../../src/oci/schemas.js';

describe('checkAnnotations', () => {
  it('returns annotations, or undefined when they are absent or empty', () => {
    expect(checkAnnotations({ 'org.opencontainers.image.source': 'x' }, 'index')).toEqual({ 'org.opencontainers.image.source': 'x' });
    expect(checkAnnotations({}, 'index')).toBeUndefined();
    expect(checkAnnotations(undefined, 'index')).toBeUndefined();
  });

  it('refuses what is not an object of strings with non-empty keys, naming whose annotations they are', () => {
    expect(() => checkAnnotations(null, 'index')).toThrow(ValidationError);
    expect(() => checkAnnotations(['a'], 'index')).toThrow(/index: annotations must be an object of strings/);
    expect(() => checkAnnotations({ '': 'x' }, 'child #1')).toThrow(/child #1: annotation keys must not be empty/);
    expect(() => checkAnnotations({ n: 1 }, 'spec')).toThrow(/spec: annotation "n" must be a string, got 1/);
  });
});
