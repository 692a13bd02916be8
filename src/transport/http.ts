import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { AbortError, NetworkError, UnsafeRequestError, isMultiplatformError, redact } from '../errors.js';
import { isInternalHost, isLoopbackHost } from './address.js';
import { BodyOpener, type BodySource } from './body.js';
import { MAX_HEAD_BYTES } from './http1-response.js';
import { dispatchRaw, type RawRequest, type RawResponse } from './raw-body.js';
import { exchangeOverSocket, type SocketRequest } from './socket-exchange.js';
import { SocketPool } from './socket-pool.js';
import { redactHeaders, redactUrl, type HttpEvent } from './http-events.js';
import { abortError } from '../util/abort.js';
import { discard } from '../util/streams.js';

export type ResponseBody = Dispatcher.ResponseData['body'];

/** One HTTP exchange, after redirects were followed. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: BodySource | BodyOpener;
  signal?: AbortSignal;
  /** Names the operation in errors, e.g. `GET manifest localhost:5000/app:1`. */
  operation: string;
  /** Follow 3xx answers (GET and HEAD only). Default true. */
  followRedirects?: boolean;
  /**
   * A blob's bytes (or the loopback scheme probe's answer, so that the blob can follow on its kept
   * connection): a download's body is read as a {@link RawBody}, over the transport's own
   * socket exchange when it makes its own connections and no proxy applies, otherwise through the
   * dispatcher directly. An upload (PUT or PATCH with a `content-length`) goes over the socket
   * exchange in the same case, and through `undici.request` otherwise.
   */
  rawBody?: boolean;
  /**
   * With `rawBody` on a GET: a small document read whole (an image config), for which a new connection of the
   * socket exchange (and its read slab) would cost more than it saves; it goes through the dispatcher's kept
   * connections instead.
   */
  small?: boolean;
}

export interface HttpTransportOptions {
  /** The undici dispatcher for every request (a pool, a proxy agent, a MockAgent). */
  dispatcher?: Dispatcher;
  /** Hosts for which TLS certificates are not verified. */
  skipTlsVerify?: (host: string) => boolean;
  userAgent: string;
  /** Time allowed for response headers to arrive, in ms (default 60 s). */
  headersTimeoutMs?: number;
  /** Time allowed between two body chunks, in ms (default 5 min). */
  bodyTimeoutMs?: number;
  /** Proxies to go through (from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`); none when absent. */
  proxy?: ProxySettings;
  /** Told of every request sent and every answer's status line and headers, credentials removed. */
  onHttp?: (event: HttpEvent) => void;
}

/** Where requests are proxied, as the usual environment variables say. */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** Reads `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (either case) from an environment; undefined when no proxy is set. */
export function proxyFromEnv(env: Record<string, string | undefined>): ProxySettings | undefined {
  const pick = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const settings: ProxySettings = { httpProxy: pick('HTTP_PROXY'), httpsProxy: pick('HTTPS_PROXY'), noProxy: pick('NO_PROXY') };
  return settings.httpProxy || settings.httpsProxy ? settings : undefined;
}

const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Reads the first value of a response header. */
export function header(res: { headers: HttpResponse['headers'] }, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** All values of a response header (several headers or one). */
export function headerValues(res: { headers: HttpResponse['headers'] }, name: string): string[] {
  const value = res.headers[name.toLowerCase()];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The base of the transport stack: one undici request, with redirects followed by hand so that
 * credentials never cross origins, downgrades are refused and internal addresses are not reached
 * from a public registry.
 */
export class HttpTransport {
  private readonly dispatcher: Dispatcher | undefined;
  /** The pools this transport created, by TLS verification and proxying. */
  private readonly agents = new Map<string, Dispatcher>();
  /** The connections of the socket exchange (blob bodies), by origin. */
  private readonly sockets = new SocketPool();

  constructor(private readonly options: HttpTransportOptions) {
    this.dispatcher = options.dispatcher;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const opener = req.body instanceof BodyOpener ? req.body : new BodyOpener(req.body);
    let url = new URL(req.url);
    let method: HttpRequest['method'] = req.method;
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent, ...lowercaseKeys(req.headers ?? {}) };
    const startedInternal = isInternalHost(url.hostname);
    const follow = req.followRedirects !== false && (method === 'GET' || method === 'HEAD');

    for (let hop = 0; ; hop++) {
      const res = await this.once(method, url, headers, method === req.method ? opener : undefined, req);
      const location = header(res, 'location');
      if (!follow || !REDIRECT_STATUSES.has(res.status) || !location) return res;
      await discard(res.body);
      if (hop + 1 > MAX_REDIRECTS) {
        throw new UnsafeRequestError(`${req.operation}: more than ${MAX_REDIRECTS} redirects`);
      }
      const next = new URL(location, url);
      checkRedirect(req.operation, url, next, startedInternal);
      if (next.origin !== url.origin) delete headers['authorization'];
      if (res.status === 303) method = 'GET';
      url = next;
    }
  }

  private async once(
    method: string,
    url: URL,
    headers: Record<string, string>,
    opener: BodyOpener | undefined,
    req: HttpRequest,
  ): Promise<HttpResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UnsafeRequestError(`${req.operation}: refusing ${url.protocol} URL`);
    }
    try {
      req.signal?.throwIfAborted?.();
      this.report(() => ({ kind: 'request', method, url: redactUrl(url), headers: redactHeaders(headers) }));
      const length = Number(headers['content-length']);
      const upload = (method === 'PUT' || method === 'PATCH') && Number.isSafeInteger(length) && length >= 0;
      if (req.rawBody && (method === 'GET' || (upload && this.isDirect(url)))) {
        const raw = await this.rawExchange(
          req.small === true,
          {
            url,
            method,
            headers,
            signal: req.signal,
            headersTimeout: this.options.headersTimeoutMs ?? 60_000,
            bodyTimeout: this.options.bodyTimeoutMs ?? 300_000,
          },
          upload ? { source: opener?.open(), length } : undefined,
        );
        this.report(() => ({ kind: 'response', method, url: redactUrl(url), status: raw.statusCode, headers: redactHeaders(raw.headers) }));
        return { status: raw.statusCode, headers: raw.headers, body: raw.body as unknown as ResponseBody, url: url.toString() };
      }
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: (opener?.open() ?? null) as Dispatcher.RequestOptions["body"],
        signal: req.signal,
        dispatcher: this.dispatcherFor(url),
        headersTimeout: this.options.headersTimeoutMs ?? 60_000,
        bodyTimeout: this.options.bodyTimeoutMs ?? 300_000,
      });
      this.report(() => ({ kind: 'response', method, url: redactUrl(url), status: res.statusCode, headers: redactHeaders(res.headers) }));
      return { status: res.statusCode, headers: res.headers, body: res.body, url: url.toString() };
    } catch (error) {
      const failure = toTransportError(error, req.operation, req.signal);
      this.report(() => ({ kind: 'failure', method, url: redactUrl(url), message: redact(failure.message) }));
      throw failure;
    }
  }

  /** Tells the `onHttp` listener, if any; a listener that throws does not fail the request. */
  private report(event: () => HttpEvent): void {
    const listener = this.options.onHttp;
    if (!listener) return;
    try {
      listener(event());
    } catch {
      // A logging callback must not change what the request does.
    }
  }

  /**
   * A body GET over the socket exchange when this transport makes its own connections and no
   * proxy is configured for the host (a caller's dispatcher, a proxy and NO_PROXY stay undici's).
   */
  private rawExchange(small: boolean, raw: RawRequest, body?: SocketRequest['body']): Promise<RawResponse> {
    if (small || !this.isDirect(raw.url)) return dispatchRaw(this.dispatcherFor(raw.url), raw);
    return exchangeOverSocket(this.sockets, { ...raw, insecure: this.isInsecure(raw.url), body });
  }

  /** True when this transport makes its own connections to `url` (no dispatcher of the caller's, no proxy). */
  private isDirect(url: URL): boolean {
    return !this.dispatcher && !this.proxyFor(url);
  }

  private isInsecure(url: URL): boolean {
    return url.protocol === 'https:' && this.options.skipTlsVerify?.(url.host) === true;
  }

  /** As Go's ProxyFromEnvironment does, loopback registries are never reached through a proxy. */
  private proxyFor(url: URL): ProxySettings | undefined {
    return isLoopbackHost(url.hostname) ? undefined : this.options.proxy;
  }

  private dispatcherFor(url: URL): Dispatcher {
    if (this.dispatcher) return this.dispatcher;
    const insecure = this.isInsecure(url);
    const proxy = this.proxyFor(url);
    const key = `${insecure ? 'insecure' : 'verified'}:${proxy ? 'proxy' : 'direct'}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = newAgent(insecure ? { rejectUnauthorized: false } : {}, proxy);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes the connection pools this transport created (a caller's dispatcher is left alone). */
  async close(): Promise<void> {
    this.sockets.close();
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map(closeAgent));
  }
}

/**
 * Closes a pool: at once when no request is queued or running in it, else after those requests.
 * undici's `close()` ends each idle connection with an error of its own, whose stack trace Node
 * formats as it destroys the socket (≈ 0.1 ms per connection, a few per cent of a composition of
 * 32 children); destroying an idle pool with one error does the same work once.
 */
function closeAgent(agent: Dispatcher): Promise<void> {
  const busy = agent instanceof Agent && Object.values(agent.stats).some((pool) => pool.size > 0);
  return agent instanceof Agent && !busy ? agent.destroy(Object.assign(new Error('connection pool closed'), { code: 'UND_ERR_DESTROYED' })) : agent.close();
}

function newAgent(tls: { rejectUnauthorized?: boolean }, proxy: ProxySettings | undefined): Dispatcher {
  // The same limit on a response's head as the socket exchange's; given here, it also spares undici
  // loading node:http at the first connection only to read Node's default (16 KiB).
  const pool = { keepAliveTimeout: 10_000, connections: 32, connect: tls, maxHeaderSize: MAX_HEAD_BYTES };
  // Through a proxy, the TLS settings apply to the registry behind it (requestTls) as well as to direct connections.
  return proxy ? new EnvHttpProxyAgent({ ...pool, ...proxy, requestTls: tls }) : new Agent(pool);
}

function checkRedirect(operation: string, from: URL, to: URL, startedInternal: boolean): void {
  if (from.protocol === 'https:' && to.protocol !== 'https:') {
    throw new UnsafeRequestError(`${operation}: refusing redirect from https to ${to.protocol.replace(':', '')} (${to.host})`);
  }
  if (!startedInternal && isInternalHost(to.hostname)) {
    throw new UnsafeRequestError(`${operation}: refusing redirect from ${from.host} to internal address ${to.host}`);
  }
}

function lowercaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

const NETWORK_CODE_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the registry running and is the address right?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for response headers',
  UND_ERR_BODY_TIMEOUT: 'timed out waiting for the response body',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
};

/** Converts what undici or the socket threw into this library's errors. */
export function toTransportError(error: unknown, operation: string, signal?: AbortSignal): Error {
  // An abort explains whatever undici threw because of it; it is named after this operation.
  if (signal?.aborted) return abortError(signal, operation);
  // The library's own errors (a size cap, a digest check) already say what went wrong.
  if (isMultiplatformError(error)) return error;
  const err = error as { code?: string; message?: string; name?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'AbortError') return new AbortError(`${operation}: aborted`, { cause: error });
  const code = err?.code ?? err?.cause?.code;
  const hint = (code && NETWORK_CODE_HINTS[code]) || redact(err?.message ?? String(error));
  return new NetworkError(operation, code ? `${hint} [${code}]` : hint, { cause: error, code });
}
