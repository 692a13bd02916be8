import { describe, expect, it } from 'vitest';
import { NetworkError, RegistryError, redact, redactValue, rememberSecret } from '../../src/errors.js';
import { redactHeaders } from '../../src/transport/http-events.js';

describe('remembered secrets', () => {
  it('keeps configured credentials redacted however many tokens a long-running process sees', () => {
    const password = 'correct-horse-battery-staple-7';
    rememberSecret(password);
    for (let i = 0; i < 3000; i++) rememberSecret(`opaque-token-${i}-abcdef`, 'token');
    expect(redact(`login with ${password} failed`)).toBe('login with [REDACTED] failed');
    // The newest tokens are still known; the oldest were forgotten past the cap.
    expect(redact('sent opaque-token-2999-abcdef')).toBe('sent [REDACTED]');
    expect(redact('sent opaque-token-0-abcdef')).toBe('sent opaque-token-0-abcdef');
  });
});

describe('secrets with characters that JSON escapes', () => {
  it('are redacted in their JSON-escaped and percent-encoded forms too', () => {
    const password = 'q"uo\\te-✓-\u0007-9';
    rememberSecret(password);
    const escaped = JSON.stringify(password).slice(1, -1);
    expect(redact(`{"note":"${escaped}"}`)).toBe('{"note":"[REDACTED]"}');
    expect(redact(`?p=${encodeURIComponent(password)}&x=1`)).toBe('?p=[REDACTED]&x=1');
    expect(redact(`plain ${password}`)).toBe('plain [REDACTED]');
  });

  it('redactValue walks strings, keys, arrays and nesting, and survives cycles', () => {
    const password = 'walk"me\\please-42';
    rememberSecret(password);
    const cyclic: Record<string, unknown> = { text: `a ${password}` };
    cyclic['self'] = cyclic;
    expect(redactValue({ [password]: [1, null, { deep: password }], cyclic })).toEqual({
      '[REDACTED]': [1, null, { deep: '[REDACTED]' }],
      cyclic: { text: 'a [REDACTED]', self: '[REDACTED: too deep]' },
    });
  });

  it('RegistryError redacts its errors entries however they were built, and shows a detail that says something', () => {
    const password = 'detail"secret\\77';
    rememberSecret(password);
    const error = new RegistryError('PUT manifest r/app:1', 500, [
      { code: 'UNKNOWN', message: 'unknown error', detail: { reason: `no ${password}` } },
      { code: 'DENIED', detail: {} },
    ]);
    expect(error.errors[0]?.detail).toEqual({ reason: 'no [REDACTED]' });
    expect(error.message).toBe('PUT manifest r/app:1 failed with HTTP 500: UNKNOWN: unknown error [detail: {"reason":"no [REDACTED]"}]; DENIED');
    expect(JSON.stringify(error)).not.toContain('secret');
  });

  it('a cause thrown by a lower layer loses the secret from its message and stack', () => {
    const password = 'cause-secret-"x"-5';
    rememberSecret(password);
    const cause = new Error(`socket said ${password}`);
    const error = new NetworkError('GET x', 'failed', { cause });
    expect(String((error.cause as Error).message)).toBe('socket said [REDACTED]');
    expect(String((error.cause as Error).stack)).not.toContain(password);
  });
});

describe('signed blob URLs of CDNs', () => {
  it('lose their signatures: Docker Hub\'s Cloudflare verify=, CloudFront Key-Pair-Id, Policy and Signature', () => {
    const hub = 'https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/sha256/ab/abcd/data?verify=1764662400-Qm9vZ2xlU2lnbmF0dXJlMTIz';
    expect(redact(hub)).not.toContain('Qm9vZ2xlU2lnbmF0dXJlMTIz');
    expect(redact(hub)).toContain('verify=[REDACTED]');
    const cloudFront = 'https://d1.cloudfront.net/blob?Expires=1&Policy=eyJzZWNyZXQiOjF9&Signature=abcDEF123&Key-Pair-Id=APKAEXAMPLE';
    for (const secret of ['eyJzZWNyZXQiOjF9', 'abcDEF123', 'APKAEXAMPLE']) expect(redact(cloudFront)).not.toContain(secret);
  });
});

describe('challenges (WWW-Authenticate) as --debug prints them', () => {
  it('keep realm, service and scope readable, and still lose credentials and secrets in the realm', () => {
    const challenge = 'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push"';
    expect(redactHeaders({ 'WWW-Authenticate': challenge })).toEqual({ 'www-authenticate': challenge });
    expect(redactHeaders({ 'WWW-Authenticate': 'Basic realm="Registry Realm"' })).toEqual({ 'www-authenticate': 'Basic realm="Registry Realm"' });
    expect(redactHeaders({ 'Proxy-Authenticate': 'bearer realm=https://auth.example.com/token,service=s' })).toEqual({ 'proxy-authenticate': 'bearer realm=https://auth.example.com/token,service=s' });

    const secretRealm = 'Bearer realm="https://robot:hunter2secret@auth.example.com/token?access_token=abcSECRET123&x=1",service="s"';
    expect(redactHeaders({ 'WWW-Authenticate': secretRealm })['www-authenticate']).toBe('Bearer realm="https://[REDACTED]@auth.example.com/token?access_token=[REDACTED]&x=1",service="s"');
    // Credentials themselves, token68 padding included, are still removed.
    expect(redact('Authorization: Basic dXNlcjpwYXNzd29yZA==')).toBe('Authorization: Basic [REDACTED]');
    expect(redact('Authorization: Basic YWI=')).toBe('Authorization: Basic [REDACTED]');
    expect(redact('Authorization: Bearer abc.def-ghi_123')).toBe('Authorization: Bearer [REDACTED]');
    expect(redactHeaders({ Authorization: 'Bearer realm=x' })).toEqual({ authorization: '[REDACTED]' });
    // A single '=' of padding followed by a quote, as JSON and util.inspect print a header.
    expect(redact('{"authorization":"Basic QVdTOnNlY3JldHRva2VudmFsdWUxMjM="}')).toBe('{"authorization":"Basic [REDACTED]"}');
    expect(redact("authorization: 'Basic QVdTOnNlY3JldHRva2VudmFsdWUxMjM='")).toBe("authorization: 'Basic [REDACTED]'");
  });
});
