/**
 * Section 1: composing and pushing a manifest list over N children that are already in the
 * registry, with the library in-process, the CLI as a whole process, and buildah.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryClient } from 'multiplatform';
import { makeTempDir, removeTempDir } from './lib/cleanup.mjs';
import { CLI_PATH } from './lib/command.mjs';
import { PLATFORMS, pushChildren } from './lib/images.mjs';
import { processCpuMs } from './lib/cpu.mjs';
import { run } from './lib/proc.mjs';
import { createTracingDispatcher, requestMix, sequentialRoundTrips } from './lib/request-trace.mjs';
import { median, nowMs } from './lib/stats.mjs';

const CLI = CLI_PATH;
const REPO = 'bench/compose';

/** One in-process run: a fresh client (fresh connections) with a tracing dispatcher. */
async function libraryRun(spec, concurrency) {
  const trace = createTracingDispatcher();
  const client = new RegistryClient({ dispatcher: trace.dispatcher, dockerConfig: false, ...(concurrency ? { concurrency } : {}) });
  try {
    const cpuBefore = process.cpuUsage();
    const start = nowMs();
    const result = await client.pushManifestList(spec);
    const ms = nowMs() - start;
    const cpu = process.cpuUsage(cpuBefore);
    if (result.index.manifests.length !== spec.manifests.length) {
      throw new Error(`library pushed ${result.index.manifests.length} entries, expected ${spec.manifests.length}`);
    }
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, requests: trace.records.length, roundTrips: sequentialRoundTrips(trace.records), mix: requestMix(trace.records), digest: result.digest };
  } finally {
    await client.close();
    await trace.close();
  }
}

function specYaml(target, children) {
  return [`image: ${target}`, 'manifests:', ...children.map((image) => `  - image: ${image}`), ''].join('\n');
}

async function cliRun(file, nodeFlags = []) {
  const { ms } = await run(process.execPath, [...nodeFlags, CLI, 'push', 'from-spec', '--quiet', file], { timeoutMs: 120_000 });
  return ms;
}

/** `buildah manifest create`, one `manifest add` per child, `manifest push --all=false`; the list is removed afterwards (untimed). */
async function buildahRun(storage, name, target, children) {
  const base = ['--storage-driver', 'vfs', '--root', join(storage, 'root'), '--runroot', join(storage, 'runroot')];
  let ms = 0;
  ms += (await run('buildah', [...base, 'manifest', 'create', name])).ms;
  for (const child of children) {
    ms += (await run('buildah', [...base, 'manifest', 'add', '--tls-verify=false', name, `docker://${child}`])).ms;
  }
  ms += (await run('buildah', [...base, 'manifest', 'push', '--quiet', '--all=false', '--tls-verify=false', name, `docker://${target}`])).ms;
  await run('buildah', [...base, 'manifest', 'rm', name]);
  return ms;
}

/** Reads a pushed list back and checks its entry count (untimed). */
async function checkList(client, target, expected, who) {
  const { manifest } = await client.getManifest(target);
  const count = manifest.manifests?.length;
  if (count !== expected) throw new Error(`${who} list ${target} has ${count} entries, expected ${expected}`);
}

/**
 * Runs the compose benchmark for each N in `sizes`, `reps` timed rounds after one warm-up round.
 * In each round the three tools run one after the other, so ratios are taken within a round.
 */
export async function benchCompose({ registry, sizes, reps, log, highConcurrency }) {
  const storage = makeTempDir('buildah');
  const checker = new RegistryClient({ dockerConfig: false });
  try {
    const repo = `${registry.host}/${REPO}`;
    log(`pushing ${Math.max(...sizes)} child images`);
    const allChildren = await pushChildren(checker, repo, PLATFORMS.slice(0, Math.max(...sizes)));
    const results = [];
    for (const n of sizes) {
      const children = allChildren.slice(0, n);
      const targets = { lib: `${repo}:list-lib-${n}`, libHigh: `${repo}:list-lib-c${highConcurrency}-${n}`, cli: `${repo}:list-cli-${n}`, buildah: `${repo}:list-buildah-${n}` };
      const spec = (target) => ({ image: target, manifests: children.map((image) => ({ image })) });
      const specFile = join(storage, `spec-${n}.yml`);
      writeFileSync(specFile, specYaml(targets.cli, children));

      const rows = { lib: [], libHigh: [], cli: [], cliLiftoff: [], buildah: [] };
      const registryCpu = { lib: [], libHigh: [], cli: [], cliLiftoff: [], buildah: [] };
      const libCpu = [];
      const traces = { lib: [], libHigh: [] };
      // CPU the registry spent on one tool's run (it serves nothing else meanwhile).
      const measured = async (key, round, fn) => {
        const before = processCpuMs(registry.pid);
        const value = await fn();
        if (round > 0) registryCpu[key].push(processCpuMs(registry.pid) - before);
        return value;
      };
      for (let round = 0; round <= reps; round++) {
        log(`compose N=${n} ${round === 0 ? 'warm-up' : `round ${round}/${reps}`}`);
        const lib = await measured('lib', round, () => libraryRun(spec(targets.lib)));
        const libHigh = await measured('libHigh', round, () => libraryRun(spec(targets.libHigh), highConcurrency));
        const cli = await measured('cli', round, () => cliRun(specFile));
        // The same CLI with V8 limited to its baseline wasm compiler: shows what waiting for the
        // optimising compile of undici's HTTP parser at exit costs (see the analysis).
        const cliLiftoff = await measured('cliLiftoff', round, () => cliRun(specFile, ['--liftoff-only']));
        const buildah = await measured('buildah', round, () => buildahRun(storage, `bench-${n}-${round}`, targets.buildah, children));
        if (round === 0) continue;
        rows.lib.push(lib.ms);
        rows.libHigh.push(libHigh.ms);
        rows.cli.push(cli);
        rows.cliLiftoff.push(cliLiftoff);
        rows.buildah.push(buildah);
        traces.lib.push(lib);
        libCpu.push(lib.cpuMs);
        traces.libHigh.push(libHigh);
      }
      for (const [who, target] of Object.entries(targets)) await checkList(checker, target, n, who);
      results.push({
        n,
        rows,
        registryCpu,
        libCpu,
        requests: median(traces.lib.map((t) => t.requests)),
        roundTrips: median(traces.lib.map((t) => t.roundTrips)),
        roundTripsHigh: median(traces.libHigh.map((t) => t.roundTrips)),
        mix: traces.lib[0]?.mix ?? {},
        cliVsBuildah: median(rows.cli.map((ms, i) => rows.buildah[i] / ms)),
      });
    }
    return { reps, highConcurrency, results };
  } finally {
    await checker.close();
    removeTempDir(storage);
  }
}
