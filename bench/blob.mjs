/**
 * Section 2 and 3: pushing and pulling one large incompressible blob with the library (in a child
 * process each time, for its peak RSS), with curl (one monolithic PUT, one GET) and with skopeo
 * (an OCI layout holding the blob as its only layer), plus the in-process sha256 limit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeTempDir } from './lib/cleanup.mjs';
import { processCpuMs } from './lib/cpu.mjs';
import { run } from './lib/proc.mjs';
import { mbPerSecond, median } from './lib/stats.mjs';

const WORKER = fileURLToPath(new URL('./blob-worker.mjs', import.meta.url));
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Writes `size` random bytes to a new file `name` in `dir`; returns `{ path, digest, size }`. */
export function writeRandomFile(dir, size, name = 'blob.bin') {
  const path = join(dir, name);
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < size; ) {
      const chunk = randomBytes(Math.min(16 << 20, size - written));
      writeSync(fd, chunk);
      hash.update(chunk);
      written += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return { path, size, digest: `sha256:${hash.digest('hex')}` };
}

function sha256(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * An OCI image layout whose one image has the blob as its layer. The layer file is a hard link
 * to the data file (same disk), so the layout costs no copy.
 */
function writeLayout(dir, blob) {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes) => {
    const digest = sha256(bytes);
    writeFileSync(join(blobs, digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  linkSync(blob.path, join(blobs, blob.digest.slice(7)));
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [blob.digest] } })));
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: blob.digest, size: blob.size }],
      }),
    ),
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'big' } }] }),
  );
}

/** The status of a bodiless request (plain node:http, outside every measured client). */
export function httpStatus(url, method) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

async function worker(args) {
  const { stdout } = await run(process.execPath, [WORKER, ...args], { timeoutMs: 600_000 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

async function curlPush(registry, repo, blob) {
  const post = await run('curl', ['-sS', '-X', 'POST', '-o', '/dev/null', '-D', '-', `${registry.url}/v2/${repo}/blobs/uploads/`]);
  const location = /^location:\s*(\S+)/im.exec(post.stdout)?.[1];
  if (!location) throw new Error(`curl POST gave no Location:\n${post.stdout}`);
  const target = new URL(location, registry.url);
  target.searchParams.set('digest', blob.digest);
  const put = await run('curl', [
    '-sS', '-T', blob.path, '-H', 'Content-Type: application/octet-stream', '-H', 'Expect:',
    '-o', '/dev/null', '-w', '%{http_code}', target.toString(),
  ]);
  if (put.stdout.trim() !== '201') throw new Error(`curl PUT answered ${put.stdout.trim()}`);
  return post.ms + put.ms;
}

/** `curl URL | sha256sum`: a download verified the way a shell script would. */
async function curlPullVerified(registry, repo, blob) {
  const got = await run('bash', ['-o', 'pipefail', '-c', 'curl -sS "$1" | sha256sum', 'bash', `${registry.url}/v2/${repo}/blobs/${blob.digest}`]);
  if (`sha256:${got.stdout.split(' ')[0]}` !== blob.digest) throw new Error(`curl | sha256sum gave ${got.stdout.trim()}`);
  return got.ms;
}

async function curlPull(registry, repo, blob) {
  const got = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `${registry.url}/v2/${repo}/blobs/${blob.digest}`]);
  const [status, bytes] = got.stdout.trim().split(' ');
  if (status !== '200' || Number(bytes) !== blob.size) throw new Error(`curl GET answered ${status} with ${bytes} bytes`);
  return got.ms;
}

/**
 * Runs the blob benchmark. `reps` rounds; every push goes to a repository that has never held
 * the blob, after the blob was deleted from every repository that had it (checked with HEAD),
 * so every push uploads all the bytes.
 */
export async function benchBlobs({ registry, size, reps, log }) {
  const dataDir = makeTempDir('blob');
  try {
    log(`generating ${size} random bytes`);
    const blob = writeRandomFile(dataDir, size);
    const layoutDir = join(dataDir, 'layout');
    writeLayout(layoutDir, blob);

    const idle = await worker(['idle']);
    const rows = { libPush: [], libPushHash: [], curlPush: [], skopeoPush: [], libPull: [], curlPull: [], curlPullVerified: [], skopeoPull: [], hashFile: [], hashMemory: [] };
    const rss = { push: [], pushHash: [], pull: [] };
    const libCpu = { libPush: [], libPushHash: [], libPull: [] };
    const checks = { headBeforePush: new Set(), libOutcomes: new Set() };
    const registryCpu = { libPush: [], libPushHash: [], curlPush: [], skopeoPush: [], libPull: [], curlPull: [], curlPullVerified: [], skopeoPull: [] };
    // Runs one transfer and records the CPU time the registry spent serving it.
    const measured = async (key, fn) => {
      const before = processCpuMs(registry.pid);
      const value = await fn();
      registryCpu[key].push(processCpuMs(registry.pid) - before);
      return value;
    };

    // Every repository that was given the blob. Before each push the blob is deleted from all of
    // them, so that no tool can mount it from elsewhere (skopeo remembers where it saw a blob and
    // tries a cross-repository mount, which would skip the upload) and every push sends every byte.
    const holders = new Set();
    const freshRepo = async (name) => {
      for (const holder of holders) {
        const status = await httpStatus(`${registry.url}/v2/${holder}/blobs/${blob.digest}`, 'DELETE');
        if (status !== 202 && status !== 404) throw new Error(`DELETE blob from ${holder} answered ${status}`);
      }
      const repo = `bench/${name}`;
      for (const other of [...holders, repo]) checks.headBeforePush.add(await httpStatus(`${registry.url}/v2/${other}/blobs/${blob.digest}`, 'HEAD'));
      holders.add(repo);
      return repo;
    };

    for (let rep = 1; rep <= reps; rep++) {
      log(`blob round ${rep}/${reps}`);
      const libRepo = await freshRepo(`blob-lib-${rep}`);
      const push = await measured('libPush', () => worker(['push', registry.host, libRepo, blob.path, blob.digest, String(size)]));
      checks.libOutcomes.add(push.outcome);
      rows.libPush.push(push.ms);
      libCpu.libPush.push(push.cpuMs);
      rss.push.push(push.maxRssBytes);

      const pull = await measured('libPull', () => worker(['pull', registry.host, libRepo, '-', blob.digest, String(size)]));
      rows.libPull.push(pull.ms);
      libCpu.libPull.push(pull.cpuMs);
      rss.pull.push(pull.maxRssBytes);
      rows.curlPull.push(await measured('curlPull', () => curlPull(registry, libRepo, blob)));
      rows.curlPullVerified.push(await measured('curlPullVerified', () => curlPullVerified(registry, libRepo, blob)));

      const hashRepo = await freshRepo(`blob-lib-hash-${rep}`);
      const pushHash = await measured('libPushHash', () => worker(['push-hash', registry.host, hashRepo, blob.path, '-', String(size)]));
      checks.libOutcomes.add(pushHash.outcome);
      rows.libPushHash.push(pushHash.ms);
      libCpu.libPushHash.push(pushHash.cpuMs);
      rss.pushHash.push(pushHash.maxRssBytes);

      const curlRepo = await freshRepo(`blob-curl-${rep}`);
      rows.curlPush.push(await measured('curlPush', () => curlPush(registry, curlRepo, blob)));

      const skopeoRepo = await freshRepo(`blob-skopeo-${rep}`);
      const skopeo = await measured('skopeoPush', () => run('skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${layoutDir}:big`, `docker://${registry.host}/${skopeoRepo}:big`], { timeoutMs: 600_000 }));
      rows.skopeoPush.push(skopeo.ms);
      const pullDir = join(dataDir, `pulled-${rep}`);
      const skopeoPull = await measured('skopeoPull', () => run('skopeo', ['copy', '--quiet', '--preserve-digests', '--src-tls-verify=false', '--dest-oci-accept-uncompressed-layers', `docker://${registry.host}/${skopeoRepo}:big`, `oci:${pullDir}:big`], { timeoutMs: 600_000 }));
      rows.skopeoPull.push(skopeoPull.ms);
      rmSync(pullDir, { recursive: true, force: true });

      const hashed = await worker(['hash', '-', '-', blob.path, '-', String(size)]);
      if (hashed.outcome !== blob.digest) throw new Error(`sha256 of the file changed: ${hashed.outcome}`);
      rows.hashFile.push(hashed.ms);
      rows.hashMemory.push((await worker(['hash-memory', '-', '-', '-', '-', String(size)])).ms);
    }

    const pair = (a, b) => median(rows[a].map((ms, i) => rows[b][i] / ms));
    return {
      size,
      reps,
      rows,
      rss,
      registryCpu,
      libCpu,
      idleRssBytes: idle.maxRssBytes,
      throughput: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, mbPerSecond(size, median(v))])),
      // Throughput ratios, run by run: (other tool's time) / (library's time).
      ratios: {
        pushVsCurl: pair('libPush', 'curlPush'),
        pushVsSkopeo: pair('libPush', 'skopeoPush'),
        pullVsCurl: pair('libPull', 'curlPull'),
        pullVsSkopeo: pair('libPull', 'skopeoPull'),
        pullVsCurlVerified: pair('libPull', 'curlPullVerified'),
      },
      checks: { headBeforePush: [...checks.headBeforePush], libOutcomes: [...checks.libOutcomes] },
    };
  } finally {
    removeTempDir(dataDir);
  }
}

