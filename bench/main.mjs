/**
 * `npm run bench`: starts a private distribution registry, runs the four benchmark sections
 * against the built package and writes docs/benchmarks.md. Run through bench/run.sh, which
 * installs the tools and builds first.
 *
 * Environment: BENCH_QUICK=1 (64 MiB blob, fewer rounds; the report goes to a temp file unless
 * BENCH_OUT is set), BENCH_OUT=path (where the report goes), BENCH_ONLY=compose,blob,cold,round2.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBlobs } from './blob.mjs';
import { benchColdStart } from './cold-start.mjs';
import { benchCompose } from './compose.mjs';
import { benchCopy } from './copy.mjs';
import { benchRound2 } from './round2.mjs';
import { cleanupAll } from './lib/cleanup.mjs';
import { versionOf } from './lib/proc.mjs';
import { DISTRIBUTION_BINARY, startRegistry } from './lib/registry.mjs';
import { renderReport } from './report.mjs';
import { CLI_PATH, CLI_RELATIVE } from './lib/command.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// run.sh runs the benchmark from a frozen copy of the build; the report still goes to the repository.
const REPO = process.env.BENCH_REPO_ROOT ?? ROOT;
const quick = process.env.BENCH_QUICK === '1';
const only = new Set((process.env.BENCH_ONLY ?? 'compose,blob,cold,copy,round2').split(',').map((s) => s.trim()));
const settings = {
  quick,
  composeSizes: [2, 8, 32],
  composeReps: quick ? 3 : 7,
  highConcurrency: 8,
  blobSize: quick ? 64 << 20 : 1 << 30,
  blobReps: quick ? 2 : 3,
  coldRuns: quick ? 10 : 30,
  startRounds: quick ? 5 : 10,
  copyLayerSize: quick ? 64 << 20 : 400e6,
  copyPlatforms: 32,
  copyReps: quick ? 2 : 3,
};
const outPath = process.env.BENCH_OUT ?? (quick || only.size < 5 ? join(tmpdir(), 'multiplatform-benchmarks.md') : join(REPO, 'docs', 'benchmarks.md'));

const started = Date.now();
const log = (message) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

async function machine() {
  const cpu = cpus();
  return {
    loadStart: loadavg()[0],
    cpu: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `Linux ${release()}`,
    node: process.version,
    distribution: await versionOf(DISTRIBUTION_BINARY, ['--version']),
    skopeo: await versionOf('skopeo'),
    buildah: await versionOf('buildah'),
    curl: await versionOf('curl'),
    hyperfine: await versionOf('hyperfine'),
  };
}

async function main() {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_RELATIVE} is missing: build first (bench/run.sh does)`);
  const info = await machine();
  log(`machine: ${info.cpu}, ${info.memory}, node ${info.node}`);
  const registry = await startRegistry();
  log(`registry ${registry.url} (pid ${registry.pid})`);
  const results = { settings, machine: info, date: new Date().toISOString(), errors: {} };
  // A section that fails is reported as failed; the others still run and are reported.
  const section = async (name, fn) => {
    if (!only.has(name)) return;
    try {
      results[name] = await fn();
    } catch (error) {
      results.errors[name] = error instanceof Error ? error.message : String(error);
      log(`${name} failed: ${results.errors[name]}`);
    }
  };
  try {
    await section('compose', () => benchCompose({ registry, sizes: settings.composeSizes, reps: settings.composeReps, log, highConcurrency: settings.highConcurrency }));
    await section('blob', () => benchBlobs({ registry, size: settings.blobSize, reps: settings.blobReps, log }));
    await section('round2', () => benchRound2({ registry, repoRoot: REPO, size: settings.blobSize, reps: settings.composeReps, startRounds: settings.startRounds, log }));
  } finally {
    await registry.stop();
    log('registry stopped');
  }
  await section('copy', () => benchCopy({ layerSize: settings.copyLayerSize, platforms: settings.copyPlatforms, reps: settings.copyReps, log }));
  log('cold start');
  await section('cold', () => benchColdStart({ runs: settings.coldRuns, hasHyperfine: !info.hyperfine.startsWith('not installed') }));
  results.loadEnd = loadavg()[0];
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  const report = renderReport(results);
  writeFileSync(outPath, report);
  process.stdout.write(report.slice(report.indexOf('## Results'), report.indexOf('## Method')));
  log(`report written to ${outPath}`);
  if (Object.keys(results.errors).length > 0) throw new Error(`sections failed: ${Object.keys(results.errors).join(', ')}`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  cleanupAll();
}
