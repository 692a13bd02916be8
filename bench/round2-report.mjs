/** The round-two targets table (issue 15) and the start-up table of section 5, for report.mjs. */
import { formatBytes, formatMs, formatNumber, median } from './lib/stats.mjs';

const status = (pass) => (pass === undefined ? 'n/a' : pass ? '**PASS**' : '**MISS**');
const times = (ratio) => `${formatNumber(ratio, 2)}×`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
const RSS_LIMIT = 100e6;

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** One row per target: what was measured, the reference from the same run, PASS/MISS. */
export function round2Targets(r) {
  const rows = [];
  for (const s of r.round2?.startup ?? []) {
    const main = s.importMain / s.node;
    const oci = s.importOci / s.node;
    const version = s.version / s.node;
    rows.push([`${s.label}: \`import 'multiplatform'\` ≤ 1.6 × \`node -e 0\``, `${formatMs(s.importMain)} / ${formatMs(s.node)} ms = ${times(main)}`, status(main <= 1.6)]);
    rows.push([`${s.label}: \`import 'multiplatform/oci'\` ≤ 1.15 × \`node -e 0\``, `${formatMs(s.importOci)} / ${formatMs(s.node)} ms = ${times(oci)}`, status(oci <= 1.15)]);
    rows.push([`${s.label}: \`multiplatform --version\` < 1.2 × \`node -e 0\``, `${formatMs(s.version)} / ${formatMs(s.node)} ms = ${times(version)}`, status(version < 1.2)]);
    if (s.push2 !== undefined) {
      const extra = s.push2 - s.node;
      rows.push([`${s.label}: CLI \`push from-spec\`, N=2, ≤ \`node -e 0\` + 120 ms`, `${formatMs(s.push2)} ms = node -e 0 + ${formatMs(extra)} ms`, status(extra <= 120)]);
    }
  }
  const c = r.compose?.results;
  if (c) {
    const limits = { 2: 0.5, 8: 0.25, 32: 0.12 };
    for (const x of c) {
      const limit = limits[x.n];
      if (limit === undefined) continue;
      const ratio = median(x.rows.cli.map((ms, i) => ms / x.rows.buildah[i]));
      rows.push([`CLI time / buildah time at N=${x.n} ≤ ${limit}`, `${formatMs(median(x.rows.cli))} / ${formatMs(median(x.rows.buildah))} ms = ${formatNumber(ratio, 2)}`, status(ratio <= limit)]);
    }
  }
  const k = r.round2?.compose;
  if (k) {
    rows.push([`Compose, \`verifyPlatforms: false\`, N=${k.n}: ≤ ${k.n + 2} requests, no config GET`, `${k.trustedRequests} requests, ${k.configGets} config GETs`, status(k.trustedRequests <= k.n + 2 && k.configGets === 0)]);
    rows.push([`Compose N=${k.n}: library client CPU ≤ 1.5 × a raw \`node:http\` client doing the same ${2 * k.n + 2} requests`, `${formatMs(k.libCpu)} / ${formatMs(k.rawCpu)} ms = ${times(k.cpuRatio)}`, status(k.cpuRatio <= 1.5)]);
  }
  const p = r.round2?.pull;
  if (p) {
    rows.push([`Verified pull of ${formatBytes(p.size)} ≥ 1.3 × \`curl | openssl dgst -sha256\``, `${formatMs(p.libMs)} vs ${formatMs(p.shellMs)} ms: ${times(p.ratio)} the shell's speed`, status(p.ratio >= 1.3)]);
    rows.push([`Peak RSS ≤ 100 MB during the ${formatBytes(p.size)} pull`, mb(p.peakRss), status(p.peakRss <= RSS_LIMIT)]);
  }
  const b = r.blob;
  if (b) {
    const push = Math.max(...b.rss.push);
    rows.push([`Peak RSS ≤ 100 MB during the ${formatBytes(b.size)} push (digest given)`, mb(push), status(push <= RSS_LIMIT)]);
  }
  return rows.length > 0 ? table(['Target (round two)', 'Result, with its reference from this run', 'Status'], rows) : '';
}

/** Start-up medians per Node version (section 5). */
export function round2Section(r2) {
  const rows = r2.startup.map((s) => [s.label, formatMs(s.node), formatMs(s.importMain), formatMs(s.importOci), formatMs(s.version), formatMs(s.push2)]);
  return [
    'Median wall time in ms of interleaved runs (one warm-up round), each command a fresh process.',
    '',
    table(['Node', '`node -e 0`', "`import 'multiplatform'`", "`import 'multiplatform/oci'`", '`multiplatform --version`', '`push from-spec`, N=2'], rows),
  ].join('\n');
}
