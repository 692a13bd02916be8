import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkError, redact } from '../errors.js';
import { ApiError } from './api-error.js';
import { applyFault } from './faults/apply.js';
import { requiredAccess } from './auth/access.js';
import { openAccess, type Authenticator } from './auth/authenticator.js';
import { BasicAuthenticator } from './auth/basic.js';
import { TokenAuthenticator } from './auth/token.js';
import type { RegistryContext } from './context.js';
import { dispatch } from './dispatch.js';
import { FaultList } from './faults/faults.js';
import { checkRepositoryName } from './grammar.js';
import { createExchange, drainRequest, sendError, type Exchange } from './http-io.js';
import { blobStores } from './internals.js';
import { KeyedLock } from '../util/keyed-lock.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { ALLOWED_METHODS, matchRoute, routeLabel, type Route } from './router.js';
import type { BlobStore } from './storage/blob-store.js';
import { FileBlobStore } from './storage/file-store.js';
import { MemoryBlobStore } from './storage/memory-store.js';
import { FilePersistence, memoryPersistence } from './storage/persistence.js';
import type { RegistryOptions, RegistryStats, RunningRegistry } from './types.js';
import { UploadManager } from './upload-sessions.js';

/**
 * Starts an OCI distribution-spec registry on `127.0.0.1` (by default on a free port), in memory or in a
 * directory. Meant for tests and demos: no TLS, one user at most.
 *
 * @example
 * const registry = await startRegistry();
 * // push to `${registry.host}/app:1.0` ...
 * await registry.close();
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const resolved = resolveOptions(options);
  const store: BlobStore = resolved.dir ? await FileBlobStore.open(resolved.dir) : new MemoryBlobStore();
  const persistence = resolved.dir ? new FilePersistence(resolved.dir) : memoryPersistence;
  const state = await persistence.load();
  const uploads = new UploadManager(store);
  const ctx: RegistryContext = {
    state,
    store,
    uploads,
    locks: new KeyedLock(),
    maxManifestBytes: resolved.maxManifestBytes,
    persist: () => persistence.save(state),
  };
  const faults = new FaultList();
  const stats: RegistryStats = { requests: 0, tokenRequests: 0, byRoute: {} };
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let origin = '';
  const authenticator = createAuthenticator(resolved, () => origin);

  const server = createServer((req, res) => {
    const served = serve(req, res).finally(() => inFlight.delete(served));
    inFlight.add(served);
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => {});
    res.on('error', () => {});
    stats.requests += 1;
    const started = Date.now();
    let ex: Exchange | undefined;
    try {
      ex = createExchange(req, res);
      logWhenDone(ex, started, resolved.log);
      const route = matchRoute(ex.path);
      const label = routeLabel(ex.method, route);
      stats.byRoute[label] = (stats.byRoute[label] ?? 0) + 1;
      if (route.kind === 'token' && authenticator.handleToken) stats.tokenRequests += 1;
      await handle(ex, route);
    } catch (e) {
      await fail(ex, req, res, e, resolved.log);
    }
  }

  async function handle(ex: Exchange, route: Route): Promise<void> {
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
    if (!isToken) {
      const denied = authenticator.authorize(ex, requiredAccess(route, ex.method, ex.query));
      if (denied) throw denied;
    }
    const fault = faults.take(ex.method, ex.path, ex.pathAndQuery);
    if (fault && (await applyFault(ex, route, fault, shutdown.signal))) return;
    if (isToken && authenticator.handleToken) await authenticator.handleToken(ex);
    else await dispatch(ctx, ex, route);
  }

  try {
    await listen(server, resolved.port, resolved.host);
  } catch (e) {
    await store.close();
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new NetworkError('start registry', `cannot listen on ${resolved.host}:${resolved.port} (${code})`, { cause: e });
  }
  const port = (server.address() as AddressInfo).port;
  const host = `${urlHost(resolved.host)}:${port}`;
  origin = `http://${host}`;

  let closing: Promise<void> | undefined;
  const running: RunningRegistry = {
    url: origin,
    host,
    port,
    faults,
    stats,
    close: () =>
      (closing ??= (async () => {
        faults.clear();
        shutdown.abort();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await Promise.allSettled([...inFlight]);
        await uploads.closeAll();
        await ctx.persist();
        await store.close();
      })()),
  };
  blobStores.set(running, store);
  return running;
}

function createAuthenticator(options: ResolvedOptions, origin: () => string): Authenticator {
  const { auth } = options;
  if (auth.kind === 'basic') return new BasicAuthenticator({ username: auth.username, password: auth.password });
  if (auth.kind === 'token') {
    return new TokenAuthenticator(
      { credentials: auth.credentials, service: auth.service, lifetimeSeconds: auth.lifetimeSeconds },
      origin,
    );
  }
  return openAccess;
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
    if (!ex || res.headersSent || res.writableEnded || req.socket.destroyed) {
      if (!res.writableEnded) req.socket.destroy();
      return;
    }
    const apiError = unexpected ? ApiError.of(500, 'UNKNOWN', 'internal server error') : error;
    await drainRequest(req);
    await sendError(ex, apiError);
  } catch {
    req.socket.destroy();
  }
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

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The host part of URLs for a listening address: unspecified addresses are reached through loopback, IPv6 goes in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1';
  if (host.includes(':') && !host.startsWith('[')) return `[${host}]`;
  return host;
}
