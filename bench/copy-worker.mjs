/**
 * One library copy in a process of its own, so that its peak RSS is the library's alone. Prints one
 * JSON line: `{ ms, cpuMs, digest, blobs, maxRssBytes }`; `ms` covers the copy only.
 *
 *   node bench/copy-worker.mjs SOURCE TARGET
 */
import { readFileSync } from 'node:fs';
import { RegistryClient } from 'multiplatform';
import { nowMs } from './lib/stats.mjs';

const [source, target] = process.argv.slice(2);

function peakRssBytes() {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

const client = new RegistryClient({ dockerConfig: false });
const cpuBefore = process.cpuUsage();
const start = nowMs();
const result = await client.copy(source, target);
const ms = nowMs() - start;
await client.close();
const cpu = process.cpuUsage(cpuBefore);
const copied = result.plan.blobs.filter((blob) => blob.action === 'copy').length;
process.stdout.write(`${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, digest: result.digest, blobs: copied, maxRssBytes: peakRssBytes() })}\n`);
