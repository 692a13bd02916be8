import type { IncomingMessage, ServerResponse } from 'node:http';
import { redact, ValidationError } from '../errors.js';
import { KeyedLock } from '../util/keyed-lock.js';
import { ApiError } from './api-error.js';
import { requiredAccess } from './auth/access.js';
import { openAccess, type Authenticator } from './auth/authenticator.js';
import { BasicAuthenticator } from './auth/basic.js';
import { TokenAuthenticator } from './auth/token.js';
import type { RegistryContext } from './context.js';
import { dispatch } from './dispatch.js';
import { applyFault } from './faults/apply.js';
import { FaultList } from './faults/faults.js';
import type { ProfileRequest, RegistryBehaviour } from './faults/profiles/behaviour.js';
import { checkRepositoryName } from './grammar.js';
import { createExchange, drainRequest, dropConnection, sendError, type Exchange } from './http-io.js';
import { blobStores } from './internals.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { ALLOWED_METHODS, matchRoute, routeLabel, type Route } from './router.js';
import { openStorage } from './storage/open-storage.js';
import type { RegistryHandler, RegistryHandlerOptions, RegistryStats } from './types.js';
import { UploadManager } from './upload-sessions.js';

/**
 * Opens the registry's storage (in memory, or a directory whose earlier content is loaded) and returns a
 * request handler to mount in any `node:http` server, beside routes of your own. No TLS, one user at most.
 * {@link startRegistry} is this handler in a server of its own.
 *
 * @example
 * const registry = await createRegistryHandler();
 * const server = createServer((req, res) => (req.url === '/health' ? res.end('ok') : registry.handle(req, res)));
 * // ... server.listen(...), push and pull, then:
 * server.close();
 * await registry.close();
 */
export async function createRegistryHandler(options: RegistryHandlerOptions = {}): Promise<RegistryHandler> {
  if (options === null || typeof options !== 'object') throw new ValidationError('createRegistryHandler: options must be an object');
  const resolved = resolveOptions({ ...options, port: 0, host: '127.0.0.1' }, 'createRegistryHandler');
  const log = neverThrowing(resolved.log);
  const { store, persistence, state, close: closeStorage } = await openStorage(resolved.dir);
  const uploads = new UploadManager(store, resolved.uploadLimits);
  const behaviour = resolved.profile?.profile.create(resolved.profile.settings);
  const ctx: RegistryContext = {
    ...(behaviour ? { behaviour } : {}),
    state,
    store,
    uploads,
    locks: new KeyedLock(),
    maxManifestBytes: resolved.maxManifestBytes,
    referrersPageSize: resolved.referrersPageSize,
    maxUploadRequestBytes: resolved.maxUploadRequestBytes,
    persist: () => persistence.save(state),
  };
  const faults = new FaultList();
  const stats: RegistryStats = { requests: 0, tokenRequests: 0, byRoute: {} };
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();
  // The token realm follows each request's Host header; a request without one gets the address it came in on.
  let fallbackOrigin = 'http://127.0.0.1';
  const authenticator = createAuthenticator(resolved, () => fallbackOrigin);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => {});
    res.on('error', () => {});
    stats.requests += 1;
    const started = Date.now();
    let ex: Exchange | undefined;
    try {
      if (shutdown.signal.aborted) throw ApiError.of(503, 'UNKNOWN', 'the registry is closed');
      fallbackOrigin = originOf(req) ?? fallbackOrigin;
      ex = createExchange(req, res);
      logWhenDone(ex, started, log);
      const route = matchRoute(ex.path);
      const label = routeLabel(ex.method, route);
      stats.byRoute[label] = (stats.byRoute[label] ?? 0) + 1;
      if (route.kind === 'token' && authenticator.handleToken) stats.tokenRequests += 1;
      await answer(ex, route);
    } catch (e) {
      await fail(ex ?? safeExchange(req, res), req, res, e, log);
    }
  }

  async function answer(ex: Exchange, route: Route): Promise<void> {
    const isToken = route.kind === 'token' && authenticator.handleToken !== undefined;
    if (route.kind === 'unknown' || (route.kind === 'token' && !isToken)) {
      throw ApiError.of(404, 'UNSUPPORTED', `no such endpoint: ${ex.path.slice(0, 200)}`);
    }
    const allowed = ALLOWED_METHODS[route.kind];
    if (!allowed.includes(ex.method)) {
      throw ApiError.of(405, 'UNSUPPORTED', `${ex.method} is not supported here`, undefined, { Allow: allowed.join(', ') });
    }
    if ('name' in route) checkRepositoryName(route.name);
    const from = ex.query.get('from');
    if (route.kind === 'upload-start' && ex.query.has('mount') && from) checkRepositoryName(from);
    const profiled = behaviour && !isToken ? profileRequest(ex, route) : undefined;
    if (profiled) decorate(ex, behaviour, profiled);
    if (!isToken) {
      const denied = authenticator.authorize(ex, requiredAccess(route, ex.method, ex.query));
      if (denied) throw behaviour?.challenge ? withChallenge(denied, behaviour, profiled?.origin ?? fallbackOrigin) : denied;
    }
    if (profiled) {
      const refused = behaviour?.refuse?.(profiled);
      decorate(ex, behaviour, profiled);
      if (refused) throw refused;
    }
    const fault = faults.take(ex.method, ex.path, ex.pathAndQuery);
    if (fault && (await applyFault(ex, route, fault, shutdown.signal))) return;
    if (isToken && authenticator.handleToken) await authenticator.handleToken(ex);
    else await dispatch(ctx, ex, route);
  }

  function profileRequest(ex: Exchange, route: Route): ProfileRequest {
    const host = ex.req.headers.host;
    const name = 'name' in route ? route.name : undefined;
    const mayPush = name !== undefined && authenticator.authorize(ex, [{ type: 'repository', name, actions: ['push'] }]) === undefined;
    return {
      mayPush,
      method: ex.method,
      route,
      query: ex.query,
      headers: ex.req.headers,
      // As the token realm: a Host header that is not a plain host[:port] is not echoed into challenges.
      origin: host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? `http://${host}` : fallbackOrigin,
      state,
    };
  }

  let closing: Promise<void> | undefined;
  const handler: RegistryHandler = {
    handle: (req, res) => {
      const served = serve(req, res)
        .catch((e: unknown) => lastResort(req, res, e, log))
        .finally(() => inFlight.delete(served));
      inFlight.add(served);
    },
    faults,
    stats,
    close: () =>
      (closing ??= (async () => {
        faults.clear();
        shutdown.abort();
        await Promise.allSettled([...inFlight]);
        await uploads.closeAll();
        try {
          await ctx.persist();
        } finally {
          await closeStorage();
        }
      })()),
  };
  blobStores.set(handler, store);
  return handler;
}

/** Sets the profile's response headers on the exchange, so that whatever answer follows carries them. */
function decorate(ex: Exchange, behaviour: RegistryBehaviour | undefined, request: ProfileRequest): void {
  for (const [name, value] of Object.entries(behaviour?.headers?.(request) ?? {})) ex.res.setHeader(name, value);
}

/** A 401 of the registry's authentication, with the challenge the profile's registry sends instead. */
function withChallenge(denied: ApiError, behaviour: RegistryBehaviour, origin: string): ApiError {
  const ours = denied.headers['WWW-Authenticate'];
  if (ours === undefined || !behaviour.challenge) return denied;
  return new ApiError(denied.status, denied.entries, { ...denied.headers, 'WWW-Authenticate': behaviour.challenge(origin, ours) });
}

function createAuthenticator(options: ResolvedOptions, origin: () => string): Authenticator {
  const { auth } = options;
  if (auth.kind === 'basic') return new BasicAuthenticator(auth.accounts);
  if (auth.kind === 'token') {
    return new TokenAuthenticator(
      { credentials: auth.credentials, service: auth.service, lifetimeSeconds: auth.lifetimeSeconds, oauth2Exchange: auth.oauth2Exchange },
      origin,
    );
  }
  return openAccess;
}

/** `http://<address>:<port>` the request arrived on, if the socket still knows it. */
function originOf(req: IncomingMessage): string | undefined {
  const { localAddress, localPort } = req.socket ?? {};
  if (!localAddress || !localPort) return undefined;
  const host = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return `http://${host}:${localPort}`;
}

/** An exchange for answering an error, or undefined when even that cannot be built (a malformed URL). */
function safeExchange(req: IncomingMessage, res: ServerResponse): Exchange | undefined {
  try {
    return createExchange(req, res);
  } catch {
    return undefined;
  }
}

/** Answers a failed request: the spec error for an {@link ApiError}, a 500 (logged) for anything else. Never throws. */
async function fail(
  ex: Exchange | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  log: (line: string) => void,
): Promise<void> {
  try {
    const unexpected = !(error instanceof ApiError);
    if (unexpected && !isDisconnect(error)) {
      log(`error serving ${req.method} ${redact(req.url ?? '')}: ${redact((error as Error)?.stack ?? String(error))}`);
    }
    if (!ex || res.headersSent || res.writableEnded || (req.socket?.destroyed ?? true)) {
      if (!res.writableEnded) dropConnection({ req, res });
      return;
    }
    const apiError = unexpected ? ApiError.of(500, 'UNKNOWN', 'internal server error') : error;
    await drainRequest(req);
    await sendError(ex, apiError);
  } catch {
    dropConnection({ req, res });
  }
}

/**
 * The catch behind everything else: a failure that escaped {@link fail} is logged and answered 500 when nothing
 * was sent yet, otherwise the connection is dropped. Never throws, so no request can stop the process.
 */
function lastResort(req: IncomingMessage, res: ServerResponse, error: unknown, log: (line: string) => void): void {
  try {
    log(`unhandled error serving ${req.method} ${redact(req.url ?? '')}: ${redact((error as Error)?.stack ?? String(error))}`);
    if (res.headersSent || res.writableEnded) {
      if (!res.writableEnded) dropConnection({ req, res });
      return;
    }
    res.statusCode = 500;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Connection', 'close');
    res.end(ApiError.of(500, 'UNKNOWN', 'internal server error').body());
  } catch {
    // Nothing is left to try: the connection closes when the client or the server's timeouts give up on it.
  }
}

/** `log`, made unable to throw into the request path: a failing user callback must not fail the request or the process. */
function neverThrowing(log: (line: string) => void): (line: string) => void {
  return (line) => {
    try {
      log(line);
    } catch {
      // the user's logger failed; the request is served regardless
    }
  };
}

function isDisconnect(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ABORT_ERR' ||
    (error as Error)?.message === 'aborted'
  );
}

function logWhenDone(ex: Exchange, started: number, log: (line: string) => void): void {
  let logged = false;
  const line = (outcome: string): void => {
    if (logged) return;
    logged = true;
    log(`${ex.method} ${redact(ex.pathAndQuery)} -> ${outcome} (${Date.now() - started} ms)`);
  };
  ex.res.once('finish', () => line(String(ex.res.statusCode)));
  ex.res.once('close', () => line(ex.res.writableFinished ? String(ex.res.statusCode) : 'connection closed'));
}
