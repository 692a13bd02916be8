import { ValidationError } from '../../errors.js';

/**
 * A misbehaviour to inject into the next matching requests. Effects, in this order of precedence:
 * `delayMs` (then the rest), `reset: 'before-response'`, `status`, `redirectTo`, and otherwise the real
 * operation with its response shaped by `reset: 'mid-body'`, `slowBodyBytesPerSecond`, `dropAfterCommit` or `omitHeaders`.
 */
export interface Fault {
  /** Only requests with this method (any case). */
  method?: string;
  /**
   * Only requests whose path matches: a string must equal the path or the path and query exactly;
   * a RegExp is tested against the path and query (e.g. `/\/blobs\/uploads\/.+/`).
   */
  path?: string | RegExp;
  /** How many matching requests this fault applies to (default 1; `Infinity` for all). */
  times?: number;
  /** Answer with this status instead of serving the request. */
  status?: number;
  /** Body of the `status` answer (default: a spec JSON error body). */
  body?: string;
  /** Extra headers of the `status` answer. */
  headers?: Record<string, string>;
  /** `Retry-After` of the `status` answer. */
  retryAfter?: string;
  /** Destroy the connection, before answering or after sending half of the real response body. */
  reset?: 'before-response' | 'mid-body';
  /** Wait this long before doing anything else. */
  delayMs?: number;
  /** Send the real response body at this rate. */
  slowBodyBytesPerSecond?: number;
  /** Answer `307` to the same path and query on this origin (e.g. a {@link BlobMirror}'s `url`). */
  redirectTo?: string;
  /** Perform the real operation, then destroy the connection without answering. */
  dropAfterCommit?: boolean;
  /** Perform the real operation and answer without these response headers (any case), e.g. `['Docker-Content-Digest']`. */
  omitHeaders?: string[];
}

/** Controls the faults of a running registry. */
export interface FaultInjector {
  /** Adds a fault; faults are matched in the order they were added, one fault per request. */
  add(fault: Fault): void;
  /** Removes every fault. */
  clear(): void;
  /** How many injections remain (sum of the remaining `times`). */
  pending(): number;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
}

/** The registry's fault list. */
export class FaultList implements FaultInjector {
  private active: ActiveFault[] = [];

  add(fault: Fault): void {
    checkFault(fault);
    this.active.push({ fault: { ...fault }, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.active = [];
  }

  pending(): number {
    return this.active.reduce((sum, f) => sum + f.remaining, 0);
  }

  /** Consumes and returns the first fault matching this request, if any. */
  take(method: string, path: string, pathAndQuery: string): Fault | undefined {
    const index = this.active.findIndex((f) => matches(f.fault, method, path, pathAndQuery));
    const found = this.active[index];
    if (!found) return undefined;
    found.remaining -= 1;
    if (found.remaining <= 0) this.active.splice(index, 1);
    return found.fault;
  }
}

function matches(fault: Fault, method: string, path: string, pathAndQuery: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method) return false;
  if (fault.path === undefined) return true;
  if (typeof fault.path === 'string') return fault.path === path || fault.path === pathAndQuery;
  fault.path.lastIndex = 0;
  return fault.path.test(pathAndQuery);
}

function checkFault(fault: Fault): void {
  const problem = (message: string): never => {
    throw new ValidationError(`invalid fault: ${message}`);
  };
  if (typeof fault !== 'object' || fault === null) problem('expected an object');
  const { times, status, reset, delayMs, slowBodyBytesPerSecond, redirectTo } = fault;
  if (times !== undefined && !(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times > 0))) {
    problem(`times must be a positive integer or Infinity, got ${String(times)}`);
  }
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599)) {
    problem(`status must be an HTTP status between 200 and 599, got ${String(status)}`);
  }
  if (reset !== undefined && reset !== 'before-response' && reset !== 'mid-body') {
    problem(`reset must be 'before-response' or 'mid-body', got ${JSON.stringify(reset)}`);
  }
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) problem('delayMs must be a non-negative number');
  if (slowBodyBytesPerSecond !== undefined && !(Number.isFinite(slowBodyBytesPerSecond) && slowBodyBytesPerSecond > 0)) {
    problem('slowBodyBytesPerSecond must be a positive number');
  }
  if (redirectTo !== undefined && !/^https?:\/\/[^/?#\s]+$/i.test(redirectTo.replace(/\/$/, ''))) {
    problem(`redirectTo must be an origin such as http://127.0.0.1:8080, got ${JSON.stringify(redirectTo)}`);
  }
  if (fault.path !== undefined && typeof fault.path !== 'string' && !(fault.path instanceof RegExp)) {
    problem('path must be a string or a RegExp');
  }
  const { omitHeaders } = fault;
  if (omitHeaders !== undefined && !(Array.isArray(omitHeaders) && omitHeaders.length > 0 && omitHeaders.every((h) => typeof h === 'string' && h !== ''))) {
    problem('omitHeaders must be a non-empty list of header names');
  }
  const effects = [status, reset, delayMs, slowBodyBytesPerSecond, redirectTo, fault.dropAfterCommit || undefined, omitHeaders];
  if (effects.every((e) => e === undefined)) {
    problem('no effect given (status, reset, delayMs, slowBodyBytesPerSecond, redirectTo, dropAfterCommit or omitHeaders)');
  }
}
