import type { RegistryRateLimit } from '../../errors.js';

/**
 * Reads Docker Hub's quota headers (`ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 76;w=21600`);
 * undefined when `ratelimit-limit` is absent or unreadable.
 */
export function parseRateLimit(limitHeader: string | undefined, remainingHeader: string | undefined): RegistryRateLimit | undefined {
  const limit = quota(limitHeader);
  if (limit === undefined) return undefined;
  const remaining = quota(remainingHeader);
  const result: RegistryRateLimit = { limit: limit.count };
  if (remaining !== undefined) result.remaining = remaining.count;
  const windowSeconds = limit.windowSeconds ?? remaining?.windowSeconds;
  if (windowSeconds !== undefined) result.windowSeconds = windowSeconds;
  return result;
}

/** `N` or `N;w=S` (more `;name=value` parameters are ignored). */
function quota(value: string | undefined): { count: number; windowSeconds?: number } | undefined {
  if (value === undefined) return undefined;
  const [count, ...params] = value.split(';').map((part) => part.trim());
  if (count === undefined || !/^\d+$/.test(count)) return undefined;
  const window = params.map((p) => /^w=(\d+)$/i.exec(p)?.[1]).find((w) => w !== undefined);
  return window === undefined ? { count: Number(count) } : { count: Number(count), windowSeconds: Number(window) };
}
