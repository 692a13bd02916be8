import { parseUploadRange, type ByteRange } from '../oci/range.js';
import { ApiError } from './api-error.js';

/**
 * The chunk range of a PATCH or PUT `Content-Range`: `start-end`, inclusive (the upload form of
 * `oci/range.ts`). A malformed value is a 400 `BLOB_UPLOAD_INVALID`.
 */
export function parseChunkContentRange(header: string): ByteRange {
  const range = parseUploadRange(header);
  if (!range) {
    throw ApiError.of(400, 'BLOB_UPLOAD_INVALID', `malformed Content-Range ${JSON.stringify(header.slice(0, 100))}: expected start-end`);
  }
  return range;
}
