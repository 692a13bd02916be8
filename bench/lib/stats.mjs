/** Small statistics and formatting helpers for the benchmark report. */

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, minimum and maximum of a list of numbers. */
export function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` and returns its result with the elapsed milliseconds. */
export async function timed(fn) {
  const start = nowMs();
  const result = await fn();
  return { ms: nowMs() - start, result };
}

/** Megabytes (10^6 bytes) per second. */
export function mbPerSecond(bytes, ms) {
  return bytes / 1e6 / (ms / 1000);
}

/** `1234.5` → `1,235` ms style; keeps one decimal under 100. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms < 100 ? ms.toFixed(1) : Math.round(ms).toLocaleString('en-US');
}

/** Formats a number with a fixed count of decimals, or `n/a`. */
export function formatNumber(value, decimals = 0) {
  return Number.isFinite(value) ? value.toFixed(decimals) : 'n/a';
}

/** Formats a byte count in MiB or GiB. */
export function formatBytes(bytes) {
  return bytes >= 1 << 30 ? `${(bytes / 2 ** 30).toFixed(bytes % (1 << 30) === 0 ? 0 : 2)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
