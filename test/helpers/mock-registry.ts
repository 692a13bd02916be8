/**
 * A scripted registry for unit tests: an undici `MockAgent` (network disabled) whose every
 * request is recorded, with helpers to queue replies per origin, method and path, and to build a
 * {@link RegistryClient} that goes through it with fast retries.
 *
 * nock does not see undici's own requests; the client's `dispatcher` option is the way in.
 */
import { createHash } from 'node:crypto';
import { MockAgent, type Dispatcher } from 'undici';
import { afterAll, afterEach } from 'vitest';
import { RegistryClient, type RegistryClientOptions } from '../../src/client.js';

/** The registry name the tests use (not loopback, so it is reached over HTTPS only). */
export const REGISTRY = 'registry.test';
/** Where {@link REGISTRY} is reached. */
export const ORIGIN = 'https://registry.test';

/** One request as the mock saw it. */
export interface SeenRequest {
  origin: string;
  method: string;
  /** Path with its query string, as sent. */
  path: string;
  url: URL;
  /** Request headers with lowercased names. */
  headers: Record<string, string>;
  /** The request body when it was bytes or a string; `'stream'` for a stream; undefined for none. */
  body: Buffer | 'stream' | undefined;
}

/** A scripted answer. An object body is sent as JSON. */
export interface Reply {
  status: number;
  body?: string | Uint8Array | object;
  headers?: Record<string, string | string[]>;
}

/** A fixed reply, or a function of the request that returns one (synchronously: undici's mock needs the status at once). */
export type Responder = Reply | ((req: SeenRequest) => Reply);

/** Matches a request path: a string matches the path without its query, a RegExp or function the whole path. */
export type PathMatcher = string | RegExp | ((path: string) => boolean);

export interface RouteOptions {
  /** Default {@link ORIGIN}. */
  origin?: string;
  /** How many requests this route answers (default 1). */
  times?: number;
  /** Answer every matching request. */
  persist?: boolean;
  /** Wait this long before answering (the request can be aborted meanwhile). */
  delayMs?: number;
}

/** Fast retries so tests of backoff take milliseconds. */
export const FAST_RETRY = { minDelayMs: 1, maxDelayMs: 5 } as const;

/** A MockAgent that keeps a snapshot of every request it is asked to dispatch (headers are copied: the caller may reuse its object). */
class RecordingAgent extends MockAgent {
  readonly seen: SeenRequest[] = [];
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.seen.push(seen(options));
    return super.dispatch(options, handler);
  }
}

/**
 * Scripted registry origins behind one MockAgent. Routes are answered in the order they were added
 * (each once unless `times`/`persist` say otherwise); anything unrouted fails as a network error.
 */
export class MockRegistry {
  #agent = openAgent();

  /** Pass this as the client's `dispatcher`. */
  get agent(): MockAgent {
    return this.#agent;
  }

  /** Every request dispatched so far, including those answered with an error or matched by nothing. */
  get requests(): SeenRequest[] {
    return [...this.#agent.seen];
  }

  /** Requests matching a method and/or a path (same rules as routes), in order. */
  filter(method?: string, path?: PathMatcher, origin?: string): SeenRequest[] {
    const matchPath = path === undefined ? () => true : toPathMatcher(path);
    return this.requests.filter(
      (r) => (method === undefined || r.method === method) && matchPath(r.path) && (origin === undefined || r.origin === origin),
    );
  }

  /** Number of requests matching a method and/or path. */
  count(method?: string, path?: PathMatcher, origin?: string): number {
    return this.filter(method, path, origin).length;
  }

  /** Queues an answer for requests with this method and path. Earlier routes win while they last. */
  on(method: string, path: PathMatcher, responder: Responder, options: RouteOptions = {}): this {
    const interceptor = this.agent.get(options.origin ?? ORIGIN).intercept({ method, path: toPathMatcher(path) });
    const scope = interceptor.reply((opts) => {
      const reply = typeof responder === 'function' ? responder(seen(opts)) : responder;
      return { statusCode: reply.status, data: replyData(reply.body), responseOptions: { headers: reply.headers ?? {} } };
    });
    configure(scope, options);
    return this;
  }

  /** Queues a connection-level failure (undici reports the error as it would a reset socket). */
  fail(method: string, path: PathMatcher, error: Error, options: RouteOptions = {}): this {
    const scope = this.agent.get(options.origin ?? ORIGIN).intercept({ method, path: toPathMatcher(path) }).replyWithError(error);
    configure(scope, options);
    return this;
  }

  /**
   * A client that sends everything through this mock, reads no Docker config and retries fast.
   * The mock token server `auth.registry.test` is trusted with credentials unless the options say otherwise.
   */
  client(options: RegistryClientOptions = {}): RegistryClient {
    return new RegistryClient({ dispatcher: this.agent, dockerConfig: false, env: {}, retry: FAST_RETRY, trustedTokenRealms: ['auth.registry.test'], ...options });
  }

  /** Number of routes still waiting for a request (a test may assert there are none left). */
  pending(): number {
    return this.agent.pendingInterceptors().length;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Closes the agent and starts over with a fresh one: no routes, no requests seen. */
  async restart(): Promise<void> {
    await this.close();
    this.#agent = openAgent();
  }
}

function openAgent(): RecordingAgent {
  const agent = new RecordingAgent();
  agent.disableNetConnect();
  return agent;
}

/**
 * The {@link MockRegistry} of a test file: every test gets a fresh agent (no routes, nothing seen),
 * closed after the test. Call it once at the top of the file, outside any test.
 */
export function useMockRegistry(): MockRegistry {
  const mock = new MockRegistry();
  afterEach(() => mock.restart());
  afterAll(() => mock.close());
  return mock;
}

function configure(scope: { times(n: number): unknown; persist(): unknown; delay(ms: number): unknown }, options: RouteOptions): void {
  if (options.persist) scope.persist();
  else if (options.times !== undefined) scope.times(options.times);
  if (options.delayMs !== undefined) scope.delay(options.delayMs);
}

function toPathMatcher(path: PathMatcher): (p: string) => boolean {
  if (typeof path === 'function') return path;
  if (path instanceof RegExp) return (p) => path.test(p);
  return (p) => p.split('?')[0] === path;
}

function seen(opts: { origin?: unknown; method: string; path: string; headers?: unknown; body?: unknown }): SeenRequest {
  const origin = new URL(String(opts.origin ?? ORIGIN)).origin;
  const url = new URL(opts.path, origin);
  return { origin, method: opts.method, path: opts.path, url, headers: normalizeHeaders(opts.headers), body: bodyBytes(opts.body) };
}

function replyData(body: Reply['body']): string | Buffer {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return JSON.stringify(body);
}

function normalizeHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
  } else if (headers && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
      if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
  }
  return out;
}

function bodyBytes(body: unknown): Buffer | 'stream' | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return 'stream';
}

/** The sha256 digest of bytes, as a registry would name them. */
export function sha256(data: Uint8Array | string): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A small valid OCI image manifest: its exact bytes and digest. */
export function ociManifest(seed = 'layer'): { bytes: Buffer; digest: `sha256:${string}`; mediaType: string } {
  const config = Buffer.from(`{"architecture":"amd64","os":"linux","seed":"${seed}"}`);
  const layer = Buffer.from(`layer bytes ${seed}`);
  const doc = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  };
  // Indented on purpose: the digest must be computed over the exact bytes, not a re-serialisation.
  const bytes = Buffer.from(JSON.stringify(doc, null, 3));
  return { bytes, digest: sha256(bytes), mediaType: doc.mediaType };
}

/** A 200 reply carrying a manifest with its content type and digest header. */
export function manifestReply(m: { bytes: Buffer; digest: string; mediaType: string }, extraHeaders: Record<string, string> = {}): Reply {
  return {
    status: 200,
    body: m.bytes,
    headers: {
      'content-type': m.mediaType,
      'content-length': String(m.bytes.length),
      'docker-content-digest': m.digest,
      ...extraHeaders,
    },
  };
}

/** A registry error reply in the distribution-spec shape. */
export function errorReply(status: number, code: string, message = code.toLowerCase().replace(/_/g, ' '), headers: Record<string, string> = {}): Reply {
  return { status, body: { errors: [{ code, message }] }, headers: { 'content-type': 'application/json', ...headers } };
}

/** Waits for the promise to reject and returns the error (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
