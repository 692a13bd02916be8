import { ApiError } from './api-error.js';

/** An inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a `Range` request header asks of a body of known size. */
export type RangeRequest = { kind: 'whole' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Interprets a `Range` header for a body of `size` bytes (RFC 9110 §14). Headers this server does not
 * honour (multiple ranges, other units, malformed values) are ignored, which the RFC allows: the whole body is sent.
 */
export function parseRangeHeader(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return { kind: 'whole' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return { kind: 'whole' };
  if (last !== '' && end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}

const CONTENT_RANGE = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/;

/**
 * Parses the `Content-Range` of an upload chunk. The spec's form is `start-end` (inclusive);
 * the HTTP forms `bytes start-end/total` are accepted too. A malformed value is a 400 `BLOB_UPLOAD_INVALID`.
 */
export function parseContentRange(header: string): ByteRange {
  const match = CONTENT_RANGE.exec(header.trim());
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw ApiError.of(400, 'BLOB_UPLOAD_INVALID', `malformed Content-Range ${JSON.stringify(header.slice(0, 100))}: expected start-end`);
  }
  return { start, end };
}

/** The value of an upload's `Range` header: `0-<last byte>`, and `0-0` while nothing was received (as Docker's registry does). */
export function uploadRangeHeader(size: number): string {
  return `0-${Math.max(0, size - 1)}`;
}
