/**
 * The CLI's `--timeout DURATION`: how durations are read, and a real inspect that a trickling
 * registry (the embedded one, slow-body fault) would otherwise keep alive.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/duration.js';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import { RegistryClient } from '../../src/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { buildImage } from '../helpers/images.js';

describe('parseDuration', () => {
  it('reads units and plain milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('0')).toBe(0);
  });

  it('refuses what is not a duration', () => {
    for (const text of ['', 's', '-1s', '5d', '1e3', 'soon', '10 s']) expect(parseDuration(text)).toBeUndefined();
  });
});

describe('--timeout', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.close();
  });

  async function cli(argv: string[]) {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (chunk) => void (stdout += String(chunk)) },
      stderr: { write: (chunk) => void (stderr += String(chunk)) },
      readStdin: async () => '',
      env: { HOME: '/nonexistent', PATH: process.env.PATH },
    };
    return { code: await run(argv, io), stdout, stderr };
  }

  it('ends an inspect whose manifest trickles in, with status 1 and the deadline named', async () => {
    const repo = `cli/timeout-${randomBytes(4).toString('hex')}`;
    const ref = `${registry.host}/${repo}:v1`;
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'timeout test' });
    const client = new RegistryClient({ dockerConfig: false, env: {} });
    try {
      for (const blob of [image.config, ...image.layers]) await client.pushBlob(ref, blob.bytes);
      await client.putManifest(ref, image.manifest.bytes);
    } finally {
      await client.close();
    }
    registry.faults.add({ method: 'GET', path: `/v2/${repo}/manifests/v1`, slowBodyBytesPerSecond: 5, times: Infinity });

    const started = performance.now();
    const result = await cli(['inspect', '--timeout', '800ms', ref]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the 800 ms deadline of inspect');
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('exits 2 for a value that is not a duration', async () => {
    const result = await cli(['inspect', '--timeout', 'soon', `${registry.host}/cli/x:1`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--timeout must be a duration such as 30s, 5m, 1h or 1500 (milliseconds), got "soon"');
  });
});
