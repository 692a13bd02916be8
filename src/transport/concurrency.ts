/**
 * Caps the requests in flight to each registry, shared by every operation of one client: rate-limited
 * registries (GHCR's tag-list bursts, Docker Hub, ECR) answer 429 to wide bursts, whatever the retry policy.
 * A request holds its slot until its response headers arrive (not while its body is read). An upload
 * holds one until the registry answers, which is after its whole body, read from a download, has gone:
 * so the ranged GET that resumes that download never waits for a slot (it continues a transfer already
 * admitted), or a copy within one registry could wait on itself. A wait for a slot ends on the
 * request's AbortSignal.
 */
import { abortError } from '../util/abort.js';

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

/** How a request asks for a slot. */
export interface SlotRequest {
  /** Stops the wait: the request leaves the queue and rejects with an {@link AbortError}. */
  signal?: AbortSignal;
  /** Names the request in that error. */
  operation?: string;
  /**
   * The request continues a transfer already admitted (a ranged GET resuming a download): it runs at
   * once, without a slot, since the transfer's upload may hold the slot it would wait for.
   */
  continuing?: boolean;
}

class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>, request: SlotRequest): Promise<T> {
    await this.acquire(request);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire({ signal, operation = 'waiting for a request slot' }: SlotRequest): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal, operation));
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const admit = () => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        const index = this.waiting.indexOf(admit);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(abortError(signal, operation));
      };
      this.waiting.push(admit);
      signal?.addEventListener('abort', leave, { once: true });
    });
  }

  /** Hands the slot to the first waiter, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

/** One gate per registry. */
export class RegistryConcurrency {
  private readonly gates = new Map<string, Gate>();

  /** `limit`: the same cap for every registry; default {@link defaultConcurrency}. */
  constructor(private readonly limit?: number) {}

  /** Runs `fn` once the registry has a free slot (at once for a {@link SlotRequest.continuing} request). */
  run<T>(registry: string, fn: () => Promise<T>, request: SlotRequest = {}): Promise<T> {
    const limit = this.limit ?? defaultConcurrency(registry);
    if (!Number.isFinite(limit) || request.continuing) return fn();
    let gate = this.gates.get(registry);
    if (!gate) {
      gate = new Gate(limit);
      this.gates.set(registry, gate);
    }
    return gate.run(fn, request);
  }
}
