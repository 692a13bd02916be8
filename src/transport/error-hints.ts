import type { RegistryError } from '../errors.js';

/**
 * What registries say about a failure in their own words, beyond the spec's codes: a wait given only in
 * the message, a secondary rate limit, a repository that must be created first.
 */

const GO_DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The wait a 429 asks for in its message, as GHCR writes it (`retry-after: 880.092µs, allowed: 44000/minute`),
 * in milliseconds; undefined when there is none. The value is a Go duration (`1m30s`, `1.16676ms`).
 */
export function retryAfterFromMessage(text: string): number | undefined {
  const match = /retry-after:\s*((?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+)/i.exec(text);
  if (!match?.[1]) return undefined;
  let ms = 0;
  for (const [, amount, unit] of match[1].matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)) {
    ms += Number(amount) * (GO_DURATION_UNITS[unit ?? 'ms'] ?? 1);
  }
  return ms;
}

/** True for GitHub's "You have exceeded a secondary rate limit" 403: a wait, not a refusal. */
export function isSecondaryRateLimit(error: RegistryError): boolean {
  return error.status === 403 && /secondary rate limit/i.test(error.message);
}

/** A hint for a failure whose code alone does not say what to do, or undefined. */
export function hintFor(method: string, status: number, codes: readonly string[]): string | undefined {
  const writes = method === 'POST' || method === 'PUT' || method === 'PATCH';
  if (writes && status === 404 && codes.includes('NAME_UNKNOWN')) {
    return 'the repository does not exist and this registry does not create it on push: create the repository first (on ECR: aws ecr create-repository)';
  }
  return undefined;
}

/** The start of a non-JSON error body, on one line, for the error message; undefined when empty. */
export function plainTextBody(text: string, limit = 200): string | undefined {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return line.length > limit ? `${line.slice(0, limit)}…` : line;
}
