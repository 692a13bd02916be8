/**
 * The byte-range headers of the registry API. Parsers return `undefined` for anything malformed
 * (negative or non-integer numbers, an end before the start, numbers beyond
 * `Number.MAX_SAFE_INTEGER`) and never throw; formatters throw {@link ValidationError} on such numbers.
 */
import { ValidationError } from '../errors.js';

/** An inclusive byte range. */
export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** A `Content-Range` of a 206 response; `total` is absent when the server sent `*`. */
export interface ContentRange extends ByteRange {
  total?: number;
}

const UPLOAD_RANGE = /^(?:bytes=)?(\d+)-(\d+)$/i;
const CONTENT_RANGE = /^bytes[ \t]+(\d+)-(\d+)\/(\d+|\*)$/i;
const RANGE_REQUEST = /^bytes=(\d+)-(\d*)$/i;

function safeInteger(digits: string | undefined): number | undefined {
  if (digits === undefined) return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

function orderedRange(startDigits: string | undefined, endDigits: string | undefined): ByteRange | undefined {
  const start = safeInteger(startDigits);
  const end = safeInteger(endDigits);
  if (start === undefined || end === undefined || end < start) return undefined;
  return { start, end };
}

/**
 * Parses the `Range` header of an upload-status or chunk response (`0-1023`, inclusive end; a
 * `bytes=` prefix is tolerated). The registry holds bytes `start` through `end`.
 */
export function parseUploadRange(value: string | undefined): ByteRange | undefined {
  if (typeof value !== 'string') return undefined;
  const match = UPLOAD_RANGE.exec(value.trim());
  return match === null ? undefined : orderedRange(match[1], match[2]);
}

/** Formats the `Content-Range` of a chunked-upload PATCH: `start-end`, inclusive, without `bytes=`. */
export function formatChunkRange(start: number, endInclusive: number): string {
  checkOffset(start, 'chunk start');
  checkOffset(endInclusive, 'chunk end');
  if (endInclusive < start) throw new ValidationError(`chunk end ${endInclusive} is before its start ${start}`);
  return `${start}-${endInclusive}`;
}

/**
 * Parses the `Content-Range` of a 206 response: `bytes 10-99/100` or `bytes 10-99/*`.
 * A range that ends at or past a known total is rejected.
 */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (typeof value !== 'string') return undefined;
  const match = CONTENT_RANGE.exec(value.trim());
  if (match === null) return undefined;
  const range = orderedRange(match[1], match[2]);
  if (range === undefined || match[3] === '*') return range;
  const total = safeInteger(match[3]);
  return total === undefined || range.end >= total ? undefined : { ...range, total };
}

/** Formats the `Content-Range` of a 206 response: `bytes start-end/total`, or `/*` without a total. */
export function formatContentRange(start: number, endInclusive: number, total?: number): string {
  const range = formatChunkRange(start, endInclusive);
  if (total === undefined) return `bytes ${range}/*`;
  checkOffset(total, 'total size');
  if (endInclusive >= total) throw new ValidationError(`range end ${endInclusive} is not within the total size ${total}`);
  return `bytes ${range}/${total}`;
}

/** Formats a `Range` request header that asks for everything from `offset` on: `bytes=N-`. */
export function formatRangeRequest(offset: number): string {
  checkOffset(offset, 'range offset');
  return `bytes=${offset}-`;
}

/**
 * Parses a single-range `Range` request header, `bytes=N-` or `bytes=N-M` (as a registry receives it).
 * Multiple ranges and suffix ranges (`bytes=-N`) are not supported and give `undefined`.
 */
export function parseRangeRequest(value: string | undefined): { start: number; end?: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = RANGE_REQUEST.exec(value.trim());
  if (match === null) return undefined;
  if (match[2] === '') {
    const start = safeInteger(match[1]);
    return start === undefined ? undefined : { start };
  }
  return orderedRange(match[1], match[2]);
}

function checkOffset(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new ValidationError(`${what} must be a non-negative safe integer, got ${String(n)}`);
}
