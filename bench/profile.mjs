/**
 * Profiling aid (not part of `npm run bench`): starts a registry, pushes N children and runs the
 * in-process compose-and-push `ROUNDS` times, so that `node --cpu-prof bench/profile.mjs` shows
 * where the library spends its time. Prints the last run's requests (start → answer, in ms), its
 * round trips, and the CPU the registry and this process spent per run.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.mjs [N=32] [ROUNDS=20] [CONCURRENCY=8]
 */
import { RegistryClient } from 'multiplatform';
import { cleanupAll } from './lib/cleanup.mjs';
import { processCpuMs } from './lib/cpu.mjs';
import { PLATFORMS, pushChildren } from './lib/images.mjs';
import { startRegistry } from './lib/registry.mjs';
import { createTracingDispatcher, sequentialRoundTrips } from './lib/request-trace.mjs';
import { median, nowMs } from './lib/stats.mjs';

const n = Number(process.argv[2] ?? 32);
const rounds = Number(process.argv[3] ?? 20);
const concurrency = Number(process.argv[4] ?? 8);
const registry = await startRegistry();
try {
  const setup = new RegistryClient({ dockerConfig: false });
  const children = await pushChildren(setup, `${registry.host}/bench/profile`, PLATFORMS.slice(0, n));
  await setup.close();
  const times = [];
  const registryCpu0 = processCpuMs(registry.pid);
  const ownCpu0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    const trace = createTracingDispatcher();
    const client = new RegistryClient({ dispatcher: trace.dispatcher, dockerConfig: false, concurrency });
    const start = nowMs();
    await client.pushManifestList({ image: `${registry.host}/bench/profile:list`, manifests: children.map((image) => ({ image })) });
    times.push(nowMs() - start);
    await client.close();
    await trace.close();
    if (i === rounds - 1) {
      const spans = trace.records.map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/').slice(0, 30)} ${(r.start - trace.records[0].start).toFixed(1)}→${(r.answered - trace.records[0].start).toFixed(1)}`);
      console.log(spans.join('\n'));
      console.log('round trips', sequentialRoundTrips(trace.records));
    }
  }
  const own = process.cpuUsage(ownCpu0);
  console.log(`CPU per round: registry ${((processCpuMs(registry.pid) - registryCpu0) / rounds).toFixed(1)} ms, this process ${((own.user + own.system) / 1000 / rounds).toFixed(1)} ms`);
  console.log(`N=${n} concurrency=${concurrency}: median ${median(times).toFixed(1)} ms over ${rounds} rounds`);
} finally {
  await registry.stop();
  cleanupAll();
}
