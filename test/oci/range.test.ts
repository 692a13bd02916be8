import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  formatChunkRange,
  formatContentRange,
  formatRangeRequest,
  formatUploadRange,
  parseContentRange,
  parseRangeRequest,
  parseUploadRange,
  rangeOfBody,
} from '../../src/oci/range.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('parseUploadRange', () => {
  it('parses the registry form and tolerates bytes= and whitespace', () => {
    expect(parseUploadRange('0-1023')).toEqual({ start: 0, end: 1023 });
    expect(parseUploadRange('0-0')).toEqual({ start: 0, end: 0 });
    expect(parseUploadRange('bytes=0-99')).toEqual({ start: 0, end: 99 });
    expect(parseUploadRange('BYTES=5-6')).toEqual({ start: 5, end: 6 });
    expect(parseUploadRange('  0-7 ')).toEqual({ start: 0, end: 7 });
    expect(parseUploadRange(`0-${MAX}`)).toEqual({ start: 0, end: MAX });
  });

  it.each([undefined, '', '-', '0-', '-5', '0--1', '5-4', '1.5-2', '0-1e3', 'a-b', '0-0x10', `0-${MAX + 1}`, '0-99999999999999999999', 'bytes 0-1', '0-1,2-3'])(
    'rejects %j',
    (value) => {
      expect(parseUploadRange(value)).toBeUndefined();
    },
  );
});

describe('formatChunkRange', () => {
  it('formats start-end without a unit', () => {
    expect(formatChunkRange(0, 1023)).toBe('0-1023');
    expect(formatChunkRange(1024, 1024)).toBe('1024-1024');
  });

  it.each([
    [-1, 5],
    [5, 4],
    [0.5, 4],
    [0, Number.NaN],
    [0, MAX + 1],
  ])('throws ValidationError for %j-%j', (start, end) => {
    expect(() => formatChunkRange(start, end)).toThrow(ValidationError);
  });
});

describe('parseContentRange', () => {
  it('parses 206 ranges with a known or unknown total', () => {
    expect(parseContentRange('bytes 10-99/100')).toEqual({ start: 10, end: 99, total: 100 });
    expect(parseContentRange('bytes 0-0/1')).toEqual({ start: 0, end: 0, total: 1 });
    expect(parseContentRange('bytes 10-99/*')).toEqual({ start: 10, end: 99 });
    expect(parseContentRange('Bytes  1-2/3')).toEqual({ start: 1, end: 2, total: 3 });
  });

  it.each([undefined, '', 'bytes */100', 'bytes 10-99/99', 'bytes 10-99/50', 'bytes 99-10/100', '10-99/100', 'bytes=10-99/100', 'bytes 10-99', 'bytes -1-5/9', `bytes 0-1/${MAX + 1}`, 'items 0-1/2'])(
    'rejects %j',
    (value) => {
      expect(parseContentRange(value)).toBeUndefined();
    },
  );
});

describe('formatContentRange', () => {
  it('formats with and without a total', () => {
    expect(formatContentRange(10, 99, 100)).toBe('bytes 10-99/100');
    expect(formatContentRange(10, 99)).toBe('bytes 10-99/*');
    expect(() => formatContentRange(10, 99, 99)).toThrow(ValidationError);
    expect(() => formatContentRange(10, 9)).toThrow(ValidationError);
  });
});

describe('formatRangeRequest and parseRangeRequest', () => {
  it('formats an open-ended range', () => {
    expect(formatRangeRequest(0)).toBe('bytes=0-');
    expect(formatRangeRequest(4096)).toBe('bytes=4096-');
    expect(() => formatRangeRequest(-1)).toThrow(ValidationError);
    expect(() => formatRangeRequest(1.5)).toThrow(ValidationError);
  });

  it('parses single ranges and rejects others', () => {
    expect(parseRangeRequest('bytes=4096-')).toEqual({ start: 4096 });
    expect(parseRangeRequest('bytes=0-9')).toEqual({ start: 0, end: 9 });
    expect(parseRangeRequest('bytes=-500')).toBeUndefined();
    expect(parseRangeRequest('bytes=0-1,5-6')).toBeUndefined();
    expect(parseRangeRequest('bytes=9-0')).toBeUndefined();
    expect(parseRangeRequest(undefined)).toBeUndefined();
  });
});

describe('rangeOfBody (a Range request against a body of known size)', () => {
  it.each([
    [undefined, 10, { kind: 'whole' }],
    ['bytes=0-', 10, { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=3-5', 10, { kind: 'partial', range: { start: 3, end: 5 } }],
    ['bytes=3-100', 10, { kind: 'partial', range: { start: 3, end: 9 } }],
    ['bytes=-3', 10, { kind: 'partial', range: { start: 7, end: 9 } }],
    ['bytes=-30', 10, { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=10-', 10, { kind: 'unsatisfiable' }],
    ['bytes=-0', 10, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=5-3', 10, { kind: 'whole' }],
    ['bytes=0-1,3-4', 10, { kind: 'whole' }],
    ['items=0-1', 10, { kind: 'whole' }],
    ['BYTES=3-5', 10, { kind: 'partial', range: { start: 3, end: 5 } }],
    ['bytes=-', 10, { kind: 'whole' }],
  ])('%s of %i bytes', (header, size, expected) => {
    expect(rangeOfBody(header, size)).toEqual(expected);
  });

  it('a partial range always lies inside the body', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.integer({ min: 1, max: 1000 }), (a, b, size) => {
        const result = rangeOfBody(`bytes=${a}-${b}`, size);
        if (result.kind === 'partial') {
          expect(result.range.start).toBeLessThanOrEqual(result.range.end);
          expect(result.range.end).toBeLessThan(size);
        }
      }),
    );
  });
});

describe('formatUploadRange', () => {
  it('upload Range is 0-<last byte>, 0-0 when empty', () => {
    expect(formatUploadRange(0)).toBe('0-0');
    expect(formatUploadRange(1)).toBe('0-0');
    expect(formatUploadRange(100)).toBe('0-99');
    expect(() => formatUploadRange(-1)).toThrow(ValidationError);
  });
});
