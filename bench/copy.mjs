/**
 * Section 5: copying between two distribution registries on loopback, the library (`client.copy`,
 * in a child process each time, for its peak RSS) against `skopeo copy` (`--all` for an index):
 * an image of two large random layers, and an index of many small single-layer images. Before
 * every copy the blobs are deleted from every target repository that was given them, so that no
 * tool can mount them and every copy moves every byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { RegistryClient } from 'multiplatform';
import { httpStatus, writeRandomFile } from './blob.mjs';
import { makeTempDir, removeTempDir } from './lib/cleanup.mjs';
import { run } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { startRegistry } from './lib/registry.mjs';

const WORKER = fileURLToPath(new URL('./copy-worker.mjs', import.meta.url));
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Pushes an image of the given layers (files or bytes) to `repo` and returns its manifest descriptor. */
async function pushImage(client, repo, layers, platform, tag) {
  const descriptors = [];
  for (const layer of layers) {
    const pushed = layer.path ? await client.pushBlob(repo, layer.path, { digest: layer.digest, size: layer.size }) : await client.pushBlob(repo, layer);
    descriptors.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: pushed.digest, size: pushed.size });
  }
  const config = Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.digest) } }));
  const pushedConfig = await client.pushBlob(repo, config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: pushedConfig.digest, size: config.length }, layers: descriptors }));
  await client.putManifest(tag ? `${repo}:${tag}` : `${repo}@${sha256(manifest)}`, manifest);
  return { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: manifest.length, platform, blobs: [pushedConfig.digest, ...descriptors.map((d) => d.digest)] };
}

async function worker(source, target) {
  const { stdout } = await run(process.execPath, [WORKER, source, target], { timeoutMs: 900_000 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

function skopeo(source, target, all) {
  return run('skopeo', ['--insecure-policy', 'copy', '--quiet', '--retry-times', '0', '--preserve-digests', ...(all ? ['--all'] : []), '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${source}`, `docker://${target}`], { timeoutMs: 900_000 });
}

/** Runs the copy benchmark: `layerSize` bytes per big layer, `platforms` small images, `reps` rounds. */
export async function benchCopy({ layerSize, platforms, reps, log }) {
  const dataDir = makeTempDir('copy');
  const from = await startRegistry();
  const to = await startRegistry();
  const client = new RegistryClient({ dockerConfig: false });
  try {
    log(`copy: generating 2 × ${layerSize} random bytes`);
    const layers = [writeRandomFile(dataDir, layerSize, 'a.bin'), writeRandomFile(dataDir, layerSize, 'b.bin')];
    const big = await pushImage(client, `${from.host}/bench/big`, layers, { architecture: 'amd64', os: 'linux' }, 'v1');
    const children = [];
    for (let i = 0; i < platforms; i++) {
      children.push(await pushImage(client, `${from.host}/bench/small`, [randomBytes(4096 + i)], { architecture: `arch${i}`, os: 'linux' }));
    }
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map(({ blobs, ...d }) => d) }));
    await client.putManifest(`${from.host}/bench/small:v1`, index);
    const bigBlobs = big.blobs;
    const smallBlobs = children.flatMap((c) => c.blobs);

    const holders = [];
    const fresh = async (name, digests) => {
      for (const { repo, blobs } of holders) {
        for (const digest of blobs) {
          const status = await httpStatus(`${to.url}/v2/${repo}/blobs/${digest}`, 'DELETE');
          if (status !== 202 && status !== 404) throw new Error(`DELETE blob from ${repo} answered ${status}`);
        }
      }
      holders.length = 0;
      const repo = `bench/${name}`;
      holders.push({ repo, blobs: digests });
      return `${to.host}/${repo}`;
    };

    const rows = { libBig: [], skopeoBig: [], libIndex: [], skopeoIndex: [] };
    const rss = [];
    const digests = new Set();
    for (let rep = 1; rep <= reps; rep++) {
      log(`copy round ${rep}/${reps}`);
      const libBig = await worker(`${from.host}/bench/big:v1`, `${await fresh(`big-lib-${rep}`, bigBlobs)}:v1`);
      rows.libBig.push(libBig.ms);
      rss.push(libBig.maxRssBytes);
      digests.add(libBig.digest === big.digest ? 'same' : 'DIFFERENT');
      rows.skopeoBig.push((await skopeo(`${from.host}/bench/big:v1`, `${await fresh(`big-skopeo-${rep}`, bigBlobs)}:v1`, false)).ms);
      const libIndex = await worker(`${from.host}/bench/small:v1`, `${await fresh(`small-lib-${rep}`, smallBlobs)}:v1`);
      rows.libIndex.push(libIndex.ms);
      rss.push(libIndex.maxRssBytes);
      digests.add(libIndex.digest === sha256(index) ? 'same' : 'DIFFERENT');
      rows.skopeoIndex.push((await skopeo(`${from.host}/bench/small:v1`, `${await fresh(`small-skopeo-${rep}`, smallBlobs)}:v1`, true)).ms);
    }
    const pair = (a, b) => median(rows[a].map((ms, i) => rows[b][i] / ms));
    return { layerSize, platforms, reps, rows, rss, digests: [...digests], ratios: { bigVsSkopeo: pair('libBig', 'skopeoBig'), indexVsSkopeo: pair('libIndex', 'skopeoIndex') } };
  } finally {
    await client.close();
    await Promise.all([from.stop(), to.stop()]);
    removeTempDir(dataDir);
  }
}
