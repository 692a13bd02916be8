/**
 * Section 4: cold start of `multiplatform --version` and of importing the package, timed with
 * hyperfine (or by repeated spawning when hyperfine is missing), and which modules each loads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeTempDir } from './lib/cleanup.mjs';
import { CLI_RELATIVE } from './lib/command.mjs';
import { run } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TRACE = fileURLToPath(new URL('./lib/trace-loads.mjs', import.meta.url));

/** The commands timed, as argv arrays run from the package root. */
export const COLD_COMMANDS = {
  node: { label: 'node -e 0', argv: ['node', '-e', '0'] },
  version: { label: `node ${CLI_RELATIVE} --version`, argv: ['node', CLI_RELATIVE, '--version'] },
  help: { label: `node ${CLI_RELATIVE} --help`, argv: ['node', CLI_RELATIVE, '--help'] },
  import: { label: `node -e "import('multiplatform')"`, argv: ['node', '-e', "import('multiplatform')"] },
};

/** What importing each runtime dependency alone costs (for the analysis of the rows above). */
export const DEPENDENCY_COMMANDS = {
  undici: { label: `node --input-type=module -e "import 'undici'"`, argv: ['node', '--input-type=module', '-e', "import 'undici'"] },
  typebox: { label: `node --input-type=module -e "import '@sinclair/typebox'; import '@sinclair/typebox/compiler'"`, argv: ['node', '--input-type=module', '-e', "import '@sinclair/typebox'; import '@sinclair/typebox/compiler'"] },
  yaml: { label: `node --input-type=module -e "import 'yaml'"`, argv: ['node', '--input-type=module', '-e', "import 'yaml'"] },
};

function shellQuote(arg) {
  return /^[\w./=-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

async function hyperfine(commands, runs, dir) {
  const out = join(dir, 'hyperfine.json');
  const names = Object.keys(commands);
  await run('hyperfine', ['--shell=none', '--warmup', '3', '--runs', String(runs), '--export-json', out, ...names.map((k) => commands[k].argv.map(shellQuote).join(' '))], { cwd: ROOT, timeoutMs: 600_000 });
  const { results } = JSON.parse(readFileSync(out, 'utf8'));
  return Object.fromEntries(names.map((name, i) => [name, { median: results[i].median * 1000, mean: results[i].mean * 1000, min: results[i].min * 1000, max: results[i].max * 1000 }]));
}

async function spawnTiming(commands, runs) {
  const timings = {};
  for (const [name, { argv }] of Object.entries(commands)) {
    for (let i = 0; i < 3; i++) await run(argv[0] === 'node' ? process.execPath : argv[0], argv.slice(1), { cwd: ROOT });
    const ms = [];
    for (let i = 0; i < runs; i++) ms.push((await run(argv[0] === 'node' ? process.execPath : argv[0], argv.slice(1), { cwd: ROOT })).ms);
    timings[name] = { median: median(ms), mean: ms.reduce((a, b) => a + b, 0) / ms.length, min: Math.min(...ms), max: Math.max(...ms) };
  }
  return timings;
}

/** The packages under node_modules and the dist files a command's ESM loader loads. */
async function loadedModules(argv, dir, name) {
  const out = join(dir, `loads-${name}.txt`);
  await run(process.execPath, ['--import', TRACE, ...argv.slice(1)], { cwd: ROOT, env: { ...process.env, MP_BENCH_LOADS: out } });
  let urls = [];
  try {
    urls = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  } catch {
    // nothing was loaded through the ESM loader
  }
  const packages = new Set();
  const dist = new Set();
  for (const url of urls) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (pkg) packages.add(pkg);
    else if (url.includes('/dist/')) dist.add(url.slice(url.indexOf('/dist/') + 1));
  }
  return { packages: [...packages].sort(), dist: [...dist].sort() };
}

/** Times the cold-start commands and lists what each loads. */
export async function benchColdStart({ runs, hasHyperfine }) {
  const dir = makeTempDir('cold');
  try {
    const all = { ...COLD_COMMANDS, ...DEPENDENCY_COMMANDS };
    const timings = hasHyperfine ? await hyperfine(all, runs, dir) : await spawnTiming(all, runs);
    const loads = {};
    for (const name of ['version', 'help', 'import']) loads[name] = await loadedModules(COLD_COMMANDS[name].argv, dir, name);
    return { runs, tool: hasHyperfine ? 'hyperfine' : 'repeated spawn', timings, loads };
  } finally {
    removeTempDir(dir);
  }
}
