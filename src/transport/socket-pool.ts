/**
 * Connections for the socket exchange (socket-exchange.ts): one TCP or TLS socket per exchange,
 * kept per origin while idle so the next body reuses it, and closed by {@link SocketPool.close}.
 * Sockets read with `onread` into the buffers of read-slabs.ts.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import { ReadSlabs } from './read-slabs.js';

/** Where a connection goes, and whether its certificate is checked. */
export interface Origin {
  protocol: 'http:' | 'https:';
  /** A host name or an IP address (an IPv6 address without brackets). */
  hostname: string;
  port: number;
  /** https only: accept any certificate (the `skipTlsVerify` hosts). */
  insecure: boolean;
}

/** Who is told of what a connection reads while it serves an exchange. */
export interface ConnectionListener {
  /** Bytes read; false stops reading until {@link Connection.resume}. */
  data(chunk: Buffer): boolean;
  /** The server closed its side. */
  end(): void;
  error(error: Error): void;
  /** No byte for the time given to {@link Connection.setIdleTimeout}. */
  timeout(): void;
}

// Below the 5 s keep-alive of Node's and many other servers, as undici's default (4 s) is.
const IDLE_MS = 4_000;
const MAX_IDLE_PER_ORIGIN = 8;

export class Connection {
  readonly socket: net.Socket;
  #listener: ConnectionListener | undefined;
  readonly #buffers = new ReadSlabs();
  readonly #secure: boolean;

  constructor(
    readonly key: string,
    origin: Origin,
    private readonly onIdleClose: (connection: Connection) => void,
  ) {
    const onread = { buffer: this.#nextReadBuffer, callback: this.#onRead };
    // Loaded at the first blob connection, so that importing the library loads neither.
    const net = process.getBuiltinModule('node:net');
    const servername = net.isIP(origin.hostname) ? undefined : origin.hostname;
    // Node passes `onread` on to the TLS socket (its decrypted reads), though its types leave it out.
    const secure: tls.ConnectionOptions = { host: origin.hostname, port: origin.port, servername, rejectUnauthorized: !origin.insecure, ALPNProtocols: ['http/1.1'] };
    this.#secure = origin.protocol === 'https:';
    this.socket = this.#secure ? process.getBuiltinModule('node:tls').connect({ ...secure, onread } as tls.ConnectionOptions) : net.connect({ host: origin.hostname, port: origin.port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('end', () => (this.#listener ? this.#listener.end() : this.destroy()));
    this.socket.on('error', (error) => this.#listener?.error(error));
    this.socket.on('timeout', () => (this.#listener ? this.#listener.timeout() : this.destroy()));
    this.socket.on('close', () => {
      if (this.#listener) this.#listener.error(Object.assign(new Error('the connection closed'), { code: 'UND_ERR_SOCKET' }));
      else this.onIdleClose(this);
    });
  }

  /** Resolves once connected (and, for https, once the certificate was accepted). */
  ready(): Promise<void> {
    const event = this.#secure ? 'secureConnect' : 'connect';
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        this.socket.off(event, done);
        reject(error);
      };
      const done = () => {
        this.socket.off('error', fail);
        resolve();
      };
      this.socket.once(event, done);
      this.socket.once('error', fail);
    });
  }

  /** Hands the connection's reads to `listener` (undefined while the connection is idle). */
  listen(listener: ConnectionListener | undefined): void {
    this.#listener = listener;
  }

  setIdleTimeout(ms: number): void {
    this.socket.setTimeout(ms);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  destroy(): void {
    this.#listener = undefined;
    this.socket.destroy();
  }

  readonly #nextReadBuffer = (): Buffer => this.#buffers.next();

  readonly #onRead = (bytes: number, buffer: Buffer): boolean => {
    this.#buffers.filled(bytes);
    const listener = this.#listener;
    if (listener) return listener.data(buffer.subarray(0, bytes));
    // Bytes on an idle connection answer nothing that was asked: the connection cannot be trusted.
    this.destroy();
    return false;
  };
}

/** Idle connections by origin; `close()` ends them and makes later releases close theirs. */
export class SocketPool {
  readonly #idle = new Map<string, Connection[]>();
  #closed = false;

  /** An idle connection to `origin` if there is one (reused: true), or a new one, connected. */
  async acquire(origin: Origin, connectTimeoutMs: number, signal?: AbortSignal, options: { fresh?: boolean } = {}): Promise<{ connection: Connection; reused: boolean }> {
    const key = keyOf(origin);
    const idle = options.fresh ? undefined : this.#idle.get(key);
    while (idle && idle.length > 0) {
      const connection = idle.pop()!;
      if (connection.destroyed) continue;
      connection.socket.ref();
      return { connection, reused: true };
    }
    const connection = new Connection(key, origin, (c) => this.#forget(c));
    const timer = setTimeout(() => connection.socket.destroy(Object.assign(new Error('connect timed out'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), connectTimeoutMs);
    const onAbort = () => connection.socket.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await connection.ready();
    } catch (error) {
      connection.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    return { connection, reused: false };
  }

  /** Keeps a connection whose exchange ended cleanly for the next request to its origin. */
  release(connection: Connection): void {
    connection.listen(undefined);
    const idle = this.#idle.get(connection.key) ?? [];
    if (this.#closed || connection.destroyed || idle.length >= MAX_IDLE_PER_ORIGIN) {
      connection.destroy();
      return;
    }
    connection.setIdleTimeout(IDLE_MS);
    connection.resume();
    // An idle connection does not keep the process alive.
    connection.socket.unref();
    idle.push(connection);
    this.#idle.set(connection.key, idle);
  }

  /** Closes every idle connection; connections still in use are closed when their exchange ends. */
  close(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) for (const connection of list) connection.destroy();
    this.#idle.clear();
  }

  /** How many idle connections are kept (for tests). */
  get idleCount(): number {
    let count = 0;
    for (const list of this.#idle.values()) count += list.length;
    return count;
  }

  #forget(connection: Connection): void {
    const list = this.#idle.get(connection.key);
    const at = list?.indexOf(connection) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  }
}

function keyOf(origin: Origin): string {
  return `${origin.protocol}//${origin.hostname}:${origin.port}${origin.insecure ? ' insecure' : ''}`;
}
