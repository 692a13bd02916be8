import { Readable } from 'node:stream';
import { TimeoutError } from '../errors.js';

/**
 * Runs `call` under an overall deadline of `timeoutMs` (none when 0 or undefined): `call` gets
 * `options` with a signal that aborts when the caller's signal does or when the deadline passes,
 * with a {@link TimeoutError} naming `operation` as the reason. Retries, backoff and token requests
 * all count against it. A `Readable` result keeps the deadline until the stream closes, so a body
 * that trickles in forever is cut too.
 */
export async function withDeadline<O extends { signal?: AbortSignal }, T>(
  timeoutMs: number | undefined,
  operation: string,
  options: O,
  call: (options: O) => Promise<T>,
): Promise<T> {
  if (!timeoutMs) return call(options);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(operation, timeoutMs)), timeoutMs);
  timer.unref?.();
  const clear = () => clearTimeout(timer);
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  let result: T;
  try {
    result = await call({ ...options, signal });
  } catch (error) {
    clear();
    throw error;
  }
  if (result instanceof Readable && !result.closed) result.once('close', clear);
  else clear();
  return result;
}
