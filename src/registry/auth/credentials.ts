import { createHash, timingSafeEqual } from 'node:crypto';

/** Username and password from an `Authorization: Basic` header, or undefined. */
export function parseBasicAuthorization(value: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of an `Authorization: Bearer` header, or undefined. */
export function parseBearerAuthorization(value: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match?.[1];
}

/** Constant-time string comparison. */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Who may log in: one username and password, or a verifier (the accounts of an htpasswd file). */
export type Accounts = { username: string; password: string } | { verify(given: { username: string; password: string }): boolean };

/** True when `given` are the configured credentials, or credentials the configured verifier accepts. */
export function credentialsMatch(given: { username: string; password: string } | undefined, expected: Accounts): boolean {
  if (!given) return false;
  if ('verify' in expected) return expected.verify(given);
  // Evaluate both comparisons, so that timing does not tell which part was wrong.
  const userOk = secretEquals(given.username, expected.username);
  const passwordOk = secretEquals(given.password, expected.password);
  return userOk && passwordOk;
}
