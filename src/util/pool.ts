import { AbortError } from '../errors.js';

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, keeping the input order in the
 * result. After the first failure no new item is started; the calls already running are allowed
 * to settle (so no request is left dangling) and then the first failure is thrown.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;

  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        if (signal?.aborted) throw new AbortError('the operation was cancelled', { cause: signal.reason });
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
        }
      }
    }
  };

  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failed) throw firstError;
  return results;
}
