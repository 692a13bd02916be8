/**
 * Caps the requests in flight to each registry, shared by every operation of one client: rate-limited
 * registries (GHCR's tag-list bursts, Docker Hub, ECR) answer 429 to wide bursts, whatever the retry policy.
 * A request holds its slot until its response headers arrive (not while its body is read, so a copy that
 * streams a blob from a registry into the same registry cannot wait on itself).
 */

/** Requests in flight per registry on hosts known to rate-limit bursts, unless the client says otherwise. */
export const RATE_LIMITED_HOST_CONCURRENCY = 6;

const RATE_LIMITED_HOSTS: RegExp[] = [
  /^ghcr\.io$/,
  /^docker\.io$/,
  /^registry-1\.docker\.io$/,
  /^quay\.io$/,
  /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
  /^public\.ecr\.aws$/,
];

/** The default cap for a registry: small for the hosts above, none elsewhere. */
export function defaultConcurrency(registry: string): number {
  const host = registry.replace(/:\d+$/, '').toLowerCase();
  return RATE_LIMITED_HOSTS.some((pattern) => pattern.test(host)) ? RATE_LIMITED_HOST_CONCURRENCY : Number.POSITIVE_INFINITY;
}

class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

/** One gate per registry. */
export class RegistryConcurrency {
  private readonly gates = new Map<string, Gate>();

  /** `limit`: the same cap for every registry; default {@link defaultConcurrency}. */
  constructor(private readonly limit?: number) {}

  run<T>(registry: string, fn: () => Promise<T>): Promise<T> {
    const limit = this.limit ?? defaultConcurrency(registry);
    if (!Number.isFinite(limit)) return fn();
    let gate = this.gates.get(registry);
    if (!gate) {
      gate = new Gate(limit);
      this.gates.set(registry, gate);
    }
    return gate.run(fn);
  }
}
