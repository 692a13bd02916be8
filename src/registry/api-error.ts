/**
 * Errors the embedded registry answers with, as the distribution-spec JSON body
 * `{"errors":[{"code","message","detail"}]}`.
 */

/** The distribution-spec error codes, plus `UNKNOWN` for unexpected server failures. */
export type ApiErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'REQUESTED_RANGE_NOT_SATISFIABLE'
  | 'UNKNOWN';

/** One entry of the `errors` array. */
export interface ApiErrorEntry {
  code: ApiErrorCode;
  message: string;
  detail?: unknown;
}

/** A failed request: the HTTP status, one or more spec error entries and extra response headers. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly entries: ApiErrorEntry[],
    readonly headers: Record<string, string> = {},
  ) {
    super(entries.map((e) => `${e.code}: ${e.message}`).join('; '));
  }

  /** The common case: a single error entry. */
  static of(status: number, code: ApiErrorCode, message: string, detail?: unknown, headers?: Record<string, string>): ApiError {
    return new ApiError(status, [detail === undefined ? { code, message } : { code, message, detail }], headers);
  }

  /** The JSON body of this error. */
  body(): string {
    return JSON.stringify({ errors: this.entries });
  }
}
