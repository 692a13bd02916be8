import { AbortError, NetworkError, RegistryError } from '../errors.js';
import { abortError, sleep } from '../util/abort.js';
import { isSecondaryRateLimit } from './error-hints.js';

/** How failed requests are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (default 4). `0` turns retrying off. */
  retries?: number;
  /** First backoff delay in ms (default 200); doubles each retry, with jitter. */
  minDelayMs?: number;
  /** Longest backoff delay in ms (default 10 s). */
  maxDelayMs?: number;
  /** Longest `Retry-After` wait honoured, in ms (default 60 s); a registry asking for more fails at once. */
  maxRetryAfterMs?: number;
  /** HTTP statuses that are retried (default 408, 429, 500, 502, 503, 504). */
  statuses?: number[];
}

export const DEFAULT_RETRY_STATUSES = [408, 429, 500, 502, 503, 504];

/** Network error codes that mean the request can never succeed as it is (a bad certificate, a wrong protocol). */
const PERMANENT_NETWORK_CODES = new Set([
  'ENOTFOUND',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export interface ResolvedRetryPolicy {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  statuses: ReadonlySet<number>;
}

export function resolveRetryPolicy(options: RetryOptions | false | undefined): ResolvedRetryPolicy {
  const o = options === false ? { retries: 0 } : (options ?? {});
  return {
    retries: Math.max(0, o.retries ?? 4),
    minDelayMs: o.minDelayMs ?? 200,
    maxDelayMs: o.maxDelayMs ?? 10_000,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 60_000,
    statuses: new Set(o.statuses ?? DEFAULT_RETRY_STATUSES),
  };
}

/** True when another attempt may succeed: a transient network failure or a retryable status. */
export function isRetryableError(error: unknown, policy: ResolvedRetryPolicy): boolean {
  if (error instanceof NetworkError) return !(error.code && PERMANENT_NETWORK_CODES.has(error.code));
  if (error instanceof RegistryError) return policy.statuses.has(error.status) || isSecondaryRateLimit(error);
  return false;
}

/**
 * Error codes the distribution-spec defines for a verdict on the request itself (what it names,
 * its content, its permissions): the same request gets the same answer, whatever the status.
 */
const DETERMINISTIC_CODES = new Set([
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
]);

/**
 * How many of the policy's retries a failure may use. A 500 that carries a well-formed
 * distribution error body was answered by the registry's own code, not by a proxy or an
 * overloaded front end: with a code the spec defines for a verdict on the request it is not
 * retried at all, otherwise (`UNKNOWN`, a code of the registry's own) once, in case it was a
 * passing storage failure. Everything else retryable gets the whole budget.
 */
export function retryBudget(error: unknown, policy: ResolvedRetryPolicy): number {
  if (error instanceof RegistryError && error.status === 500 && error.codes.length > 0) {
    return error.codes.some((code) => DETERMINISTIC_CODES.has(code)) ? 0 : Math.min(1, policy.retries);
  }
  return policy.retries;
}

/** True when the attempt numbered `attempt` (from 1) failed with `error` and another may follow. */
function mayRetry(error: unknown, attempt: number, policy: ResolvedRetryPolicy, signal: AbortSignal | undefined): boolean {
  return !signal?.aborted && isRetryableError(error, policy) && attempt <= retryBudget(error, policy) && !retryAfterTooLong(error, policy);
}

/**
 * Parses `Retry-After` as delay-seconds or an HTTP-date. Returns milliseconds from `now`
 * (never negative), or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const when = Date.parse(trimmed);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, when - now);
}

export interface RetryContext {
  policy: ResolvedRetryPolicy;
  signal?: AbortSignal;
  /** False when the request body cannot be sent again: then nothing is retried. */
  replayable?: boolean;
  /** Names what is retried in the error when the signal aborts. */
  operation?: string;
  /** Called before each retry (for logging and tests). */
  onRetry?: (info: { attempt: number; error: Error; delayMs: number }) => void;
}

/**
 * Runs `attempt` with jittered, bounded exponential backoff: before retry number k (from 1), a wait
 * of `minDelayMs × 2^(k-1)` times a random factor in [1, 2), at most `maxDelayMs`. `Retry-After`
 * asked for by a 429/503 is honoured up to the policy's cap, before that backoff. Nothing is retried
 * once the caller aborted. A loop of its own rather than a retry library's: every request of the
 * client goes through here, nearly always succeeding at once, and a library's options set up and
 * checked per call were a measurable part of a small request's CPU.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, ctx: RetryContext): Promise<T> {
  const { policy, signal } = ctx;
  const retries = ctx.replayable === false ? 0 : policy.retries;
  if (retries === 0) return attempt(1);
  try {
    for (let attemptNumber = 1; ; attemptNumber++) {
      signal?.throwIfAborted();
      try {
        const result = await attempt(attemptNumber);
        // An abort that came while the answer was read still ends the call as aborted.
        signal?.throwIfAborted();
        return result;
      } catch (thrown) {
        const error = thrown instanceof Error ? thrown : new TypeError(`a request attempt failed with a value that is not an Error: ${String(thrown)}`);
        if (attemptNumber > retries || !mayRetry(error, attemptNumber, policy, signal)) throw error;
        const retryAfter = error instanceof RegistryError ? error.retryAfterMs : undefined;
        if (retryAfter !== undefined && retryAfter <= policy.maxRetryAfterMs) {
          ctx.onRetry?.({ attempt: attemptNumber, error, delayMs: retryAfter });
          await sleep(retryAfter, signal, ctx.operation);
        } else {
          ctx.onRetry?.({ attempt: attemptNumber, error, delayMs: -1 });
        }
        await sleep(Math.min(Math.round((Math.random() + 1) * policy.minDelayMs * 2 ** (attemptNumber - 1)), policy.maxDelayMs), signal, ctx.operation);
      }
    }
  } catch (error) {
    if (signal?.aborted && !(error instanceof AbortError)) throw abortError(signal, ctx.operation ?? 'request');
    throw error;
  }
}

function retryAfterTooLong(error: unknown, policy: ResolvedRetryPolicy): boolean {
  return error instanceof RegistryError && error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxRetryAfterMs;
}
