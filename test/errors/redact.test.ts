import { describe, expect, it } from 'vitest';
import { redact, rememberSecret } from '../../src/errors.js';

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
