/** Milliseconds per unit of a command-line duration. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads a duration as the CLI accepts it: a number with a unit (`500ms`, `30s`, `1.5m`, `2h`) or a
 * plain number of milliseconds (`1500`). Returns milliseconds, or undefined when `text` is not a
 * duration (negative, empty, an unknown unit).
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
