/**
 * One library blob transfer in a process of its own, so that its peak RSS is the library's alone.
 * Prints one JSON line: `{ ms, cpuMs, bytes, outcome, maxRssBytes }`. `ms` covers the transfer only
 * (not Node's start-up nor the import).
 *
 *   node bench/blob-worker.mjs push  HOST REPO FILE DIGEST SIZE   # pushBlob(file, { digest, size })
 *   node bench/blob-worker.mjs push-hash HOST REPO FILE - SIZE     # pushBlob(file): hashed while it is sent
 *   node bench/blob-worker.mjs pull  HOST REPO - DIGEST SIZE       # getBlob → discarding sink (digest verified)
 *   node bench/blob-worker.mjs hash  - - FILE - SIZE               # sha256 of the file, 1 MiB reads
 *   node bench/blob-worker.mjs hash-memory - - - - SIZE            # sha256 of SIZE bytes already in memory
 *   node bench/blob-worker.mjs idle                                # import the library, do nothing
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryClient } from 'multiplatform';
import { nowMs } from './lib/stats.mjs';

const [mode, host, repo, file, digestArg, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
const digest = digestArg === '-' ? undefined : digestArg;

function peakRssBytes() {
  // VmHWM is the kernel's high-water mark of this process's resident set.
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

async function transfer() {
  if (mode === 'idle') return { bytes: 0, outcome: 'idle' };
  if (mode === 'hash') {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { bytes, outcome: `sha256:${hash.digest('hex')}` };
  }
  if (mode === 'hash-memory') {
    const block = randomBytes(16 << 20);
    const hash = createHash('sha256');
    const start = nowMs();
    for (let done = 0; done < size; done += block.length) hash.update(done + block.length <= size ? block : block.subarray(0, size - done));
    hash.digest();
    return { bytes: size, outcome: 'hashed', ms: nowMs() - start };
  }
  const client = new RegistryClient({ dockerConfig: false });
  try {
    const target = `${host}/${repo}`;
    if (mode === 'push' || mode === 'push-hash') {
      const result = await client.pushBlob(target, file, { digest, size });
      if (result.size !== size) throw new Error(`pushed ${result.size} bytes, expected ${size}`);
      return { bytes: size, outcome: result.outcome, digest: result.digest };
    }
    if (mode === 'pull') {
      let bytes = 0;
      const sink = new Writable({
        write(chunk, _encoding, callback) {
          bytes += chunk.length;
          callback();
        },
      });
      await pipeline(await client.getBlob(target, { mediaType: 'application/octet-stream', digest, size }), sink);
      if (bytes !== size) throw new Error(`pulled ${bytes} bytes, expected ${size}`);
      return { bytes, outcome: 'pulled' };
    }
    throw new Error(`unknown mode ${mode}`);
  } finally {
    await client.close();
  }
}

const cpuBefore = process.cpuUsage();
const start = nowMs();
const result = await transfer();
const ms = result.ms ?? nowMs() - start;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(`${JSON.stringify({ ...result, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes: peakRssBytes() })}\n`);
