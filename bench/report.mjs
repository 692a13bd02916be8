/** Renders the benchmark results as docs/benchmarks.md. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COLD_COMMANDS, DEPENDENCY_COMMANDS } from './cold-start.mjs';
import { formatBytes, formatMs, formatNumber, median } from './lib/stats.mjs';
import { round2Section, round2Targets } from './round2-report.mjs';

const ANALYSIS = fileURLToPath(new URL('./ANALYSIS.md', import.meta.url));
const RSS_LIMIT_BYTES = 150e6;
const VERSION_LIMIT_MS = 150;

const status = (pass) => (pass === undefined ? 'n/a' : pass ? '**PASS**' : '**MISS**');
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
const times = (ratio) => `${formatNumber(ratio, 2)}×`;

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function targets(r) {
  const rows = [];
  const c = r.compose?.results;
  if (c) {
    const first = c[0];
    const last = c[c.length - 1];
    const depths = c.map((x) => `N=${x.n}: ${x.roundTrips}`).join(', ');
    const depthsHigh = c.map((x) => `N=${x.n}: ${x.roundTripsHigh}`).join(', ');
    rows.push([
      'Compose: sequential round trips do not grow with N (default concurrency 32)',
      depths,
      status(c.every((x) => x.roundTrips === first.roundTrips)),
    ]);
    rows.push([
      `Compose, for comparison (not a target): with a tighter \`concurrency: ${r.compose.highConcurrency}\``,
      depthsHigh,
      'info',
    ]);
    const growth = median(last.rows.lib) / median(first.rows.lib);
    rows.push([`Compose: in-process time at N=${last.n} within 3× of N=${first.n}`, `${formatMs(median(last.rows.lib))} ms / ${formatMs(median(first.rows.lib))} ms = ${times(growth)}`, status(growth <= 3)]);
    rows.push([
      'Compose: CLI beats buildah at every N',
      c.map((x) => `N=${x.n}: ${times(x.cliVsBuildah)} faster`).join(', '),
      status(c.every((x) => x.cliVsBuildah > 1)),
    ]);
  }
  const b = r.blob;
  if (b) {
    const t = b.throughput;
    rows.push(['Blob push ≥ 90% of curl', `${formatNumber(t.libPush)} vs ${formatNumber(t.curlPush)} MB/s (${formatNumber(b.ratios.pushVsCurl * 100)}%)`, status(b.ratios.pushVsCurl >= 0.9)]);
    rows.push(['Blob pull ≥ 90% of curl', `${formatNumber(t.libPull)} vs ${formatNumber(t.curlPull)} MB/s (${formatNumber(b.ratios.pullVsCurl * 100)}%)`, status(b.ratios.pullVsCurl >= 0.9)]);
    rows.push(['Blob push faster than skopeo', `${formatNumber(t.libPush)} vs ${formatNumber(t.skopeoPush)} MB/s (${times(b.ratios.pushVsSkopeo)})`, status(b.ratios.pushVsSkopeo > 1)]);
    rows.push(['Blob pull faster than skopeo', `${formatNumber(t.libPull)} vs ${formatNumber(t.skopeoPull)} MB/s (${times(b.ratios.pullVsSkopeo)})`, status(b.ratios.pullVsSkopeo > 1)]);
    const peak = Math.max(...b.rss.push, ...b.rss.pushHash, ...b.rss.pull);
    rows.push([`Peak RSS < 150 MB during the ${formatBytes(b.size)} push and pull`, `push ${mb(Math.max(...b.rss.push))}, pull ${mb(Math.max(...b.rss.pull))}`, status(peak < RSS_LIMIT_BYTES)]);
  }
  const copy = r.copy;
  if (copy) {
    rows.push([`Copy of an image of 2 × ${formatBytes(copy.layerSize)} layers, distribution → distribution, at least as fast as \`skopeo copy\``, `${times(copy.ratios.bigVsSkopeo)} skopeo's speed`, status(copy.ratios.bigVsSkopeo >= 1)]);
    rows.push([`Copy of a ${copy.platforms}-platform index of small images faster than \`skopeo copy --all\``, `${times(copy.ratios.indexVsSkopeo)} skopeo's speed`, status(copy.ratios.indexVsSkopeo > 1)]);
    rows.push(['Peak RSS of the copying process < 150 MB', mb(Math.max(...copy.rss)), status(Math.max(...copy.rss) < RSS_LIMIT_BYTES)]);
  }
  if (r.blob) {
    const b = r.blob;
    const twoPasses = median(b.rows.hashFile.map((ms, i) => (ms + b.rows.curlPush[i]) / b.rows.libPushHash[i]));
    rows.push(['`pushBlob(path)` without a digest ≥ 1.2 × the shell\'s two passes (`sha256sum` then `curl -T`)', `${times(twoPasses)}`, status(twoPasses >= 1.2)]);
  }
  const cold = r.cold;
  if (cold) {
    const v = cold.timings.version.median;
    rows.push(['`multiplatform --version` < 150 ms', `${formatMs(v)} ms (Node alone: ${formatMs(cold.timings.node.median)} ms)`, status(v < VERSION_LIMIT_MS)]);
    const pkgs = cold.loads.version.packages;
    rows.push(['`--version` loads no dependency it does not use', pkgs.length === 0 ? 'no package from node_modules' : pkgs.join(', '), status(pkgs.length === 0)]);
  }
  return table(['Target', 'Result', 'Status'], rows);
}

function composeSection(c) {
  const rows = c.results.map((x) => [
    String(x.n),
    formatMs(median(x.rows.lib)),
    formatMs(median(x.rows.libHigh)),
    formatMs(median(x.rows.cli)),
    formatMs(median(x.rows.cliLiftoff)),
    formatMs(median(x.rows.buildah)),
    times(x.cliVsBuildah),
    `${formatMs(median(x.registryCpu.lib))} / ${formatMs(median(x.libCpu))}`,
    `${formatMs(median(x.registryCpu.cli))} / ${formatMs(median(x.registryCpu.buildah))}`,
    String(x.requests),
    String(x.roundTrips),
    String(x.roundTripsHigh),
  ]);
  const last = c.results[c.results.length - 1];
  const mix = Object.entries(last.mix)
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return [
    `Median wall time in ms over ${c.reps} rounds (after one warm-up round); children already in the target repository.`,
    '',
    table(
      ['N', 'library in-process (default concurrency 32)', `library in-process (concurrency ${c.highConcurrency})`, 'CLI process', 'CLI process, `node --liftoff-only`', 'buildah', 'CLI vs buildah', 'CPU ms of a library run: registry / library', 'registry CPU ms: CLI / buildah run', 'requests (library)', 'round trips (default)', `round trips (c=${c.highConcurrency})`],
      rows,
    ),
    '',
    `Requests of one library run at N=${last.n}: ${mix}.`,
  ].join('\n');
}

function blobSection(b) {
  const t = b.throughput;
  const cpu = (key) => (b.registryCpu[key] ? formatMs(median(b.registryCpu[key])) : '–');
  const own = (key) => (b.libCpu[key] ? formatMs(median(b.libCpu[key])) : '–');
  const line = (name, key, note) => [name, formatMs(median(b.rows[key])), formatNumber(t[key]), cpu(key), own(key), note];
  return [
    `${formatBytes(b.size)} of random bytes; median of ${b.reps} rounds; MB/s = 10^6 bytes per second.`,
    '',
    table(['Transfer', 'median ms', 'MB/s', 'registry CPU ms', 'library CPU ms', 'notes'], [
      line('library push (`pushBlob(path, { digest, size })`)', 'libPush', 'HEAD + POST + one monolithic PUT streamed from the file'),
      line('library push, digest not given (`pushBlob(path)`)', 'libPushHash', 'hashed while it is sent: POST, one PATCH, PUT ?digest='),
      line('curl push (POST, then `curl -T file` PUT)', 'curlPush', 'digest known in advance, as for the library row above'),
      line('skopeo push (`skopeo copy oci:… docker://…`)', 'skopeoPush', 'OCI layout with the blob as its layer; `--preserve-digests`'),
      line('library pull (`getBlob` → discarding sink)', 'libPull', 'digest verified while streaming'),
      line('curl pull (`curl -o /dev/null`)', 'curlPull', 'no verification'),
      line('curl pull verified (`curl … | sha256sum`)', 'curlPullVerified', 'what a script that checks the digest does'),
      line('skopeo pull (`skopeo copy docker://… oci:…`)', 'skopeoPull', 'writes the layout to disk (page cache), verifies the digest'),
      line('sha256 in-process, file read in 1 MiB chunks', 'hashFile', 'the hashing limit when reading from disk'),
      line('sha256 in-process, bytes in memory', 'hashMemory', 'the CPU limit of sha256 alone'),
    ]),
    '',
    `Run-by-run ratios (median): library push = ${formatNumber(b.ratios.pushVsCurl * 100)}% of curl, ${times(b.ratios.pushVsSkopeo)} skopeo; ` +
      `library pull = ${formatNumber(b.ratios.pullVsCurl * 100)}% of curl (${formatNumber(b.ratios.pullVsCurlVerified * 100)}% of \`curl | sha256sum\`), ${times(b.ratios.pullVsSkopeo)} skopeo.`,
    '',
    `Before every push the blob was deleted from every repository that had been given it, and HEAD requests on it in all of them and in the fresh target answered ${b.checks.headBeforePush.join(', ')}; ` +
      `the library reported the outcome(s) ${b.checks.libOutcomes.map((o) => `\`${o}\``).join(', ')}. ` +
      'So no push could be satisfied by a cross-repository mount (skopeo tries one when its blob-info cache knows another repository holding the blob), and the registry CPU column shows every push receiving all the bytes.',
  ].join('\n');
}

function copySection(c) {
  const line = (name, key) => [name, formatMs(median(c.rows[key]))];
  return [
    `Two distribution registries on loopback; median of ${c.reps} rounds; before every copy the blobs were deleted from the target repositories given them, so every copy moved every byte. The library's copies kept the source's digest: ${c.digests.join(', ')}.`,
    '',
    table(['Copy', 'median ms'], [
      line(`library \`client.copy\`, image of 2 × ${formatBytes(c.layerSize)} layers`, 'libBig'),
      line('`skopeo copy --preserve-digests`, same image', 'skopeoBig'),
      line(`library \`client.copy\`, ${c.platforms}-platform index of small images`, 'libIndex'),
      line('`skopeo copy --all --preserve-digests`, same index', 'skopeoIndex'),
    ]),
    '',
    `Run-by-run ratios (median, skopeo's time / the library's): image ${times(c.ratios.bigVsSkopeo)}, index ${times(c.ratios.indexVsSkopeo)}. Peak RSS of the copying process: ${mb(Math.max(...c.rss))}.`,
  ].join('\n');
}

function memorySection(b) {
  return [
    table(['Process', 'peak RSS (VmHWM), max over rounds'], [
      ['library idle (Node + `import "multiplatform"`)', mb(b.idleRssBytes)],
      [`library push of ${formatBytes(b.size)} (digest given)`, mb(Math.max(...b.rss.push))],
      [`library push of ${formatBytes(b.size)} (digest computed)`, mb(Math.max(...b.rss.pushHash))],
      [`library pull of ${formatBytes(b.size)}`, mb(Math.max(...b.rss.pull))],
    ]),
  ].join('\n');
}

function coldSection(cold) {
  const rows = Object.entries({ ...COLD_COMMANDS, ...DEPENDENCY_COMMANDS }).map(([key, { label }]) => {
    const t = cold.timings[key];
    return [`\`${label}\`${key === 'node' ? ' (Node alone)' : ''}`, formatMs(t.median), formatMs(t.min), formatMs(t.max)];
  });
  const loads = ['version', 'help', 'import'].map((key) => {
    const l = cold.loads[key];
    return [`\`${COLD_COMMANDS[key].label}\``, l.packages.length ? l.packages.join(', ') : 'none', l.dist.join(', ')];
  });
  return [
    `${cold.tool}, ${cold.runs} runs after 3 warm-up runs, from the package root. The last three rows import one runtime dependency alone, to show what each costs.`,
    '',
    table(['Command', 'median ms', 'min ms', 'max ms'], rows),
    '',
    'What each command loads through the ES module loader (packages from node_modules, files of dist/):',
    '',
    table(['Command', 'packages', 'dist files'], loads),
  ].join('\n');
}

/** The method section (also used to refresh a report's text without rerunning). */
export const METHOD = `
- **Registry.** CNCF distribution (Debian's \`docker-registry\`) on 127.0.0.1 with a free port, plain
  HTTP, filesystem storage in a private temp dir, deletes enabled, access log off. It runs on the same
  two cores as the clients, so every number includes the registry's own CPU time. It is started
  once, stopped by its PID at the end (also on failure), and its temp dir removed. \`bench/run.sh\`
  builds the package and runs everything from a frozen copy of \`package.json\`, \`dist\` and \`bench\`,
  so a rebuild in the work tree during the run cannot change what is measured.
- **CPU columns.** The registry's CPU time is read from \`/proc/<pid>/stat\` (user + system, 10 ms
  ticks) before and after each run, when it serves nothing else; the library's from
  \`process.cpuUsage()\` around the operation (all its threads, the kernel's work included).
- **Medians and ratios.** Every figure is the median of the timed rounds. Ratios (CLI vs buildah,
  library vs curl and skopeo) are taken round by round, from runs made one right after the other, and
  the median of those ratios is reported, so a slow moment of the machine affects both sides of a pair.
- **1. Compose and push.** One tiny OCI image per platform (32 distinct platforms: Linux
  architectures and ARM variants, Windows \`os.version\`s, BSDs, illumos, AIX…) is pushed into
  \`bench/compose\` first. Each round then pushes a list of the first N of them into the same
  repository, with no platform in the spec (each tool reads the platforms from the image configs):
  - *library in-process*: a new \`RegistryClient\` per run (new connections, as a fresh program
    would have), \`client.pushManifestList(spec)\` timed inside the benchmark process, once with the
    default concurrency (32) and once with a tighter \`concurrency: 8\`;
  - *CLI*: \`node dist/cli/bin.cjs push from-spec --quiet FILE.yml\`, the wall time of the whole process
    (the CLI is one bundle and sets V8's \`--liftoff-only\` itself; the \`node --liftoff-only\` column
    is kept to show that passing the flag again changes nothing);
  - *buildah*: \`buildah manifest create\`, one \`buildah manifest add --tls-verify=false LIST docker://child\`
    per child, and \`buildah manifest push --all=false --tls-verify=false\` (vfs storage, private \`--root\`
    and \`--runroot\`), the summed wall time of those processes — what a shell script does.
  Every pushed list is read back afterwards and must have N entries.
- **Request count and round trips.** The library's runs get a tracing undici dispatcher (an
  \`Agent\` composed with an interceptor, passed as the client's \`dispatcher\` option) that records
  every request's dispatch time and the time its response headers arrived. *Round trips* is the
  critical path: the longest chain of requests in which each was dispatched only after the previous
  one's response had begun to arrive. Requests in flight together never chain, so N lookups done in
  parallel count once and N lookups done one after another count N times. In a full pool (more
  lookups than \`concurrency\`) it is an upper bound of the dependency depth, since a request that
  waited for a free slot chains onto the request that freed it.
- **2. Blob push and pull.** One file of random bytes (incompressible) is written once. In each
  round, each push goes to a repository that never held the blob, and just before it the blob is
  deleted (\`DELETE /v2/<repo>/blobs/<digest>\`) from every repository that was given it, checked
  with HEAD. Distribution keeps one copy of the data and never mounts a blob into another
  repository by itself, so a push into a new repository uploads every byte; but skopeo remembers
  where it has seen a blob and asks for a cross-repository mount, which without the deletes turned
  its second push into a 50 ms no-op. The library runs in a child process per transfer, and its
  time covers the transfer only (not Node's start-up); curl and skopeo are timed as whole processes
  (their start-up is a few ms against seconds of transfer). curl sends the file in one monolithic
  PUT after a POST, with the digest computed beforehand (the library's main push row is given the
  digest too; the second row shows the cost of letting the library compute it). Pulls are compared
  with \`curl -o /dev/null\` (no verification) and with \`curl | sha256sum\` (verified, as a careful
  script would). skopeo copies an OCI layout whose only layer is the blob (a hard link to the same
  file), with \`--preserve-digests\` so that it uploads the layer as it is instead of
  gzip-compressing it, and pulls with \`--dest-oci-accept-uncompressed-layers\` into a fresh layout
  for the same reason.
- **3. Memory.** The library's child process reads its peak resident set (\`VmHWM\` in
  \`/proc/self/status\`) at the end of each transfer; 150 MB is taken as 150 × 10^6 bytes.
- **4. Cold start.** hyperfine (\`--shell=none\`, 3 warm-up runs) from the package root. Which
  modules a command loads is found by running it once more with a preload that registers module
  hooks (\`module.register\`) which log every URL the ES module loader loads.
`;

/** The whole markdown document. */
export function renderReport(r) {
  const m = r.machine;
  const parts = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` (bench/) on ${r.date.slice(0, 10)} at ${r.date.slice(11, 16)} UTC; the run took ${Math.round(r.durationSeconds / 60)} min.` +
      (r.settings.quick ? ' **Quick run (BENCH_QUICK=1): small blob and few rounds; not the reference numbers.**' : ''),
    'The Analysis section is hand-written (bench/ANALYSIS.md, read from the numbers and CPU profiles of a run); everything else is generated by the run.',
    '',
    '## Machine',
    '',
    table(['', ''], [
      ['CPU', m.cpu],
      ['Memory', m.memory],
      ['Kernel', m.kernel],
      ['Node.js', m.node],
      ['distribution', m.distribution],
      ['skopeo', m.skopeo],
      ['buildah', m.buildah],
      ['curl', m.curl],
      ['hyperfine', m.hyperfine],
      ['Load average (1 min) at start / end', `${formatNumber(m.loadStart, 2)} / ${formatNumber(r.loadEnd, 2)}`],
    ]),
    '',
    '## Results',
    '',
    '### Targets',
    '',
    targets(r),
    '',
    round2Targets(r),
    '',
  ];
  for (const [name, message] of Object.entries(r.errors ?? {})) parts.push(`**The ${name} section failed:**`, '', '```', message, '```', '');
  if (r.compose) parts.push('### 1. Compose and push a list', '', composeSection(r.compose), '');
  if (r.blob) parts.push('### 2. Blob push and pull', '', blobSection(r.blob), '', '### 3. Memory', '', memorySection(r.blob), '');
  if (r.cold) parts.push('### 4. Cold start', '', coldSection(r.cold), '');
  if (r.copy) parts.push('### 5. Copy between registries', '', copySection(r.copy), '');
  if (r.round2) parts.push('### 6. Round two: import, start-up, pull, compose and memory on each Node version', '', round2Section(r.round2), '');
  parts.push('## Method', METHOD);
  if (existsSync(ANALYSIS)) parts.push(readFileSync(ANALYSIS, 'utf8').trim(), '');
  parts.push(
    '## Raw data',
    '',
    '<details><summary>Every timed run (ms) and peak RSS (bytes)</summary>',
    '',
    '```json',
    JSON.stringify({ compose: r.compose?.results.map(({ n, rows }) => ({ n, ...rows })), blob: r.blob && { rows: r.blob.rows, rss: r.blob.rss }, cold: r.cold?.timings, round2: r.round2 }, roundMs, 1),
    '```',
    '',
    '</details>',
    '',
  );
  return parts.join('\n');
}

function roundMs(_key, value) {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 10) / 10 : value;
}
