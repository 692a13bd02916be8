/** Counts events in a sliding window: `tryTake` fails once `limit` events happened in the last `windowMs`. */
export class RateWindow {
  private readonly times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an event and returns true, or returns false (recording nothing) when the window is full. */
  tryTake(): boolean {
    const now = this.now();
    while (this.times.length > 0 && (this.times[0] ?? 0) <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) return false;
    this.times.push(now);
    return true;
  }

  /** Milliseconds until the oldest event in the window leaves it (0 when there is room). */
  msUntilFree(): number {
    if (this.times.length < this.limit) return 0;
    return Math.max(0, (this.times[0] ?? 0) + this.windowMs - this.now());
  }
}

/** Go's `time.Duration` text for a wait, as GHCR writes it in its 429 bodies: `880.092µs`, `1.16676ms`, `2.5s`. */
export function goDuration(ms: number): string {
  const trim = (n: number) => String(Number(n.toFixed(6)));
  if (ms < 1) return `${trim(ms * 1000)}µs`;
  if (ms < 1000) return `${trim(ms)}ms`;
  return `${trim(ms / 1000)}s`;
}
