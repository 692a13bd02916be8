import { describe, expect, it, vi } from 'vitest';
import * as errors from '../../src/errors.js';

/** A second, separate copy of the errors module: what a second bundle (CJS build, other entry, worker) holds. */
async function otherCopy(): Promise<typeof errors> {
  vi.resetModules();
  return import('../../src/errors.js');
}

describe('error guards', () => {
  it('recognise errors made by another copy of the library, where instanceof cannot', async () => {
    const other = await otherCopy();
    expect(other.ValidationError).not.toBe(errors.ValidationError);
    const foreign = new other.MissingChildrenError(['a', 'b'], 2);
    expect(foreign).not.toBeInstanceOf(errors.ValidationError);
    expect(errors.isMissingChildrenError(foreign)).toBe(true);
    expect(errors.isValidationError(foreign)).toBe(true);
    expect(errors.isMultiplatformError(foreign)).toBe(true);
    expect(errors.isRegistryError(foreign)).toBe(false);
    const registryError = new other.RegistryError('GET manifest r/a:1', 404, [{ code: 'MANIFEST_UNKNOWN' }]);
    expect(errors.isNotFound(registryError)).toBe(true);
    expect(errors.isNotYetVisible(registryError)).toBe(true);
  });

  it('are not fooled by a plain error that only shares a name', () => {
    const imposter = Object.assign(new Error('x'), { name: 'ValidationError' });
    expect(errors.isValidationError(imposter)).toBe(false);
    expect(errors.isMultiplatformError({ name: 'MultiplatformError' })).toBe(false);
    expect(errors.isMultiplatformError(null)).toBe(false);
    expect(errors.isMultiplatformError('ValidationError')).toBe(false);
  });

  it('name each error after its class, most specific kind first', () => {
    const error = new errors.MissingChildrenError(['r/a:1'], 1);
    expect(error.name).toBe('MissingChildrenError');
    expect(new errors.SchemaError('parse', ['bad']).name).toBe('SchemaError');
    expect(new errors.MultiplatformError('x').name).toBe('MultiplatformError');
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for('multiplatform.error.kinds')]).toEqual([
      'MissingChildrenError',
      'ValidationError',
      'MultiplatformError',
    ]);
  });

  it('keep `what` as the deprecated name of `operation`', () => {
    const error = new errors.DigestMismatchError('GET blob r/a@sha256:x', { size: 1 }, { size: 2 });
    expect(error.operation).toBe('GET blob r/a@sha256:x');
    expect(error.what).toBe(error.operation);
  });
});
