import { RegistryError, redact, type RegistryErrorDetail } from '../errors.js';
import { RegistryConcurrency } from './concurrency.js';
import { hintFor, plainTextBody, retryAfterFromMessage } from './error-hints.js';
import { parseRateLimit } from './headers/rate-limit.js';
import { discard, readCapped } from '../util/streams.js';
import { registryApiHost } from '../oci/reference.js';
import { ErrorBodySchema, matches, parseJson } from '../oci/schemas.js';
import type { Authenticator, RegistryTarget } from './auth.js';
import { BodyOpener, type BodySource } from './body.js';
import type { Endpoints } from './endpoints.js';
import { header, headerValues, type HttpRequest, type HttpResponse, type HttpTransport } from './http.js';
import { readBody } from './read-body.js';
import { parseRetryAfter, withRetry, type ResolvedRetryPolicy } from './retry.js';

/** One request to a registry's API, before authentication and retries. */
export interface RegistryRequest {
  /** Normalised registry name (`docker.io`, `localhost:5000`). */
  registry: string;
  method: HttpRequest['method'];
  /** Path under the registry origin (`/v2/app/manifests/1`), or an absolute/relative URL it gave us (upload `Location`). */
  path: string;
  /** Query parameters; a list sends the parameter once per value, in order. */
  query?: Record<string, string | readonly string[] | undefined>;
  headers?: Record<string, string>;
  body?: BodySource;
  /** Token scopes the request needs, e.g. `repository:app:pull`. */
  scopes: string[];
  /** Names the operation in errors. */
  operation: string;
  /** Statuses that count as success; anything else becomes a typed error. */
  expect: number[];
  signal?: AbortSignal;
  followRedirects?: boolean;
  /** Set false for a request that must not be repeated blindly. */
  retry?: boolean;
  /** A blob's bytes (a download, or an upload with a content-length): see HttpRequest.rawBody. */
  rawBody?: boolean;
  /** With `rawBody`: a small document read whole (see HttpRequest.small). */
  small?: boolean;
  /** The request continues a transfer already admitted (a download resumed): see SlotRequest.continuing. */
  continuing?: boolean;
}

const ERROR_BODY_LIMIT = 64 * 1024;

export interface RegistryTransportHooks {
  onWarning?: (warning: string, operation: string) => void;
  onRetry?: (info: { attempt: number; error: Error; delayMs: number; operation: string }) => void;
  /** Requests in flight per registry (default: a few for known rate-limited hosts, unlimited elsewhere). */
  maxConcurrentRequests?: number;
}

/** Ties the layers together: origin → authentication → retry → HTTP, and turns failures into typed errors. */
export class RegistryTransport {
  constructor(
    readonly http: HttpTransport,
    readonly auth: Authenticator,
    readonly endpoints: Endpoints,
    readonly retryPolicy: ResolvedRetryPolicy,
    private readonly hooks: RegistryTransportHooks = {},
  ) {
    this.concurrency = new RegistryConcurrency(hooks.maxConcurrentRequests);
  }

  private readonly concurrency: RegistryConcurrency;
  /** The API host of each registry name seen (checking a name's grammar is a measurable part of a small request). */
  private readonly apiHosts = new Map<string, string>();

  /** The origin (`https://host`) requests to this registry go to. */
  async origin(registry: string, signal?: AbortSignal): Promise<string> {
    let apiHost = this.apiHosts.get(registry);
    if (apiHost === undefined) {
      apiHost = registryApiHost(registry);
      this.apiHosts.set(registry, apiHost);
    }
    return this.endpoints.origin(apiHost, signal);
  }

  /** Sends the request; resolves with a response whose status is in `expect` (the caller reads or dumps its body). */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const opener = new BodyOpener(req.body);
    return withRetry(() => this.attempt(req, opener), {
      policy: this.retryPolicy,
      signal: req.signal,
      operation: req.operation,
      replayable: req.retry !== false && opener.replayable,
      onRetry: (info) => this.hooks.onRetry?.({ ...info, operation: req.operation }),
    });
  }

  /**
   * Sends a GET and reads its whole body (at most `limit` bytes) within the same attempt, so that
   * a connection cut or stalled half-way through the body is retried like one that failed before
   * the answer: the request is sent again from the start.
   */
  async requestBytes(req: RegistryRequest & { method: 'GET' }, limit: number): Promise<{ response: HttpResponse; bytes: Buffer }> {
    const opener = new BodyOpener(req.body);
    return withRetry(
      async () => {
        const response = await this.attempt(req, opener);
        return { response, bytes: await readBody(response, limit, req.operation, req.signal) };
      },
      {
        policy: this.retryPolicy,
        signal: req.signal,
        operation: req.operation,
        replayable: req.retry !== false,
        onRetry: (info) => this.hooks.onRetry?.({ ...info, operation: req.operation }),
      },
    );
  }

  private async attempt(req: RegistryRequest, opener: BodyOpener): Promise<HttpResponse> {
    const origin = await this.origin(req.registry, req.signal);
    const target: RegistryTarget = { registry: req.registry, origin };
    const url = new URL(req.path, origin);
    if (req.query) {
      for (const [k, v] of Object.entries(req.query)) {
        if (typeof v === 'string') url.searchParams.set(k, v);
        else if (v !== undefined) for (const value of v) url.searchParams.append(k, value);
      }
    }
    // Credentials go only to the registry's own origin, never to an upload URL elsewhere.
    const sameOrigin = url.origin === origin;

    let authorization = sameOrigin ? await this.auth.authorization(target, req.scopes, req.signal, req.operation) : undefined;
    let res = await this.send(req, url, opener, authorization);
    // A 401 from wherever a redirect led (a CDN, object storage) is that host's, not the registry's: never answered.
    const registryRefused = (r: HttpResponse) => r.status === 401 && new URL(r.url).origin === origin;
    if (sameOrigin && registryRefused(res)) {
      const challenge = res.headers['www-authenticate'];
      await discard(res.body);
      authorization = await this.auth.answerChallenge(target, req.scopes, challenge, authorization, req.operation, req.signal);
      res = await this.send(req, url, opener, authorization);
      if (registryRefused(res)) {
        const again = res.headers['www-authenticate'];
        await discard(res.body);
        throw await this.auth.refused(target, again, req.operation);
      }
    }
    for (const warning of headerValues(res, 'warning')) this.hooks.onWarning?.(warning, req.operation);
    if (req.expect.includes(res.status)) return res;
    throw await errorFromResponse(res, req.operation, req.method);
  }

  private send(req: RegistryRequest, url: URL, opener: BodyOpener, authorization: string | undefined): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (authorization) headers['authorization'] = authorization;
    const slot = { signal: req.signal, operation: req.operation, continuing: req.continuing === true };
    return this.concurrency.run(req.registry, () => this.http.send({
      method: req.method,
      url: url.toString(),
      headers,
      body: opener,
      signal: req.signal,
      operation: req.operation,
      followRedirects: req.followRedirects,
      rawBody: req.rawBody,
      small: req.small,
    }), slot);
  }
}

/**
 * Builds a {@link RegistryError} from an unexpected response, reading at most 64 KiB of its body: the spec's
 * error entries, or the start of a plain-text body; the wait a 429 asks for (header, else message); the
 * registry's quota headers; and a hint when `method` and the codes say more than the registry did.
 */
export async function errorFromResponse(res: HttpResponse, operation: string, method?: string): Promise<RegistryError> {
  let errors: RegistryErrorDetail[] = [];
  let text = '';
  try {
    const body = await readCapped(res.body, ERROR_BODY_LIMIT, `${operation}: error body`);
    const type = header(res, 'content-type') ?? '';
    text = body.toString('utf8').trim();
    if (type.includes('json') || text.startsWith('{')) {
      // RegistryError redacts every string of these entries, details included.
      const parsed = parseJson(text, `${operation}: error body`);
      if (matches(ErrorBodySchema, parsed)) errors = parsed.errors.map((e) => ({ code: e.code, message: e.message, detail: e.detail }));
    }
  } catch {
    // An oversize or unreadable error body still yields an error for the status.
    await discard(res.body);
  }
  let retryAfterMs = parseRetryAfter(header(res, 'retry-after'));
  if (retryAfterMs === undefined && res.status === 429) retryAfterMs = retryAfterFromMessage(text);
  const rateLimit = parseRateLimit(header(res, 'ratelimit-limit'), header(res, 'ratelimit-remaining'));
  const plain = errors.length === 0 ? plainTextBody(text) : undefined;
  const hints = [plain && `the registry said: ${redact(plain)}`, method && hintFor(method, res.status, errors.map((e) => e.code))].filter(Boolean);
  return new RegistryError(operation, res.status, errors, {
    retryAfterMs,
    ...(rateLimit ? { rateLimit } : {}),
    ...(hints.length > 0 ? { hint: hints.join('; ') } : {}),
  });
}
