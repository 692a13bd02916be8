import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, RegistryError } from '../../src/errors.js';
import { resolveRetryPolicy, withRetry } from '../../src/transport/retry.js';

/**
 * The retry schedule the client documents, measured on a fake clock: before retry k (from 1) a
 * wait of minDelayMs × 2^(k−1) times a random factor in [1, 2), at most maxDelayMs; a Retry-After
 * within its cap is waited first, then that backoff; attempts are numbered from 1.
 */
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const unavailable = (retryAfterMs?: number) => new RegistryError('GET /v2/x/manifests/1', 503, [], retryAfterMs === undefined ? {} : { retryAfterMs });

/** Runs withRetry on a fake clock; every attempt but the last fails with `failure(n)`. Returns when each attempt started. */
async function schedule(policy: Parameters<typeof resolveRetryPolicy>[0], failures: number, failure: (n: number) => Error = () => unavailable()) {
  vi.useFakeTimers({ now: 0 });
  const started: Array<{ n: number; at: number }> = [];
  const retries: Array<{ attempt: number; delayMs: number }> = [];
  const run = withRetry(
    async (n) => {
      started.push({ n, at: Date.now() });
      if (n <= failures) throw failure(n);
      return 'done';
    },
    { policy: resolveRetryPolicy(policy), operation: 'GET /v2/x/manifests/1', onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }) },
  );
  const outcome = run.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return { outcome: await outcome, started, retries };
}

describe('withRetry: the schedule', () => {
  it('doubles from minDelayMs with the smallest random factor, capped at maxDelayMs', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { outcome, started } = await schedule({ retries: 5, minDelayMs: 100, maxDelayMs: 700 }, 5);
    expect(outcome).toEqual({ value: 'done' });
    expect(started.map(({ n }) => n)).toEqual([1, 2, 3, 4, 5, 6]);
    const waits = started.slice(1).map(({ at }, i) => at - started[i]!.at);
    expect(waits).toEqual([100, 200, 400, 700, 700]);
  });

  it('with the largest random factor waits just under twice as long, still capped', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const { started } = await schedule({ retries: 3, minDelayMs: 100, maxDelayMs: 500 }, 3);
    const waits = started.slice(1).map(({ at }, i) => at - started[i]!.at);
    expect(waits).toEqual([200, 400, 500]);
  });

  it('waits a Retry-After within its cap first, then the backoff, and reports each retry', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { outcome, started, retries } = await schedule({ retries: 2, minDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 }, 2, (n) => unavailable(n === 1 ? 3000 : undefined));
    expect(outcome).toEqual({ value: 'done' });
    expect(started.map(({ at }) => at)).toEqual([0, 3100, 3300]);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 3000 },
      { attempt: 2, delayMs: -1 },
    ]);
  });

  it('gives up after the policy’s retries with the last failure, and does not wait after it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { outcome, started } = await schedule({ retries: 2, minDelayMs: 100 }, 10);
    expect(started.map(({ at }) => at)).toEqual([0, 100, 300]);
    expect((outcome as { error: RegistryError }).error).toBeInstanceOf(RegistryError);
  });

  it('does not retry a Retry-After longer than its cap', async () => {
    const { outcome, started } = await schedule({ retries: 4, maxRetryAfterMs: 1000 }, 10, () => unavailable(60_000));
    expect(started).toHaveLength(1);
    expect((outcome as { error: RegistryError }).error.retryAfterMs).toBe(60_000);
  });

  it('an abort during the backoff ends the call at once as aborted, with no further attempt', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    let attempts = 0;
    const run = withRetry(
      async () => {
        attempts++;
        throw unavailable();
      },
      { policy: resolveRetryPolicy({ retries: 3, minDelayMs: 1000 }), signal: controller.signal, operation: 'GET /v2/x/manifests/1' },
    ).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(await run).toBeInstanceOf(AbortError);
    expect(attempts).toBe(1);
    expect(Date.now()).toBeLessThan(1000);
  });
});
