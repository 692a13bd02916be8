import { randomUUID } from 'node:crypto';
import { Digester, type Digest, type DigestAlgorithm } from '../oci/digest.js';
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

/** Sessions untouched for this long are discarded when a new one starts, so abandoned uploads do not pile up. */
export const UPLOAD_IDLE_MS = 60 * 60 * 1000;

/** The open upload sessions of a registry. */
export class UploadManager {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(
    private readonly store: BlobStore,
    private readonly idleMs = UPLOAD_IDLE_MS,
  ) {}

  /** Starts a session; `register: false` makes a private one (a monolithic POST) that no URL can reach. */
  async create(repository: string, algorithm: DigestAlgorithm = 'sha256', register = true): Promise<UploadSession> {
    await this.discardIdle();
    const session = new UploadSession(randomUUID(), repository, await this.store.createUpload(), algorithm);
    if (register) this.sessions.set(session.id, session);
    return session;
  }

  private async discardIdle(): Promise<void> {
    const cutoff = Date.now() - this.idleMs;
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

  get count(): number {
    return this.sessions.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.buffer.discard()));
  }
}
