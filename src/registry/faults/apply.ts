import type { ApiErrorCode } from '../api-error.js';
import type { Fault } from './faults.js';
import { drainRequest, dropConnection, send, sleep, type Exchange } from '../http-io.js';
import type { Route } from '../router.js';

/**
 * Applies a fault to a request. Returns true when the fault answered (or killed) the request itself;
 * false when the real handler must run, possibly with `ex.shaping` set to alter its response.
 */
export async function applyFault(ex: Exchange, route: Route, fault: Fault, signal: AbortSignal): Promise<boolean> {
  if (fault.delayMs) {
    await sleep(fault.delayMs, signal);
    if (ex.req.socket?.destroyed ?? true) return true;
  }
  if (fault.reset === 'before-response') {
    dropConnection(ex);
    return true;
  }
  if (fault.status !== undefined) {
    await drainRequest(ex.req);
    const body = fault.body ?? JSON.stringify({ errors: [{ code: codeFor(fault.status, route), message: 'injected fault' }] });
    await send(ex, {
      status: fault.status,
      headers: {
        'Content-Type': looksLikeJson(body) ? 'application/json' : 'text/plain; charset=utf-8',
        ...(fault.retryAfter !== undefined ? { 'Retry-After': fault.retryAfter } : {}),
        ...fault.headers,
      },
      body,
    });
    return true;
  }
  if (fault.redirectTo !== undefined) {
    await drainRequest(ex.req);
    await send(ex, { status: 307, headers: { Location: fault.redirectTo.replace(/\/$/, '') + ex.pathAndQuery, 'Content-Length': 0 } });
    return true;
  }
  ex.shaping = {
    cutMidBody: fault.reset === 'mid-body',
    bytesPerSecond: fault.slowBodyBytesPerSecond,
    dropResponse: fault.dropAfterCommit === true,
    ...(fault.omitHeaders ? { omitHeaders: fault.omitHeaders.map((h) => h.toLowerCase()) } : {}),
  };
  return false;
}

function codeFor(status: number, route: Route): ApiErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'DENIED';
  if (status === 413) return 'SIZE_INVALID';
  if (status === 429) return 'TOOMANYREQUESTS';
  if (status === 404) {
    if (route.kind === 'blob') return 'BLOB_UNKNOWN';
    if (route.kind === 'manifest') return 'MANIFEST_UNKNOWN';
    if (route.kind === 'upload') return 'BLOB_UPLOAD_UNKNOWN';
    return 'NAME_UNKNOWN';
  }
  return status >= 500 ? 'UNKNOWN' : 'UNSUPPORTED';
}

function looksLikeJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
