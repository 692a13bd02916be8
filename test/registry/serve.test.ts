import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetworkError, ValidationError } from '../../src/errors.js';
import { serveRegistry, startRegistry, type ServeRegistryIo } from '../../src/registry/index.js';
import { raw, useTempDir, waitUntil } from '../helpers/registry-helpers.js';

function capture() {
  const out = { text: '' };
  return { out, stream: { write: (t: string) => ((out.text += t), true) } };
}

/** An io whose interrupt is `stop.abort()`, counting the watches still open. */
function testIo(stop = new AbortController()) {
  const stdout = capture();
  const stderr = capture();
  const watches = { open: 0 };
  const io: ServeRegistryIo = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    watchInterrupts: () => {
      watches.open += 1;
      return { signal: stop.signal, dispose: () => void (watches.open -= 1) };
    },
  };
  return { io, stdout: stdout.out, stderr: stderr.out, stop, watches };
}

const temp = useTempDir('mp-registry-cli-');

describe('serveRegistry', () => {
  it('serves until interrupted, printing the URL, then closes and stops watching', async () => {
    const { io, stdout, stderr, stop, watches } = testIo();
    const running = serveRegistry({ port: 0, dir: join(temp.path, 'store'), host: '127.0.0.1', verbose: true }, io);
    try {
      await waitUntil(() => stdout.text.endsWith('\n'), 'the URL');
      const url = stdout.text.trim();
      expect(stderr.text).toContain(`listening on ${url}`);
      expect((await raw(url, '/v2/')).status).toBe(200);
      expect(stderr.text).toMatch(/GET \/v2\/ -> 200/);
      expect(watches.open).toBe(1);
    } finally {
      stop.abort();
      await running;
    }
    expect(stderr.text).toMatch(/stopped, closing\n$/);
    expect(watches.open).toBe(0);
    await expect(raw(stdout.text.trim(), '/v2/')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('says what interrupted it', async () => {
    const stop = new AbortController();
    const { io, stdout, stderr } = testIo(stop);
    const running = serveRegistry({}, io);
    await waitUntil(() => stdout.text.endsWith('\n'), 'the URL');
    stop.abort(new Error('interrupted by SIGTERM'));
    await running;
    expect(stderr.text).toMatch(/interrupted by SIGTERM, closing\n$/);
  });

  it('rejects with NetworkError when the port is taken, and stops watching', async () => {
    const taken = await startRegistry();
    try {
      const { io, watches } = testIo();
      const failure = serveRegistry({ port: taken.port }, io);
      await expect(failure).rejects.toBeInstanceOf(NetworkError);
      await expect(failure).rejects.toThrow(/EADDRINUSE/);
      expect(watches.open).toBe(0);
    } finally {
      await taken.close();
    }
  });

  it('checks its arguments', async () => {
    const { io } = testIo();
    await expect(serveRegistry(null as never, io)).rejects.toThrow(ValidationError);
    await expect(serveRegistry({ dir: '' }, io)).rejects.toThrow(/options\.dir/);
    await expect(serveRegistry({ port: 70000 }, io)).rejects.toThrow(/port must be an integer/);
    await expect(serveRegistry({}, { stdout: io.stdout } as never)).rejects.toThrow(/io needs/);
  });
});
