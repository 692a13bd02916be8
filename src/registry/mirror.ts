import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../errors.js';
import { ApiError } from './api-error.js';
import { checkDigest } from './grammar.js';
import { serveBlob } from './handlers/blobs.js';
import { createExchange, dropConnection, sendError, type Exchange } from './http-io.js';
import { blobStores } from './internals.js';
import type { RegistryHandler, RunningRegistry } from './types.js';

/** A request received by a {@link BlobMirror}. */
export interface MirrorRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Headers as received (lower-case names). */
  headers: IncomingHttpHeaders;
  /** True when the request carried an `Authorization` header (which a client must not forward across origins). */
  hadAuthorization: boolean;
}

/** A second origin serving a registry's blobs, the target of `redirectTo` faults (like a CDN or object storage). */
export interface BlobMirror {
  /** Origin, e.g. `http://127.0.0.1:40123`; pass it as a fault's `redirectTo`. */
  url: string;
  /** Every request received, in order. */
  requests: MirrorRequest[];
  close(): Promise<void>;
}

/**
 * Starts a plain HTTP server that answers `GET`/`HEAD /v2/<name>/blobs/<digest>` (any query, `Range` honoured)
 * with the bytes of `registry`'s blob store, without authentication, recording every request it gets.
 *
 * @example
 * const mirror = await startBlobMirror(registry);
 * registry.faults.add({ method: 'GET', path: /\/blobs\//, redirectTo: mirror.url });
 */
export async function startBlobMirror(registry: RunningRegistry | RegistryHandler, options: { host?: string } = {}): Promise<BlobMirror> {
  const store = blobStores.get(registry);
  if (!store) throw new ValidationError('startBlobMirror: expected a registry returned by startRegistry or createRegistryHandler');
  const requests: MirrorRequest[] = [];
  const server = createServer((req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    let ex: Exchange;
    try {
      ex = createExchange(req, res);
    } catch {
      res.statusCode = 400;
      res.end();
      return;
    }
    requests.push({
      method: ex.method,
      path: ex.pathAndQuery,
      headers: { ...req.headers },
      hadAuthorization: req.headers.authorization !== undefined,
    });
    const answer = async (): Promise<void> => {
      const match = /^\/v2\/.+\/blobs\/([^/]+)$/.exec(ex.path);
      if (!match?.[1] || (ex.method !== 'GET' && ex.method !== 'HEAD')) {
        throw ApiError.of(404, 'UNSUPPORTED', 'this mirror only serves blob GET and HEAD');
      }
      await serveBlob(ex, store, checkDigest(match[1], 'blob digest'));
    };
    answer().catch(async (e) => {
      if (e instanceof ApiError && !res.headersSent) await sendError(ex, e).catch(() => dropConnection(ex));
      else dropConnection(ex);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
