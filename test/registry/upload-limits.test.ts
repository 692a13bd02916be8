// Upload sessions left open cost nothing but a small record: no file descriptor between requests, a
// cap per repository and in total (429 TOOMANYREQUESTS naming the limit), and expiry on a timer.
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isValidationError } from '../../src/errors.js';
import { startRegistry, type RegistryOptions, type RunningRegistry } from '../../src/registry/index.js';
import { codes, eventually, pushBlob, raw, sha256, useTempDir } from '../helpers/registry-helpers.js';

const temp = useTempDir('mp-registry-uploads-');
const open: RunningRegistry[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

let stores = 0;
async function start(options: RegistryOptions = {}): Promise<{ registry: RunningRegistry; dir: string }> {
  const dir = join(temp.path, `store-${++stores}`);
  const registry = await startRegistry({ storage: { dir }, ...options });
  open.push(registry);
  return { registry, dir };
}

/** Starts a session and sends one chunk to it; returns its location. */
async function idleSession(registry: RunningRegistry, repository: string): Promise<string> {
  const started = await raw(registry, `/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(started.status).toBe(202);
  const location = started.headers.location as string;
  expect((await raw(registry, location, { method: 'PATCH', body: 'some bytes' })).status).toBe(202);
  return location;
}

const realSetInterval = globalThis.setInterval;
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('idle upload sessions', () => {
  it('hold no file descriptor between requests', async () => {
    const { registry, dir } = await start();
    await raw(registry, '/v2/');
    const before = openFds();
    const locations: string[] = [];
    for (let i = 0; i < 60; i++) locations.push(await idleSession(registry, 'fd/app'));
    // the client sockets of those requests are closed by now, or nearly
    await eventually(async () => expect(openFds() - before).toBeLessThan(10));
    expect(await readdir(join(dir, 'uploads'))).toHaveLength(60);
    // and every session still works: append, then commit
    const content = 'some bytes and the rest';
    const last = locations[59]!;
    expect((await raw(registry, last, { method: 'PATCH', body: ' and the rest' })).status).toBe(202);
    expect((await raw(registry, `${last}?digest=${sha256(content)}`, { method: 'PUT' })).status).toBe(201);
    expect((await raw(registry, `/v2/fd/app/blobs/${sha256(content)}`)).text).toBe(content);
  });

  it('are discarded, with their bytes, once idle for uploadSessions.idleSeconds, without a new session starting', async () => {
    const { registry, dir } = await start({ uploadSessions: { idleSeconds: 0.2 } });
    const location = await idleSession(registry, 'idle/app');
    expect((await raw(registry, location)).status).toBe(204);
    await eventually(async () => {
      expect((await raw(registry, location)).status).toBe(404);
      expect(await readdir(join(dir, 'uploads'))).toEqual([]);
    }, 3000);
  });

  it('a session in use is not expired', async () => {
    const { registry } = await start({ uploadSessions: { idleSeconds: 0.3 } });
    const started = await raw(registry, '/v2/busy/app/blobs/uploads/', { method: 'POST' });
    const location = started.headers.location as string;
    const pieces = Array.from({ length: 10 }, () => Buffer.from('0123456789'));
    const patched = await raw(registry, location, { method: 'PATCH', body: pieces, gapMs: 100 });
    expect(patched.status).toBe(202);
    expect(patched.headers.range).toBe('0-99');
  });
});

describe('upload session limits', () => {
  it('past uploadSessions.perRepository or .total a new session is 429 TOOMANYREQUESTS naming the limit', async () => {
    const { registry } = await start({ uploadSessions: { perRepository: 3, total: 5 } });
    const inA = [await idleSession(registry, 'a/app'), await idleSession(registry, 'a/app'), await idleSession(registry, 'a/app')];
    const perRepository = await raw(registry, '/v2/a/app/blobs/uploads/', { method: 'POST' });
    expect(perRepository.status).toBe(429);
    expect(codes(perRepository)).toEqual(['TOOMANYREQUESTS']);
    expect(perRepository.json().errors[0].message).toMatch(/repository a\/app has 3 open upload sessions, the limit of 3 per repository/);
    await idleSession(registry, 'b/app');
    await idleSession(registry, 'b/app');
    const total = await raw(registry, '/v2/c/app/blobs/uploads/', { method: 'POST' });
    expect(total.status).toBe(429);
    expect(total.json().errors[0].message).toMatch(/this registry has 5 open upload sessions, its limit of 5/);
    // a monolithic upload opens no session, so it still works at the limit
    expect(await pushBlob(registry, 'c/app', 'whole')).toBe(sha256('whole'));
    // cancelling one frees its place
    expect((await raw(registry, inA[0]!, { method: 'DELETE' })).status).toBe(204);
    expect((await raw(registry, '/v2/a/app/blobs/uploads/', { method: 'POST' })).status).toBe(202);
  });

  it('the expiry timer does not keep the process alive and is cleared by close()', async () => {
    const created: NodeJS.Timeout[] = [];
    const setSpy = vi.spyOn(globalThis, 'setInterval').mockImplementation(((...args: Parameters<typeof setInterval>) => {
      const timer = realSetInterval(...args);
      created.push(timer);
      return timer;
    }) as typeof setInterval);
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    try {
      await start({ uploadSessions: { idleSeconds: 1 } });
      setSpy.mockRestore();
      expect(created).toHaveLength(1);
      expect(created[0]!.hasRef()).toBe(false);
      await open.pop()!.close();
      expect(clearSpy).toHaveBeenCalledWith(created[0]);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it.each([
    [{ perRepository: 0 }, /uploadSessions.perRepository must be a positive integer, got 0/],
    [{ total: 1.5 }, /uploadSessions.total must be a positive integer, got 1.5/],
    [{ idleSeconds: -1 }, /uploadSessions.idleSeconds must be a positive number, got -1/],
    [{ idleSeconds: Number.NaN }, /uploadSessions.idleSeconds must be a positive number, got NaN/],
  ])('%o is refused with a ValidationError naming it', async (uploadSessions, message) => {
    await expect(startRegistry({ uploadSessions })).rejects.toSatisfy((e: unknown) => isValidationError(e) && message.test((e as Error).message));
  });
});

describe('maxUploadRequestBytes (a GHCR-like request size limit)', () => {
  it('answers an upload request over the limit with 416 and keeps the upload as it was', async () => {
    const { registry } = await start({ maxUploadRequestBytes: 1024 });
    const started = await raw(registry, '/v2/limit/app/blobs/uploads/', { method: 'POST' });
    const location = started.headers.location as string;
    const small = 'a'.repeat(1000);
    expect((await raw(registry, location, { method: 'PATCH', body: small })).status).toBe(202);
    const big = await raw(registry, location, { method: 'PATCH', body: 'b'.repeat(1025) });
    expect(big.status).toBe(416);
    expect(codes(big)).toEqual(['REQUESTED_RANGE_NOT_SATISFIABLE']);
    expect(big.text).toContain('exceeds the maximum permissible limit of 0.00MiB');
    const status = await raw(registry, location);
    expect(status.headers.range).toBe('0-999');
    const rest = 'c'.repeat(1000);
    const done = await raw(registry, `${location}?digest=${sha256(small + rest)}`, { method: 'PUT', body: rest });
    expect(done.status).toBe(201);
    const monolithic = await raw(registry, `/v2/limit/app/blobs/uploads/?digest=${sha256('d'.repeat(2000))}`, {
      method: 'POST',
      body: 'd'.repeat(2000),
    });
    expect(monolithic.status).toBe(416);
  });

  it('is checked like the other options', async () => {
    await expect(startRegistry({ maxUploadRequestBytes: 0 })).rejects.toThrow(/maxUploadRequestBytes must be a positive integer/);
  });
});
