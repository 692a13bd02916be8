import { randomUUID } from 'node:crypto';
import { Digester, type Digest, type DigestAlgorithm } from '../oci/digest.js';
import { ApiError } from './api-error.js';
import type { BlobStore, UploadBuffer } from './storage/blob-store.js';

/** A blob upload in progress (`/v2/<name>/blobs/uploads/<id>`). */
export class UploadSession {
  /** A running hash of the bytes so far; dropped after a failed chunk, the content is then re-hashed at commit. */
  digester: Digester | undefined;
  /** True while a request is writing to this session. */
  busy = false;
  lastUsed = Date.now();

  constructor(
    readonly id: string,
    readonly repository: string,
    readonly buffer: UploadBuffer,
    algorithm: DigestAlgorithm,
  ) {
    this.digester = new Digester(algorithm);
  }

  /** The URL path of this session, used as `Location`. */
  get location(): string {
    return `/v2/${this.repository}/blobs/uploads/${this.id}`;
  }

  /**
   * The digest of everything uploaded, with `algorithm`. Uses the running hash when it matches, else re-reads
   * the content. Finalises the running hash: call once, when committing.
   */
  async digest(algorithm: DigestAlgorithm): Promise<Digest> {
    if (this.digester && this.digester.algorithm === algorithm && this.digester.size === this.buffer.size) {
      const digest = this.digester.digest();
      this.digester = undefined;
      return digest;
    }
    const digester = new Digester(algorithm);
    for await (const chunk of this.buffer.read()) digester.update(chunk);
    return digester.digest();
  }
}

/** How many upload sessions may be open, and how long an untouched one lives. */
export interface UploadLimits {
  /** Open sessions per repository. */
  perRepository: number;
  /** Open sessions in the whole registry. */
  total: number;
  /** A session no request has touched for this long is discarded, with its bytes. */
  idleMs: number;
}

/** The defaults of {@link UploadLimits}. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { perRepository: 100, total: 1000, idleMs: 15 * 60 * 1000 };

/** Longest pause between two sweeps for idle sessions. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/**
 * The open upload sessions of a registry, capped per repository and in total. Sessions idle past
 * `limits.idleMs` are discarded by a timer (which never keeps the process alive) and before a new one starts.
 */
export class UploadManager {
  private readonly sessions = new Map<string, UploadSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly store: BlobStore,
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {
    const interval = Math.min(Math.max(Math.floor(limits.idleMs / 2), 10), MAX_SWEEP_INTERVAL_MS);
    this.sweeper = setInterval(() => void this.discardIdle(), interval);
    this.sweeper.unref();
  }

  /**
   * Starts a session; `register: false` makes a private one (a monolithic POST) that no URL can reach and no
   * limit counts. Past a limit: 429 `TOOMANYREQUESTS` naming it.
   */
  async create(repository: string, algorithm: DigestAlgorithm = 'sha256', register = true): Promise<UploadSession> {
    await this.discardIdle();
    if (register) this.checkLimits(repository);
    const session = new UploadSession(randomUUID(), repository, await this.store.createUpload(), algorithm);
    if (register) this.sessions.set(session.id, session);
    return session;
  }

  private checkLimits(repository: string): void {
    const idleSeconds = Math.round(this.limits.idleMs / 1000);
    const advice = `finish or cancel (DELETE) open uploads, or wait for idle ones to expire after ${idleSeconds} s`;
    if (this.sessions.size >= this.limits.total) {
      throw ApiError.of(429, 'TOOMANYREQUESTS', `this registry has ${this.sessions.size} open upload sessions, its limit of ${this.limits.total}; ${advice}`, {
        limit: this.limits.total,
      });
    }
    let open = 0;
    for (const session of this.sessions.values()) if (session.repository === repository) open += 1;
    if (open >= this.limits.perRepository) {
      throw ApiError.of(
        429,
        'TOOMANYREQUESTS',
        `repository ${repository} has ${open} open upload sessions, the limit of ${this.limits.perRepository} per repository; ${advice}`,
        { limit: this.limits.perRepository },
      );
    }
  }

  private async discardIdle(): Promise<void> {
    const cutoff = Date.now() - this.limits.idleMs;
    const idle = [...this.sessions.values()].filter((s) => !s.busy && s.lastUsed < cutoff);
    for (const session of idle) this.sessions.delete(session.id);
    await Promise.allSettled(idle.map((s) => s.buffer.discard()));
  }

  /** The session `id` of `repository`, or undefined (an id used under another repository is unknown there). */
  get(repository: string, id: string): UploadSession | undefined {
    const session = this.sessions.get(id);
    return session && session.repository === repository ? session : undefined;
  }

  /** Forgets a session (after commit or cancel) and releases its buffer unless `keepBuffer`. */
  async end(session: UploadSession, keepBuffer = false): Promise<void> {
    this.sessions.delete(session.id);
    if (!keepBuffer) await session.buffer.discard();
  }

  /** Open sessions. */
  get count(): number {
    return this.sessions.size;
  }

  /** Stops the idle timer and discards every session. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.buffer.discard()));
  }
}
