/**
 * The byte-range headers of the registry API, the one copy for client and embedded registry. Parsers
 * return `undefined` for anything malformed (negative or non-integer numbers, an end before the start,
 * numbers beyond `Number.MAX_SAFE_INTEGER`) and never throw; formatters throw {@link ValidationError}
 * on such numbers.
 *
 * Two forms, never mixed: the upload form `start-end` (inclusive; `Content-Range` of a chunk PATCH and
 * `Range` of an upload's status, the distribution-spec's `^[0-9]+-[0-9]+$`) and the HTTP form of
 * RFC 9110 (`Range: bytes=…` requests, `Content-Range: bytes start-end/total` of a 206).
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
const RANGE_REQUEST = /^bytes=(\d*)-(\d*)$/i;

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
 * Parses an upload range (`0-1023`, inclusive end; a `bytes=` prefix, which some registries send, is
 * tolerated): the `Range` of an upload-status or chunk response, where the registry holds bytes `start`
 * through `end`, and the `Content-Range` of a chunk PATCH, where the chunk is bytes `start` through `end`.
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

/** The `Range` of an upload holding `received` bytes: `0-<last byte>`, and `0-0` while it is empty (as Docker's registry does). */
export function formatUploadRange(received: number): string {
  checkOffset(received, 'received size');
  return formatChunkRange(0, Math.max(0, received - 1));
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
  if (match === null || match[1] === '') return undefined;
  if (match[2] === '') {
    const start = safeInteger(match[1]);
    return start === undefined ? undefined : { start };
  }
  return orderedRange(match[1], match[2]);
}

/** What a `Range` request asks of a body of known size. */
export type RangeRequest = { kind: 'whole' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Interprets a `Range` request header for a body of `size` bytes (RFC 9110 §14), suffix ranges
 * (`bytes=-N`) included; an end past the body is clamped to it. Headers a server need not honour
 * (multiple ranges, other units, malformed values) give `whole`, which the RFC allows.
 */
export function rangeOfBody(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'whole' };
  const match = RANGE_REQUEST.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = safeInteger(last);
    if (suffix === undefined) return { kind: 'whole' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = safeInteger(first);
  const end = last === '' ? size - 1 : safeInteger(last);
  if (start === undefined || end === undefined) return { kind: 'whole' };
  if (last !== '' && end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}

function checkOffset(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new ValidationError(`${what} must be a non-negative safe integer, got ${String(n)}`);
}
