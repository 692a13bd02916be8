import { AbortError, TimeoutError, isTimeoutError } from '../errors.js';

/**
 * The {@link AbortError} for `operation` stopped by `signal`: a {@link TimeoutError} naming
 * `operation` when a deadline (see deadline.ts) fired, "timed out" for `AbortSignal.timeout`, else
 * "aborted by the caller".
 */
export function abortError(signal: AbortSignal | undefined, operation: string): AbortError {
  const reason = signal?.reason as { name?: string } | undefined;
  if (isTimeoutError(reason)) return new TimeoutError(operation, reason.timeoutMs, reason.call);
  return new AbortError(`${operation}: ${reason?.name === 'TimeoutError' ? 'timed out' : 'aborted by the caller'}`, { cause: signal?.reason });
}

/** Waits `ms`, or rejects with an {@link AbortError} when the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal, operation = 'waiting to retry'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal, operation));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal, operation));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits for `work` (shared with other callers) unless this caller's `signal` aborts first: then
 * only this caller gets an {@link AbortError}, and the shared work goes on for the others.
 */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal | undefined, operation: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortError(signal, operation));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, operation));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
