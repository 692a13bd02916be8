import { redact } from '../errors.js';

/**
 * What {@link HttpTransport} reports of each request it sends and each answer it gets (or the
 * failure that came instead: refused connection, TLS error, timeout), for `--debug` style logs. Credentials are already removed: a listener may print the event as it is.
 */
export type HttpEvent =
  | { kind: 'request'; method: string; url: string; headers: Record<string, string> }
  | { kind: 'response'; method: string; url: string; status: number; headers: Record<string, string | string[]> }
  | { kind: 'failure'; method: string; url: string; message: string };

/** Headers whose whole value is a secret (or carries one) and is never shown. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-registry-auth', 'x-auth-token', 'x-amz-security-token']);

const REDACTED = '[REDACTED]';

/** A header value with credentials removed: secret headers whole, any other through {@link redact}. */
function redactHeaderValue(name: string, value: string): string {
  return SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : redact(value);
}

/** A copy of `headers` fit to print: names lower-cased, secret values replaced, absent values dropped. */
export function redactHeaders<V extends string | string[] | undefined>(headers: Record<string, V>): Record<string, Exclude<V, undefined>> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    out[key] = Array.isArray(value) ? value.map((v) => redactHeaderValue(key, v)) : redactHeaderValue(key, value);
  }
  return out as Record<string, Exclude<V, undefined>>;
}

/** A URL fit to print: userinfo and signed or secret query parameters removed. */
export function redactUrl(url: URL | string): string {
  return redact(url.toString());
}
