/**
 * The per-registry request cap (maxConcurrentRequests) against the embedded registry: a wait for a
 * slot ends on the request's AbortSignal (it leaves the queue), and the ranged GET that resumes a
 * broken download runs while another request holds the only slot.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { isAbortError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { startRegistry } from '../../src/registry/index.js';
import { RegistryConcurrency } from '../../src/transport/concurrency.js';
import { eventually } from '../helpers/registry-helpers.js';
import { pushBuiltImage } from '../helpers/images.js';

describe('one request slot per registry', async () => {
  const registry = await startRegistry();
  const client = new RegistryClient({ dockerConfig: false, env: {}, maxConcurrentRequests: 1, retry: { minDelayMs: 10, maxDelayMs: 50 } });
  afterAll(async () => {
    await client.close();
    await registry.close();
  });
  await pushBuiltImage(`${registry.host}/app:v1`, { os: 'linux', architecture: 'amd64', content: 'slot holder\n' });

  /** Starts a manifest GET that the registry holds back, so that it keeps the only slot until `release`. */
  async function holdTheSlot(): Promise<{ release(): void; settled: Promise<unknown> }> {
    registry.faults.add({ method: 'GET', path: '/v2/app/manifests/v1', delayMs: 20_000 });
    const holder = new AbortController();
    const settled = client.getManifest(`${registry.host}/app:v1`, { signal: holder.signal }).catch((error: unknown) => error);
    await eventually(async () => expect(registry.faults.pending()).toBe(0), 10_000);
    return { release: () => holder.abort(), settled };
  }

  it('lets an aborted wait leave the queue at once, with an AbortError', async () => {
    const slot = await holdTheSlot();
    const events: string[] = [];
    const waiter = new AbortController();
    const waiting = client.listTags(`${registry.host}/app`, { signal: waiter.signal }).catch((error: unknown) => error);
    waiter.abort();
    const outcome = await waiting;
    events.push('waiter settled');
    slot.release();
    await slot.settled;
    events.push('holder settled');

    expect(isAbortError(outcome), String(outcome)).toBe(true);
    expect(events).toEqual(['waiter settled', 'holder settled']);
    expect(registry.stats.byRoute['GET tags'] ?? 0).toBe(0);
    // The slot is free again: the next request runs.
    expect(await client.listTags(`${registry.host}/app`)).toEqual(['v1']);
  });

  it('resumes a broken download while another request holds the only slot', async () => {
    const bytes = randomBytes(64 * 1024);
    await client.pushBlob(`${registry.host}/app`, bytes);
    // Half the body, slowly, then the connection breaks: the stream resumes with a ranged GET.
    registry.faults.add({ method: 'GET', path: `/v2/app/blobs/${digestOf(bytes)}`, reset: 'mid-body', slowBodyBytesPerSecond: 40 * 1024 });
    const stream = await client.getBlob(`${registry.host}/app`, digestOf(bytes));
    const slot = await holdTheSlot();
    const events: string[] = [];
    const read = stream.toArray().then((chunks) => {
      const data = Buffer.concat(chunks as Buffer[]);
      events.push('download done');
      slot.release();
      return data;
    });
    void slot.settled.then(() => events.push('holder settled'));

    expect((await read).equals(bytes)).toBe(true);
    await slot.settled;
    expect(events).toEqual(['download done', 'holder settled']);
    expect(registry.stats.byRoute['GET blob']).toBeGreaterThanOrEqual(2);
  });
});

describe('RegistryConcurrency', () => {
  it('gives the slot to the next waiter still waiting, in order', async () => {
    const gates = new RegistryConcurrency(1);
    const order: string[] = [];
    let releaseFirst!: () => void;
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    const first = gates.run('r', () => {
      started();
      return new Promise<void>((resolve) => (releaseFirst = resolve)).then(() => order.push('first'));
    });
    await firstStarted;
    const quitter = new AbortController();
    const second = gates.run('r', async () => order.push('second'), { signal: quitter.signal, operation: 'second' }).catch((error: unknown) => error);
    const third = gates.run('r', async () => order.push('third'));
    quitter.abort();
    releaseFirst();
    await Promise.all([first, third]);
    expect(String(await second)).toContain('second: aborted by the caller');
    expect(order).toEqual(['first', 'third']);
  });
});
