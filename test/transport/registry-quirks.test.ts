import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/errors.js';
import { RegistryConcurrency, defaultConcurrency } from '../../src/transport/concurrency.js';
import { hintFor, isSecondaryRateLimit, plainTextBody, retryAfterFromMessage } from '../../src/transport/error-hints.js';
import { parseRateLimit } from '../../src/transport/headers/rate-limit.js';

describe('retryAfterFromMessage', () => {
  it.each([
    ['retry-after: 880.092µs, allowed: 44000/minute', 0.880092],
    ['toomanyrequests: retry-after: 1.16676ms, allowed: 44000/minute', 1.16676],
    ['TOOMANYREQUESTS: retry-after: 10.305464ms, allowed: 2000/minute', 10.305464],
    ['retry-after: 1m30s', 90_000],
    ['retry-after: 2s', 2000],
  ])('%s -> %f ms', (text, ms) => {
    expect(retryAfterFromMessage(text)).toBeCloseTo(ms, 6);
  });

  it.each(['You have reached your pull rate limit', 'retry-after: soon', ''])('%j has no wait', (text) => {
    expect(retryAfterFromMessage(text)).toBeUndefined();
  });
});

describe('parseRateLimit', () => {
  it("reads Docker Hub's headers", () => {
    expect(parseRateLimit('100;w=21600', '76;w=21600')).toEqual({ limit: 100, remaining: 76, windowSeconds: 21600 });
    expect(parseRateLimit('200', undefined)).toEqual({ limit: 200 });
  });

  it.each([[undefined], ['many'], [''], ['-1;w=5']])('ignores limit %j', (limit) => {
    expect(parseRateLimit(limit, '1')).toBeUndefined();
  });
});

describe('registry wording', () => {
  it('a 403 secondary rate limit is a wait; another 403 is a refusal', () => {
    const limited = new RegistryError('POST upload', 403, [{ code: 'DENIED', message: 'You have exceeded a secondary rate limit.' }]);
    expect(isSecondaryRateLimit(limited)).toBe(true);
    expect(isSecondaryRateLimit(new RegistryError('POST upload', 403, [{ code: 'DENIED', message: 'requested access to the resource is denied' }]))).toBe(false);
  });

  it('NAME_UNKNOWN on a write says to create the repository; on a read it says nothing', () => {
    expect(hintFor('POST', 404, ['NAME_UNKNOWN'])).toMatch(/create the repository first/);
    expect(hintFor('GET', 404, ['NAME_UNKNOWN'])).toBeUndefined();
    expect(hintFor('PUT', 404, ['MANIFEST_UNKNOWN'])).toBeUndefined();
  });

  it('plain-text bodies are shown on one line, cut at the limit', () => {
    expect(plainTextBody('404 page not found\n')).toBe('404 page not found');
    expect(plainTextBody('  \n')).toBeUndefined();
    expect(plainTextBody('x'.repeat(10), 4)).toBe('xxxx…');
  });
});

describe('RegistryConcurrency', () => {
  it('caps known rate-limited hosts only', () => {
    expect(defaultConcurrency('ghcr.io')).toBe(6);
    expect(defaultConcurrency('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toBe(6);
    expect(defaultConcurrency('docker.io')).toBe(6);
    expect(defaultConcurrency('localhost:5000')).toBe(Number.POSITIVE_INFINITY);
  });

  it('never runs more than the cap at once per registry, and registries do not wait on each other', async () => {
    const gate = new RegistryConcurrency(2);
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const task = (registry: string) =>
      gate.run(registry, async () => {
        running.set(registry, (running.get(registry) ?? 0) + 1);
        peak.set(registry, Math.max(peak.get(registry) ?? 0, running.get(registry)!));
        await new Promise((r) => setTimeout(r, 5));
        running.set(registry, running.get(registry)! - 1);
      });
    await Promise.all([...Array.from({ length: 10 }, () => task('a')), ...Array.from({ length: 10 }, () => task('b'))]);
    expect(peak.get('a')).toBe(2);
    expect(peak.get('b')).toBe(2);
  });

  it('frees the slot of a failed request', async () => {
    const gate = new RegistryConcurrency(1);
    await expect(gate.run('r', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run('r', async () => 'next')).resolves.toBe('next');
  });
});
